import { describe, expect, it } from 'vitest';
import { addAdmin, type Account } from '../../src/domain/accounts/accounts.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { assertOnCardList, readCardList, saveCardList } from '../../src/domain/pricing/card-list.ts';
import {
  assertProfitGuard,
  assignPricePlan,
  catalogPrices,
  createPricePlan,
  productWithDiscount,
  quotePrice,
  setProductDiscount,
} from '../../src/domain/pricing/pricing.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { insertProduct, insertRate } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { expectDomainError, makeAccount, makeTree, operator } from '../support/money.ts';

const { db } = await createTestDatabase();
const noFee = { amount: '0', currency: 'USD' };

// Products: the docs/product.md#pricing-and-revenue-share example (face 10.00, cost 9.47), a range 5–500 USD at 95 %, a EUR card, a JPY card.
await insertProduct(db, { id: 1, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: 2, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await insertProduct(db, { id: 3, currency: 'EUR', minFace: 1000n, costCurrency: 'EUR', costMin: 950n });
await insertProduct(db, { id: 4, currency: 'JPY', minFace: 1000n, costCurrency: 'JPY', costMin: 100n });
await insertProduct(db, { id: 5, minFace: 999n, costMin: 100n });
await insertProduct(db, { id: 6, minFace: 50n, costMin: 1n });
await insertProduct(db, { id: 7, minFace: 1005n, costMin: 1n });
await insertProduct(db, { id: 8, minFace: 1000n, costMin: 900n, active: false });
await insertRate(db, 'USD', 'EUR', '0.871483');
await insertRate(db, 'JPY', 'USD', '0.0067');

async function planOf(name: string, defaultDiscountBps: number) {
  return createPricePlan(db, operator, { name, defaultDiscountBps });
}

async function price(accountId: string, productId: number, face: string, currency = 'USD') {
  return quotePrice(db, { accountId, productId, face: parseMoney(face, currency), orderFee: noFee });
}

describe('pricing engine', () => {
  it('docs/product.md#pricing-and-revenue-share worked example: agent 9.60, sub-agent 9.80, share 0.20, platform keeps 0.13', async () => {
    const { agent, sub } = await makeTree(db);
    await assignPricePlan(db, operator, { accountId: agent.id }, (await planOf('agent 4%', 400)).id);
    await assignPricePlan(db, operator, { accountId: sub.id }, (await planOf('sub 2%', 200)).id);

    const agentQuote = await price(agent.id, 1, '10.00');
    expect(formatAmount(agentQuote.unitPrice)).toBe('9.60');
    const subQuote = await price(sub.id, 1, '10.00');
    expect(formatAmount(subQuote.unitPrice)).toBe('9.80');
    expect(formatAmount(subQuote.platformUnitPrice)).toBe('9.60');
    expect(formatAmount(subQuote.revenueShareUnit)).toBe('0.20');
    expect(formatAmount(subQuote.unitCostWithFee)).toBe('9.47');
    expect(subQuote.platformUnitPrice.amount - subQuote.unitCostWithFee.amount).toBe(13n);
    assertProfitGuard(subQuote);
  });

  it.each([
    // [product, face, discount bps, expected]
    [1, '10.00', 0, '10.00'],
    [1, '10.00', 400, '9.60'],
    [1, '10.00', -250, '10.25'], // markup
    [5, '9.99', 333, '9.66'], // 9.657333 → 9.66
    [6, '0.50', 100, '0.50'], // 0.495 → half up to 0.50
    [6, '0.50', 300, '0.49'], // 0.485 → 0.49
    [7, '10.05', 5000, '5.03'], // 5.025 → 5.03
    [1, '10.00', 9999, '0.00'], // 0.001 → 0.00
  ])('product %i face %s at %i bps costs %s', async (productId, face, bps, expected) => {
    const partner = await makeAccount(db, 'partner');
    await assignPricePlan(db, operator, { accountId: partner.id }, (await planOf(`p-${productId}-${face}-${bps}`, bps)).id);
    expect(formatAmount((await price(partner.id, productId, face)).unitPrice)).toBe(expected);
  });

  it('converts with the stored rate (inverse when only the other direction is stored) and records it', async () => {
    const partner = await makeAccount(db, 'partner');
    const eur = await price(partner.id, 3, '10.00', 'EUR');
    // 1 / 0.871483 = 1.1474693138 (10 places); 10.00 EUR → 11.474693 → 11.47 USD.
    expect(formatAmount(eur.unitPrice)).toBe('11.47');
    expect(eur.unitPrice.currency).toBe('USD');
    expect(eur.fx).toMatchObject({ from: 'EUR', to: 'USD', rate: '1.1474693138' });
    // Cost 9.50 EUR → 10.90 USD.
    expect(formatAmount(eur.unitCostWithFee)).toBe('10.90');
    const yen = await price(partner.id, 4, '1000', 'JPY');
    expect(formatAmount(yen.unitPrice)).toBe('6.70');
    expect(yen.fx?.rate).toBe('0.0067');
    // Discount rounds in the face currency first (JPY has no decimals): 1000 × 0.9667 = 966.7 → 967 JPY → 6.4789 → 6.48 USD.
    await assignPricePlan(db, operator, { accountId: partner.id }, (await planOf('yen 333', 333)).id);
    expect(formatAmount((await price(partner.id, 4, '1000', 'JPY')).unitPrice)).toBe('6.48');
  });

  it('refuses without a stored rate', async () => {
    const partner = await makeAccount(db, 'partner');
    await insertProduct(db, { id: 9, currency: 'GBP', minFace: 1000n, costCurrency: 'GBP', costMin: 900n });
    await expectDomainError(price(partner.id, 9, '10.00', 'GBP'), 'fx_rate_missing');
  });

  it('account plan beats role default; product discount beats plan default; no plan is face value', async () => {
    // What order intake reads in one query: the product and the discount that applies.
    const discountOn = async (account: Account, productId: number) => {
      const { product, discount } = await productWithDiscount(db, account, productId);
      expect(product.id).toBe(BigInt(productId));
      return discount;
    };
    const partner = await makeAccount(db, 'partner');
    expect(formatAmount((await price(partner.id, 1, '10.00')).unitPrice)).toBe('10.00');
    expect(await discountOn(partner, 1)).toEqual({ planId: null, discountBps: 0 });
    const rolePlan = await planOf('partners 1%', 100);
    await assignPricePlan(db, operator, { role: 'partner' }, rolePlan.id);
    expect(formatAmount((await price(partner.id, 1, '10.00')).unitPrice)).toBe('9.90');
    expect(await discountOn(partner, 1)).toEqual({ planId: rolePlan.id, discountBps: 100 });
    await setProductDiscount(db, operator, { planId: rolePlan.id, productId: 1, discountBps: 300 });
    expect(formatAmount((await price(partner.id, 1, '10.00')).unitPrice)).toBe('9.70');
    expect(await discountOn(partner, 1)).toEqual({ planId: rolePlan.id, discountBps: 300 });
    expect(await discountOn(partner, 2)).toEqual({ planId: rolePlan.id, discountBps: 100 });
    const own = await planOf('vip 5%', 500);
    await assignPricePlan(db, operator, { accountId: partner.id }, own.id);
    expect((await price(partner.id, 1, '10.00')).discountBps).toBe(500);
    expect(await discountOn(partner, 1)).toEqual({ planId: own.id, discountBps: 500 });
    await setProductDiscount(db, operator, { planId: rolePlan.id, productId: 1, discountBps: null });
    expect((await price((await makeAccount(db, 'partner')).id, 1, '10.00')).discountBps).toBe(100);
    await expectDomainError(productWithDiscount(db, partner, 999_999), 'product_not_found');
  });

  it('range products: any face inside the range, cost interpolated', async () => {
    const partner = await makeAccount(db, 'partner');
    const quote = await price(partner.id, 2, '123.45');
    expect(formatAmount(quote.unitCostWithFee)).toBe('117.28'); // 123.45 × 0.95 = 117.2775
    await expectDomainError(price(partner.id, 2, '4.99'), 'denomination_out_of_range');
    await expectDomainError(price(partner.id, 2, '500.01'), 'denomination_out_of_range');
    await expectDomainError(price(partner.id, 1, '20.00'), 'denomination_out_of_range');
    await expectDomainError(price(partner.id, 8, '10.00'), 'product_not_found');
    await expectDomainError(price(partner.id, 404, '10.00'), 'product_not_found');
  });

  it('profit guard: platform price below cost + ORDER_FEE is refused; the sub-agent spread is never negative', async () => {
    const { agent, sub } = await makeTree(db);
    await assignPricePlan(db, operator, { accountId: agent.id }, (await planOf('agent 6%', 600)).id);
    const agentQuote = await price(agent.id, 1, '10.00'); // 9.40 < 9.47
    await expectDomainError(
      Promise.resolve().then(() => assertProfitGuard(agentQuote)),
      'profit_guard',
    );
    // A sub-agent whose plan is cheaper than its agent's: no share, the platform gets the sub-agent price.
    const other = await makeTree(db);
    await assignPricePlan(db, operator, { accountId: other.agent.id }, (await planOf('agent 1%', 100)).id);
    await assignPricePlan(db, operator, { accountId: other.sub.id }, (await planOf('sub 3%', 300)).id);
    const subQuote = await price(other.sub.id, 1, '10.00');
    expect(formatAmount(subQuote.unitPrice)).toBe('9.70');
    expect(formatAmount(subQuote.revenueShareUnit)).toBe('0.00');
    expect(formatAmount(subQuote.platformUnitPrice)).toBe('9.70');
    assertProfitGuard(subQuote);
    const withFee = await quotePrice(db, {
      accountId: other.sub.id,
      productId: 1,
      face: parseMoney('10.00', 'USD'),
      orderFee: { amount: '0.24', currency: 'USD' },
    });
    expect(formatAmount(withFee.unitCostWithFee)).toBe('9.71');
    await expectDomainError(
      Promise.resolve().then(() => assertProfitGuard(withFee)),
      'profit_guard',
    );
    // The sub-agent of the 6 % agent is guarded on the agent's 9.40, whatever the sub-agent pays.
    await assignPricePlan(db, operator, { accountId: sub.id }, (await planOf('sub 0%', 0)).id);
    const guarded = await price(sub.id, 1, '10.00');
    expect(formatAmount(guarded.revenueShareUnit)).toBe('0.60');
    await expectDomainError(
      Promise.resolve().then(() => assertProfitGuard(guarded)),
      'profit_guard',
    );
  });

  it('only admins change plans, and every change is audited', async () => {
    const partner = await makeAccount(db, 'partner');
    await expectDomainError(createPricePlan(db, accountActor(partner.id, 'api'), { name: 'mine', defaultDiscountBps: 9000 }), 'forbidden');
    await expectDomainError(planOf('free', 10_000), 'invalid_discount');
    const plan = await planOf('audited', 10);
    await assignPricePlan(db, operator, { accountId: partner.id }, plan.id);
    const actions = (await queryAuditLog(db, operator, { subject: { type: 'price_plan', id: plan.id } })).map((row) => row.action);
    expect(actions).toContain('price_plan.created');
    expect((await queryAuditLog(db, operator, { subject: { type: 'account', id: partner.id } })).map((row) => row.action)).toContain('price_plan.assigned');
  });
});

describe('catalog display prices', () => {
  it('come from quotePrice: fixed and range, FX, guard, inactive and unpriceable products left out', async () => {
    const partner = await makeAccount(db, 'partner');
    await assignPricePlan(db, operator, { accountId: partner.id }, (await planOf('display 4%', 400)).id);
    await insertProduct(db, { id: 10, currency: 'GBP', minFace: 1000n, costCurrency: 'GBP', costMin: 900n });
    const prices = await catalogPrices(db, { accountId: partner.id, productIds: [1, 2, 3, 8, 10, 404], orderFee: noFee });
    expect(prices.map((p) => [Number(p.productId), p.kind, formatAmount(p.minPrice), formatAmount(p.maxPrice), p.orderable])).toEqual([
      [1, 'fixed', '9.60', '9.60', true],
      [2, 'range', '4.80', '480.00', true],
      [3, 'fixed', '11.02', '11.02', true], // 9.60 EUR → USD
    ]);
    const charged = await quotePrice(db, { accountId: partner.id, productId: 3, face: parseMoney('10.00', 'EUR'), orderFee: noFee });
    expect(charged.unitPrice).toEqual(prices[2]?.minPrice);
    await assignPricePlan(db, operator, { accountId: partner.id }, (await planOf('display 10%', 1000)).id);
    expect((await catalogPrices(db, { accountId: partner.id, productIds: [1], orderFee: noFee }))[0]?.orderable).toBe(false);
  });
});

describe('card list', () => {
  it('stores an ordered list validated against the synced products', async () => {
    const { account: admin } = await addAdmin(db, operator, { telegramUserId: '424242', currency: 'USD' });
    const actor = accountActor(admin.id, 'telegram');
    const saved = await saveCardList(
      db,
      actor,
      [
        { productId: 2n, range: { min: 1000n, max: 20_000n } },
        { productId: 1n, denominations: [1000n] },
      ],
      { maxEntries: 10 },
    );
    expect(saved.map((entry) => [entry.position, entry.productId])).toEqual([
      [0, 2n],
      [1, 1n],
    ]);
    expect(await readCardList(db)).toEqual(saved);
    await assertOnCardList(db, 2n, 15_000n);
    await expectDomainError(assertOnCardList(db, 2n, 25_000n), 'not_on_card_list');
    expect((await queryAuditLog(db, operator, { subject: { type: 'card_list', id: 'telegram' } })).map((row) => row.action)).toEqual(['card_list.saved']);

    // Invalid lists change nothing.
    await expectDomainError(saveCardList(db, actor, [{ productId: 2n, range: { min: 400n, max: 1000n } }], { maxEntries: 10 }), 'denomination_out_of_range');
    await expectDomainError(saveCardList(db, actor, [{ productId: 1n, denominations: [2000n] }], { maxEntries: 10 }), 'denomination_out_of_range');
    await expectDomainError(saveCardList(db, actor, [{ productId: 1n, range: { min: 1000n, max: 1000n } }], { maxEntries: 10 }), 'invalid_card_list');
    await expectDomainError(saveCardList(db, actor, [{ productId: 8n, denominations: [1000n] }], { maxEntries: 10 }), 'product_not_found');
    const eleven = Array.from({ length: 11 }, () => ({ productId: 1n, denominations: [1000n] }));
    await expectDomainError(saveCardList(db, actor, eleven, { maxEntries: 10 }), 'invalid_card_list');
    const agent = await makeAccount(db, 'agent');
    await expectDomainError(saveCardList(db, accountActor(agent.id, 'telegram'), [], { maxEntries: 10 }), 'forbidden');
    expect(await readCardList(db)).toEqual(saved);
  });
});
