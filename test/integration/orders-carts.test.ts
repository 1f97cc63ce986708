// Carts (docs/orders.md, Carts): several items held together, all or none; per-item outcomes and
// exact refunds of what is not delivered; idempotent on the cart's reference; concurrent carts
// against one balance. Real PostgreSQL and the Bamboo simulator; every money test ends with the
// per-order money check and the ledger invariants.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import type { Account } from '../../src/domain/accounts/accounts.ts';
import { createCart, getCartFor, MAX_CART_ITEMS, type CartItemInput } from '../../src/domain/orders/carts.ts';
import { intakeRequest } from '../../src/domain/orders/intake-request.ts';
import { priceRequests } from '../../src/domain/orders/intake-pricing.ts';
import { writeOrders } from '../../src/domain/orders/intake-write.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import type { DomainError } from '../../src/shared/errors.ts';
import { setRiskLimits } from '../../src/domain/orders/risk.ts';
import { pauseSales, resumeSales } from '../../src/domain/vendor/sales-pauses.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount, toJsonMoney } from '../../src/shared/money.ts';
import { balance, expectDomainError, makeAccount, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';
import { createOrderEngineTest, usd } from '../support/order-engine.ts';

const { test, ctx, db, events, vendor, buyer, order } = await createOrderEngineTest();

const steam = (quantity: number): CartItemInput => ({ productId: SIM_PRODUCTS.steam10, face: usd('10.00'), quantity });
const range = (face: string, quantity: number): CartItemInput => ({ productId: SIM_PRODUCTS.range, face: usd(face), quantity });

let references = 0;
function cart(account: Account, items: CartItemInput[], options: { ref?: string; maxTotal?: string } = {}) {
  return createCart(ctx, {
    buyerId: account.id,
    actor: accountActor(account.id, 'api'),
    clientReference: options.ref ?? `cart-${(references += 1)}`,
    items,
    ...(options.maxTotal ? { maxTotal: usd(options.maxTotal) } : {}),
  });
}

const ordersOf = (account: Account) => db.selectFrom('orders').selectAll().where('buyer_id', '=', account.id).execute();
const cartsOf = (account: Account) => db.selectFrom('order_groups').selectAll().where('buyer_id', '=', account.id).execute();

/** Nothing of a refused cart is written: no cart, no order, no money moved. */
async function expectNothingHeld(account: Account, funded: string) {
  expect(await cartsOf(account)).toEqual([]);
  expect(await ordersOf(account)).toEqual([]);
  expect(await balance(db, account)).toBe(funded);
  await expectOrderMoneyConserved(db, []);
}

describe('carts', () => {
  it('one cart, two items: held together; one item partly delivered, the other failed at the vendor; exact refunds per item', async () => {
    const { simulator, clock } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 1 });
    simulator.setProductFault(SIM_PRODUCTS.range, { outcome: 'fail' });
    const account = await buyer('100.00');
    const { cart: created, created: isNew } = await cart(account, [steam(3), range('25.50', 2)]);
    expect(isNew).toBe(true);
    expect(created.number).toMatch(/^SC-\d{6}$/);
    expect(formatAmount(created.total)).toBe('81.00');
    expect(created.items.map((item) => [item.order.quantity, formatAmount(item.order.total), item.order.status])).toEqual([
      [3, '30.00', 'pending'],
      [2, '51.00', 'pending'],
    ]);
    // One hold per item, written together: the wallet paid the cart's total once.
    expect(await balance(db, account)).toBe('19.00');
    const rows = await ordersOf(account);
    expect(rows.map((row) => [row.group_id, row.group_position]).sort()).toEqual([
      [created.id, 0],
      [created.id, 1],
    ]);
    for (const item of created.items) expect(await queuedFor(test, orderPlaceQueue, item.order.id)).toBe(1);
    await expectOrderMoneyConserved(
      db,
      created.items.map((item) => item.order.id),
    );

    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);

    const done = await getCartFor(db, accountActor(account.id, 'api'), created.number);
    expect(done.status).toBe('partially_completed');
    expect(done.items.map((item) => [item.order.status, item.order.cardsDelivered ?? 0, formatAmount(item.refunded)])).toEqual([
      ['partially_completed', 2, '10.00'],
      ['failed', 0, '51.00'],
    ]);
    expect(formatAmount(done.refunded)).toBe('61.00');
    // balance = funds − what was charged for delivered cards.
    expect(await balance(db, account)).toBe('80.00');
    await expectOrderMoneyConserved(
      db,
      done.items.map((item) => item.order.id),
    );
    // Events stay per item order.
    await runDueJobs(test, ctx, orderEventsQueue);
    const told = events.filter((event) => done.items.some((item) => item.order.id === event.orderId));
    expect(told.map((event) => [event.type, event.refunded]).sort()).toEqual([
      ['order.failed', '51.00'],
      ['order.partially_completed', '10.00'],
    ]);
  });

  it('refused as a whole before anything is held: funds, the largest order, a sales pause, the vendor float, bad items', async () => {
    vendor();
    const account = await buyer('50.00');
    const short = await expectDomainError(cart(account, [steam(3), range('25.50', 1)]), 'insufficient_funds');
    // Said for the cart: the balance before it and the cart's total.
    expect(short.details).toMatchObject({ balance: toJsonMoney(usd('50.00')), required: toJsonMoney(usd('55.50')) });
    await expectNothingHeld(account, '50.00');

    // Each item within the largest order allowed, the cart not.
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: null, maxOrder: 2500n });
    await expectDomainError(cart(account, [steam(2), steam(1)]), 'order_limit_exceeded');
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: 2, maxOrder: null });
    // Three items are three orders to the daily order count.
    await expectDomainError(cart(account, [steam(1), steam(1), range('5.00', 1)]), 'daily_limit_exceeded');
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: null, maxOrder: null });
    await expectDomainError(cart(account, [steam(1), range('5.00', 1)], { maxTotal: '14.99' }), 'max_price_exceeded');
    await expectNothingHeld(account, '50.00');

    const admin = await makeAccount(db, 'admin');
    await pauseSales(ctx, accountActor(admin.id, 'cli'), { scope: 'product', target: String(SIM_PRODUCTS.range), reason: 'review' });
    const paused = await expectDomainError(cart(account, [steam(1), range('5.00', 1)]), 'sales_paused');
    expect(paused.details.item).toBe(1);
    await resumeSales(ctx, accountActor(admin.id, 'cli'), { scope: 'product', target: String(SIM_PRODUCTS.range) });

    // The vendor float covers the first item only: the second is refused, so the first is not written either.
    await db.insertInto('vendor_float').values({ book: 'live', currency: 'USD', balance_minor: 1000n, requested_at: new Date() }).execute();
    try {
      const float = await expectDomainError(cart(account, [steam(1), steam(1)]), 'vendor_float_exhausted');
      expect(float.details.item).toBe(1);
      expect(await db.selectFrom('vendor_float_reservations').selectAll().execute()).toEqual([]);
    } finally {
      await db.deleteFrom('vendor_float').execute();
    }

    await expectDomainError(cart(account, []), 'invalid_cart');
    await expectDomainError(
      cart(
        account,
        Array.from({ length: MAX_CART_ITEMS + 1 }, () => steam(1)),
      ),
      'invalid_cart',
    );
    const tooMany = await expectDomainError(cart(account, [steam(1), steam(501)]), 'invalid_quantity');
    expect(tooMany.details.item).toBe(1);
    await expectDomainError(cart(account, [steam(1), { productId: 123_456_789, face: usd('10.00'), quantity: 1 }]), 'product_not_found');
    await expectNothingHeld(account, '50.00');
  });

  it('idempotent on its reference: the same cart again answers the same cart; another cart, or a single order, with the key is a conflict', async () => {
    vendor();
    const account = await buyer('100.00');
    const first = await cart(account, [steam(1), range('12.00', 2)], { ref: 'acme-cart-1' });
    const again = await cart(account, [steam(1), range('12.00', 2)], { ref: 'acme-cart-1' });
    expect(again.created).toBe(false);
    expect(again.cart.id).toBe(first.cart.id);
    expect(again.cart.items.map((item) => item.order.id)).toEqual(first.cart.items.map((item) => item.order.id));
    await expectDomainError(cart(account, [steam(2), range('12.00', 2)], { ref: 'acme-cart-1' }), 'idempotency_conflict');
    await order(account, { ref: 'acme-single-1' });
    await expectDomainError(cart(account, [steam(1)], { ref: 'acme-single-1' }), 'idempotency_conflict');
    const single = await expectDomainError(order(account, { ref: 'acme-cart-1' }), 'idempotency_conflict');
    expect(single.details.cartId).toBe(first.cart.id);
    expect(await balance(db, account)).toBe('56.00'); // 34.00 for the cart once, 10.00 for the single order
    expect(await cartsOf(account)).toHaveLength(1);
    // Two identical requests at once: one cart.
    const twins = await Promise.all([0, 1].map(() => cart(account, [steam(1)], { ref: 'acme-cart-2' })));
    expect(twins.map((twin) => twin.created).sort()).toEqual([false, true]);
    expect(twins[0]!.cart.id).toBe(twins[1]!.cart.id);
    expect(await balance(db, account)).toBe('46.00');
    await expectOrderMoneyConserved(
      db,
      (await ordersOf(account)).map((row) => row.id),
    );
    // Others see no such cart; the buyer's parent and admins would (the orders' rule).
    const stranger = await buyer('1.00');
    await expectDomainError(getCartFor(db, accountActor(stranger.id, 'api'), first.cart.id), 'cart_not_found');
    expect((await getCartFor(db, operator, first.cart.id)).items).toHaveLength(2);
  });

  it('a key a cart takes after the intake looked is refused under the buyer’s lock: never a cart and an order on one key', async () => {
    vendor();
    const account = await buyer('100.00');
    const request = intakeRequest(ctx, {
      buyerId: account.id,
      actor: accountActor(account.id, 'api'),
      clientReference: 'acme-late-cart',
      productId: SIM_PRODUCTS.steam10,
      face: usd('10.00'),
      quantity: 1,
    });
    const [pricing] = await priceRequests(ctx, [request]);
    if (!pricing?.ok) throw new Error('the request was not priced');
    // Between the single order's look for a cart (intake-batch.ts) and its write, a cart takes the key.
    const raced = await cart(account, [steam(1)], { ref: 'acme-late-cart' });
    const [outcome] = await writeOrders(ctx, [{ index: 0, request, ...pricing.value }]);
    expect(outcome?.ok).toBe(false);
    const refusal = (outcome as { ok: false; error: DomainError }).error;
    expect(refusal).toMatchObject({ code: 'idempotency_conflict', details: { cartId: raced.cart.id } });
    expect(await balance(db, account)).toBe('90.00'); // the cart's item only
    expect(await ordersOf(account)).toHaveLength(1);
    // Sent at the same instant, a single order and a cart with one key: exactly one of them is accepted.
    for (let round = 0; round < 5; round += 1) {
      const key = `acme-same-instant-${round}`;
      const answers = await Promise.allSettled([order(account, { ref: key }), cart(account, [steam(1)], { ref: key })]);
      expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(1);
    }
    expect(await balance(db, account)).toBe('40.00');
    await expectOrderMoneyConserved(
      db,
      (await ordersOf(account)).map((row) => row.id),
    );
  });

  it('concurrent carts against one balance: each is held whole or refused whole', async () => {
    vendor();
    const account = await buyer('100.00');
    const answers = await Promise.allSettled(Array.from({ length: 5 }, () => cart(account, [steam(1), steam(1), range('10.00', 1)])));
    const accepted = answers.filter((answer) => answer.status === 'fulfilled');
    const refused = answers.flatMap((answer) => (answer.status === 'rejected' ? [(answer.reason as { code: string }).code] : []));
    expect(accepted).toHaveLength(3);
    expect(refused).toEqual(['insufficient_funds', 'insufficient_funds']);
    expect(await balance(db, account)).toBe('10.00');
    const carts = await cartsOf(account);
    expect(carts).toHaveLength(3);
    const rows = await ordersOf(account);
    expect(rows).toHaveLength(9);
    expect(rows.every((row) => carts.some((one) => one.id === row.group_id))).toBe(true);
    await expectOrderMoneyConserved(
      db,
      rows.map((row) => row.id),
    );
  });

  it('carts and single orders of several buyers at once, with the vendor float counted: all accepted, no lock waits in a cycle', async () => {
    vendor();
    const buyers = await Promise.all([0, 1, 2].map(() => buyer('200.00')));
    await db.insertInto('vendor_float').values({ book: 'live', currency: 'USD', balance_minor: 1_000_000n, requested_at: new Date() }).execute();
    try {
      const answers = await Promise.allSettled(
        buyers.flatMap((account) => [
          cart(account, [steam(1), range('5.00', 1)]),
          order(account),
          cart(account, [steam(2), steam(1)]),
          order(account),
          order(account),
        ]),
      );
      expect(answers.filter((answer) => answer.status === 'rejected')).toEqual([]);
      for (const account of buyers) expect(await balance(db, account)).toBe('125.00'); // 15.00 + 30.00 for the carts, 3 × 10.00
      expect(await db.selectFrom('vendor_float_reservations').selectAll().execute()).toEqual([]);
    } finally {
      await db.deleteFrom('vendor_float').execute();
    }
    const rows = await db
      .selectFrom('orders')
      .select('id')
      .where(
        'buyer_id',
        'in',
        buyers.map((account) => account.id),
      )
      .execute();
    expect(rows).toHaveLength(21);
    await expectOrderMoneyConserved(
      db,
      rows.map((row) => row.id),
    );
  });
});
