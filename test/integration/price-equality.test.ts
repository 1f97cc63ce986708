// One price source: what a catalog page shows is what an order is charged. Random products (fixed
// and range, in several currencies), price plans with default and per-product discounts (markups
// too), FX rates (some pairs missing) and buyers (partners in two currencies, agents and their
// sub-agents) from a seeded generator; for every product of every buyer's page, the page price at
// the smallest and largest face value equals the order intake's quote (the pricing step of
// `createOrder`), and `orderable` equals its profit guard. A random face value inside a range is
// priced from the page's facts exactly as the intake quotes it. Products left off the page are the
// ones the intake refuses.
import { describe, expect, it } from 'vitest';
import { createAccount, type Account } from '../../src/domain/accounts/accounts.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { priceRequests } from '../../src/domain/orders/intake-pricing.ts';
import { intakeRequest } from '../../src/domain/orders/intake-request.ts';
import { assignPricePlan, catalogPrices, createPricePlan, loadPricingFacts, priceCard, setProductDiscount } from '../../src/domain/pricing/pricing.ts';
import type { DomainError } from '../../src/shared/errors.ts';
import { money } from '../../src/shared/money.ts';
import { insertProduct, insertRate } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { operator } from '../support/money.ts';

const ORDER_FEE = '0.15';
const { ctx } = await createTestContext({ env: { ORDER_FEE } });
const { db } = ctx;
const orderFee = { amount: ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY };

/** mulberry32: a small seeded generator, so a failing case can be run again. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  return { next, int, pick };
}

const SEED = 20261203;
const ROUNDS = 12;
const PRODUCTS_PER_ROUND = 10;
const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;

/** The intake's quote for one card of `face`, or the refusal it answers with. */
async function intakeQuote(buyer: Account, productId: bigint, face: bigint, faceCurrency: string) {
  const request = intakeRequest(ctx, {
    buyerId: buyer.id,
    actor: accountActor(buyer.id, 'api'),
    clientReference: `equality-${productId}-${face}`,
    productId,
    face: money(face, faceCurrency),
    quantity: 1,
  });
  const [settled] = await priceRequests(ctx, [request]);
  if (!settled) throw new Error('no answer');
  return settled;
}

describe('page price = order quote', () => {
  it(`for random products, plans, discounts and FX rates (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    const random = generator(SEED);
    let productId = 700_000;
    let compared = 0;
    let refusalsCompared = 0;
    let guarded = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      // FX: each pair of the three currencies gets a new rate (newest wins), or none this round.
      const sourceTime = new Date(Date.UTC(2026, 11, 3, 0, round));
      for (const [base, quote] of [
        ['USD', 'EUR'],
        ['USD', 'GBP'],
        ['GBP', 'EUR'],
      ] as const) {
        if (random.next() < 0.85) await insertRate(db, base, quote, (0.5 + random.next()).toFixed(random.int(2, 8)), sourceTime);
      }
      const ids: bigint[] = [];
      for (let index = 0; index < PRODUCTS_PER_ROUND; index += 1) {
        productId += 1;
        const range = random.next() < 0.5;
        const minFace = BigInt(random.int(100, 20_000));
        const maxFace = range ? minFace + BigInt(random.int(1, 50_000)) : minFace;
        const costShare = 0.8 + random.next() * 0.25; // sometimes above face: not orderable
        await insertProduct(db, {
          id: productId,
          currency: random.pick(CURRENCIES),
          minFace,
          maxFace,
          costCurrency: random.pick(CURRENCIES),
          costMin: BigInt(Math.round(Number(minFace) * costShare)),
          costMax: BigInt(Math.round(Number(maxFace) * (costShare + random.next() * 0.02))),
          active: random.next() < 0.9,
        });
        ids.push(BigInt(productId));
      }
      // Buyers: partners in two currencies, an agent and its sub-agent; plans with markups too.
      const currency = random.pick(CURRENCIES);
      const partner = await createAccount(db, operator, { role: 'partner', name: `partner ${round}`, currency: 'USD', parentId: null });
      const foreignPartner = await createAccount(db, operator, { role: 'partner', name: `partner ${round} ${currency}`, currency, parentId: null });
      const agent = await createAccount(db, operator, { role: 'agent', name: `agent ${round}`, currency, parentId: null });
      const sub = await createAccount(db, operator, { role: 'sub_agent', name: `sub ${round}`, parentId: agent.id });
      for (const [index, account] of [partner, foreignPartner, agent, sub].entries()) {
        if (random.next() < 0.2) continue; // no plan of its own: its role's default, or face value
        const plan = await createPricePlan(db, operator, { name: `plan ${round}-${index}`, defaultDiscountBps: random.int(-500, 1500) });
        for (const id of ids) {
          if (random.next() < 0.4) await setProductDiscount(db, operator, { planId: plan.id, productId: id, discountBps: random.int(-900, 2500) });
        }
        await assignPricePlan(db, operator, { accountId: account.id }, plan.id);
      }
      if (round % 3 === 0) {
        const rolePlan = await createPricePlan(db, operator, { name: `partners ${round}`, defaultDiscountBps: random.int(0, 800) });
        await assignPricePlan(db, operator, { role: 'partner' }, rolePlan.id);
      }

      for (const buyer of [partner, foreignPartner, agent, sub]) {
        const page = await catalogPrices(db, { accountId: buyer.id, productIds: ids, orderFee });
        const facts = await loadPricingFacts(db, { accountId: buyer.id, productIds: ids, orderFee });
        for (const id of ids) {
          const product = facts.products.get(id)!.product;
          const shown = page.find((price) => price.productId === id);
          const low = await intakeQuote(buyer, id, product.min_face_minor, product.face_currency);
          const high = await intakeQuote(buyer, id, product.max_face_minor, product.face_currency);
          if (!shown) {
            // Left off the page: the intake refuses it (inactive, or no rate to price it with).
            expect(low.ok, `product ${id} for ${buyer.role} ${buyer.currency}`).toBe(false);
            const code = low.ok ? undefined : (low.error as DomainError).code;
            expect(['product_not_found', 'fx_rate_missing']).toContain(code);
            refusalsCompared += 1;
            continue;
          }
          for (const [settled, pagePrice] of [
            [low, shown.minPrice],
            [high, shown.maxPrice],
          ] as const) {
            if (settled.ok) {
              expect(settled.value.quote.unitPrice, `product ${id} for ${buyer.role} ${buyer.currency}`).toEqual(pagePrice);
            } else {
              // Refused by the profit guard: the page says so.
              expect((settled.error as DomainError).code).toBe('profit_guard');
              expect(shown.orderable).toBe(false);
              guarded += 1;
            }
          }
          if (low.ok && high.ok) expect(shown.orderable).toBe(true);
          // Any face value of a range: the page's facts give the intake's quote, field for field.
          const face = product.min_face_minor + BigInt(Math.floor(random.next() * Number(product.max_face_minor - product.min_face_minor + 1n)));
          const fromPage = priceCard(facts, id, money(face, product.face_currency));
          const charged = await intakeQuote(buyer, id, face, product.face_currency);
          if (charged.ok) expect(charged.value.quote).toEqual(fromPage);
          else expect((charged.error as DomainError).code).toBe('profit_guard');
          compared += 3;
        }
      }
    }
    // The generator must have produced every kind of case, or the test proves less than it says.
    expect(compared).toBeGreaterThan(300);
    expect(refusalsCompared).toBeGreaterThan(5);
    expect(guarded).toBeGreaterThan(5);
  }, 120_000);
});
