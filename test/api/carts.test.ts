// Carts over REST (docs/api.md, Carts): `POST /v1/orders` with `items`, `GET /v1/carts/{id}`; every
// answer checked against the served OpenAPI document (harness.call); money tests end with the
// per-order money check and the ledger invariants.
import { beforeEach, describe, expect, it } from 'vitest';
import { routeOrderEvents, loggingOrderEventSink, type OrderEvent } from '../../src/domain/orders/events.ts';
import { type ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { fund } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

const events: OrderEvent[] = [];
const harness = await createApiHarness({
  ports: { orderEvents: (app) => routeOrderEvents({ api: { deliver: async (event) => void events.push(event) } }, loggingOrderEventSink(app.logger)) },
});
const { ctx, call } = harness;
const { db } = ctx;
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });

let clock: ManualClock;
beforeEach(() => {
  clock = mountSimulator({ rateLimits: false }).clock;
  ctx.vendor = simulatorClient({ clock });
});

interface CartBody {
  id: string;
  number: string;
  referenceId: string;
  status: string;
  total: { amount: string };
  refunded: { amount: string };
  estimatedCompletionAt: string | null;
  items: {
    orderId: string;
    orderNumber: string;
    status: string;
    quantity: number;
    cardsDelivered: number | null;
    refunded: { amount: string };
    queuePosition: number | null;
    estimatedCompletionAt: string | null;
  }[];
}

const steam = (quantity: number) => ({ productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity });
const outOfStock = { productId: String(SIM_PRODUCTS.outOfStock), faceValue: { amount: '25.00', currency: 'USD' }, quantity: 1 };

async function partnerWith(amount: string): Promise<Partner> {
  const partner = await harness.makePartner();
  await fund(db, partner.account, amount);
  return partner;
}

async function wallet(key: string): Promise<string> {
  return ((await (await call(key, 'GET', '/v1/wallet')).json()) as { balance: { amount: string } }).balance.amount;
}

describe('POST /v1/orders with items, GET /v1/carts/{id}', () => {
  it('a cart: one answer with every item as its own order; replayed by its key; per-item outcomes, refunds and webhooks', async () => {
    const partner = await partnerWith('100.00');
    const body = { items: [steam(2), outOfStock] };
    const created = await call(partner.liveKey, 'POST', '/v1/orders', body, { 'idempotency-key': 'acme-cart-1' });
    expect(created.status).toBe(202);
    const cart = (await created.json()) as CartBody;
    expect(cart).toMatchObject({ referenceId: 'acme-cart-1', status: 'open', total: { amount: '45.00' }, refunded: { amount: '0.00' } });
    expect(cart.number).toMatch(/^SC-\d{6}$/);
    expect(cart.items.map((item) => [item.status, item.quantity])).toEqual([
      ['pending', 2],
      ['pending', 1],
    ]);
    expect(await wallet(partner.liveKey)).toBe('55.00');
    // Each open item carries its estimate (nobody waits for these products: no queue position); the cart the latest.
    expect(cart.items.map((item) => item.queuePosition)).toEqual([null, null]);
    const estimates = cart.items.map((item) => Date.parse(item.estimatedCompletionAt ?? ''));
    expect(estimates.every((at) => at > Date.now())).toBe(true);
    expect(Date.parse(cart.estimatedCompletionAt ?? '')).toBe(Math.max(...estimates));

    const replay = await call(partner.liveKey, 'POST', '/v1/orders', body, { 'idempotency-key': 'acme-cart-1' });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as CartBody).id).toBe(cart.id);
    await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', { items: [steam(1)] }, { 'idempotency-key': 'acme-cart-1' }),
      409,
      'idempotency_conflict',
    );
    expect(await wallet(partner.liveKey)).toBe('55.00');

    await runDueJobs(harness, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);
    const done = (await (await call(partner.liveKey, 'GET', `/v1/carts/${cart.number}`)).json()) as CartBody;
    expect(done.status).toBe('partially_completed');
    expect(done.items.map((item) => [item.status, item.cardsDelivered, item.refunded.amount])).toEqual([
      ['completed', 2, '0.00'],
      ['failed', 0, '25.00'],
    ]);
    expect(done.refunded.amount).toBe('25.00');
    expect([done.estimatedCompletionAt, ...done.items.map((one) => one.estimatedCompletionAt)]).toEqual([null, null, null]);
    expect(await wallet(partner.liveKey)).toBe('80.00');
    // An item is an order: its cards come with GET /v1/orders/{id}.
    const item = (await (await call(partner.liveKey, 'GET', `/v1/orders/${done.items[0]!.orderId}`)).json()) as { cards: unknown[]; cartId: string | null };
    expect(item.cards).toHaveLength(2);
    expect(item.cartId).toBe(cart.id);
    // Webhooks stay per item order.
    await runDueJobs(harness, ctx, orderEventsQueue);
    expect(events.filter((event) => done.items.some((one) => one.orderId === event.orderId)).map((event) => event.type)).toEqual(
      expect.arrayContaining(['order.completed', 'order.failed']),
    );
    // Nobody else's.
    const other = await partnerWith('1.00');
    await expectProblem(await call(other.liveKey, 'GET', `/v1/carts/${cart.id}`), 404, 'cart_not_found');
    await expectProblem(await call(other.liveKey, 'GET', '/v1/carts/not-a-cart'), 404, 'cart_not_found');
    await expectOrderMoneyConserved(
      db,
      done.items.map((one) => one.orderId),
    );
  });

  it("a test key's cart is paid from the sandbox wallet and bought from the simulator, its items sandbox orders", async () => {
    const partner = await harness.makePartner();
    await fund(db, { ...partner.account, id: partner.sandboxId }, '50.00');
    await fund(db, partner.account, '5.00');
    const created = await call(partner.testKey, 'POST', '/v1/orders', { items: [steam(1), steam(2)] });
    expect(created.status).toBe(202);
    const cart = (await created.json()) as CartBody;
    expect(await wallet(partner.testKey)).toBe('20.00');
    expect(await wallet(partner.liveKey)).toBe('5.00');
    // The live key's account sees no such cart.
    await expectProblem(await call(partner.liveKey, 'GET', `/v1/carts/${cart.id}`), 404, 'cart_not_found');
    const items = await db.selectFrom('orders').select(['id', 'sandbox', 'buyer_id']).where('group_id', '=', cart.id).execute();
    expect(items.map((item) => [item.sandbox, item.buyer_id])).toEqual([
      [true, partner.sandboxId],
      [true, partner.sandboxId],
    ]);
    await runDueJobs(harness, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);
    expect(((await (await call(partner.testKey, 'GET', `/v1/carts/${cart.id}`)).json()) as CartBody).status).toBe('completed');
    await expectOrderMoneyConserved(
      db,
      items.map((item) => item.id),
    );
  });

  it('refusals of the whole cart name the item; invalid carts get the cart shape errors; single orders are unchanged', async () => {
    const partner = await partnerWith('30.00');
    const poor = await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { items: [steam(2), outOfStock] }), 402, 'insufficient_funds');
    expect(poor).toMatchObject({ balance: { amount: '30.00' }, required: { amount: '45.00' } });
    const unknown = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', { items: [steam(1), { ...steam(1), productId: '990099' }] }),
      404,
      'product_not_found',
    );
    expect(unknown.item).toBe(1);
    await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', { items: [steam(1)], maxPrice: { amount: '9.99', currency: 'USD' } }),
      422,
      'max_price_exceeded',
    );
    expect(await wallet(partner.liveKey)).toBe('30.00');

    const tooMany = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', { items: Array.from({ length: 21 }, () => steam(1)) }),
      400,
      'validation_failed',
    );
    expect((tooMany.errors as { path: string }[]).map((error) => error.path)).toEqual(['json.items']);
    const badItem = await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { items: [steam(1), steam(501)] }), 400, 'validation_failed');
    expect((badItem.errors as { path: string }[]).map((error) => error.path)).toEqual(['json.items.1.quantity']);
    const empty = await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { items: [] }), 400, 'validation_failed');
    expect((empty.errors as { path: string }[]).map((error) => error.path)).toEqual(['json.items']);
    // A single-order body is told about its own fields, as before.
    const single = await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { productId: 'x', quantity: 0 }), 400, 'validation_failed');
    expect((single.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['json.faceValue', 'json.productId', 'json.quantity']);
    const order = await call(partner.liveKey, 'POST', '/v1/orders', steam(1));
    expect(order.status).toBe(202);
    expect(((await order.json()) as { number: string }).number).toMatch(/^ST-/);
    expect(await wallet(partner.liveKey)).toBe('20.00');
  });
});
