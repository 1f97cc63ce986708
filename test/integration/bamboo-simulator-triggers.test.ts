// Fault triggers for partners with a test key: a sandbox order whose referenceId starts with a
// trigger (`sim:fail`, `sim:partial`, `sim:delay=N`, `sim:pending-past-deadline`, `sim:429`,
// `sim:5xx-then-ok`, `sim:timeout-after-commit`) makes the simulator behave that way for that order,
// through the real order engine and the process's shared simulator; live orders ignore triggers.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { ensureSandboxAccount } from '../../src/domain/api-keys/api-keys.ts';
import { placeWithVendor, pollVendorOrder } from '../../src/domain/orders/fulfilment.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { orderEventsQueue } from '../../src/domain/orders/queues.ts';
import { simulatorOf } from '../../src/integrations/bamboo/index.ts';
import { parseFaultTrigger, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved, queuedFor } from '../support/orders.ts';

const test = await createTestContext();
const { ctx } = test;
// The process's own simulator (state in the test database, triggers looked up in our orders), with a
// short client timeout so a hang costs little.
ctx.vendor = simulatorClient({ fetch: simulatorOf(ctx.db).fetch, timeoutMs: 300 });
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(ctx.db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
const partner = await makeAccount(ctx.db, 'partner');
const sandbox = await ensureSandboxAccount(ctx.db, partner);
await fund(ctx.db, sandbox, '500.00');
await fund(ctx.db, partner, '100.00');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let productTurn = 0;

/** A sandbox order (or a live one) with this reference, one card of 10 USD unless told otherwise. */
async function order(referenceId: string, options: { quantity?: number; live?: boolean } = {}): Promise<string> {
  // Two products in turn: Bamboo takes 6 orders of one product a minute.
  const range = (productTurn += 1) % 2 === 0;
  const buyer = options.live ? partner : sandbox;
  const created = await createOrder(ctx, {
    buyerId: buyer.id,
    actor: accountActor(buyer.id, 'api'),
    clientReference: referenceId,
    productId: range ? SIM_PRODUCTS.range : SIM_PRODUCTS.steam10,
    face: parseMoney('10.00', 'USD'),
    quantity: options.quantity ?? 1,
  });
  await sleep(550); // Bamboo's 500 ms between checkouts
  return created.order.id;
}

const place = (orderId: string) => placeWithVendor(ctx, orderId).catch((error: unknown) => error);
const poll = (orderId: string) => pollVendorOrder(ctx, orderId, undefined);
const row = (orderId: string) => ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
async function vendorOrders(orderId: string): Promise<{ status: string }[]> {
  const { vendor_request_id } = await row(orderId);
  const { rows } = await sql<{ status: string }>`
    select document->>'status' as status from bamboo_sim.orders where request_id = ${vendor_request_id}`.execute(ctx.db);
  return rows;
}

describe('sandbox fault triggers (referenceId)', () => {
  it('spells the triggers as documented; other references are none', () => {
    expect(parseFaultTrigger('sim:fail')).toEqual({ order: { outcome: 'fail' } });
    expect(parseFaultTrigger('SIM:Fail/order-42')).toEqual({ order: { outcome: 'fail' } });
    expect(parseFaultTrigger('sim:partial 7')).toEqual({ order: { outcome: 'partial-fail', failedCards: 1 } });
    expect(parseFaultTrigger('sim:delay=30')).toEqual({ order: { fulfilAfterMs: 30_000 } });
    expect(parseFaultTrigger('sim:pending-past-deadline')).toEqual({ order: { holdPendingMs: 'until-released' } });
    expect(parseFaultTrigger('sim:429')).toEqual({ firstAnswer: { rateLimitSeconds: 2 } });
    expect(parseFaultTrigger('sim:5xx-then-ok')).toEqual({ firstAnswer: { status: 503 } });
    expect(parseFaultTrigger('sim:timeout-after-commit')).toEqual({ firstAnswer: { hang: true, afterCommit: true } });
    for (const none of [undefined, '', 'order-1', 'sim:', 'sim:delay=99999', 'sim:failure', 'my sim:fail']) expect(parseFaultTrigger(none)).toBeUndefined();
  });

  it('sim:fail: Bamboo fails the order; it is failed and refunded in full, its event queued', async () => {
    const id = await order('sim:fail/1');
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect((await row(id)).status).toBe('failed');
    expect(await vendorOrders(id)).toEqual([{ status: 'Failed' }]);
    expect(await queuedFor(test, orderEventsQueue, id)).toBe(1);
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:partial: one card fails; partially completed, that card refunded', async () => {
    const id = await order('sim:partial/1', { quantity: 2 });
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect(await row(id)).toMatchObject({ status: 'partially_completed', cards_delivered: 1 });
    expect(await vendorOrders(id)).toEqual([{ status: 'PartialFailed' }]);
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:delay=N: Bamboo works N seconds before the cards come', async () => {
    const id = await order('sim:delay=2/1');
    expect(await place(id)).toBe('placed');
    await sleep(1_200);
    expect(await poll(id)).toBe('waiting');
    expect(await vendorOrders(id)).toEqual([{ status: 'Processing' }]);
    await sleep(1_000);
    expect(await poll(id)).toBe('finished');
    expect((await row(id)).status).toBe('completed');
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:pending-past-deadline: Bamboo keeps the order Pending; nothing is refunded by itself', async () => {
    const id = await order('sim:pending-past-deadline/1');
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('waiting');
    expect(await vendorOrders(id)).toEqual([{ status: 'Pending' }]);
    expect((await row(id)).status).toBe('processing');
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:429: the first checkout is rate limited (not created); the retry buys one order', async () => {
    const id = await order('sim:429/1');
    expect(await place(id)).toMatchObject({ name: 'RetryLater' });
    expect(await vendorOrders(id)).toEqual([]);
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect((await row(id)).status).toBe('completed');
    expect(await vendorOrders(id)).toEqual([{ status: 'Succeeded' }]);
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:5xx-then-ok: the first checkout answers 503 before creating anything; the retry buys one order', async () => {
    const id = await order('sim:5xx-then-ok/1');
    expect(await place(id)).toMatchObject({ name: 'RetryLater' });
    expect(await vendorOrders(id)).toEqual([]);
    await sleep(550);
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect(await vendorOrders(id)).toEqual([{ status: 'Succeeded' }]);
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('sim:timeout-after-commit: Bamboo takes the order but the answer never comes; Get Order finds it, one order', async () => {
    const id = await order('sim:timeout-after-commit/1');
    expect(await place(id)).toBe('placed'); // unknown, then found by Get Order
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect((await row(id)).status).toBe('completed');
    expect(await vendorOrders(id)).toEqual([{ status: 'Succeeded' }]);
    await expectOrderMoneyConserved(ctx.db, [id]);
  });

  it('a live order ignores a trigger in its reference', async () => {
    const id = await order('sim:fail/live', { live: true });
    expect(await place(id)).toBe('placed');
    await sleep(1_100);
    expect(await poll(id)).toBe('finished');
    expect((await row(id)).status).toBe('completed');
    await expectOrderMoneyConserved(ctx.db, [id]);
  });
});
