// The order engine when things go twice or not at all: duplicate jobs, crashes between steps,
// reconciliation past the deadline, Bamboo's completion callback (domain and route), the daily
// comparison with Bamboo's transactions and the order lock across the vendor call. Real PostgreSQL,
// the Bamboo simulator through msw, jobs run by hand; every scenario ends with the money check.
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { finishOrder, placeWithVendor, pollVendorOrder } from '../../src/domain/orders/fulfilment.ts';
import { resolveOrder } from '../../src/domain/orders/operator.ts';
import { getOrderFor } from '../../src/domain/orders/orders.ts';
import { compareWithVendorTransactions, handleVendorCallback, reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { balance, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';
import { createOrderEngineTest, usd } from '../support/order-engine.ts';

const { test, ctx, db, vendor, buyer, order, statusOf } = await createOrderEngineTest();

describe('order engine: duplicates, crashes and reconciliation', () => {
  it('the place job and the poll job each run twice: nothing changes the second time', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    const requests = simulator.requestCount;
    expect(await placeWithVendor(ctx, created.id)).toBe('skipped');
    expect(simulator.requestCount).toBe(requests);
    clock.advance(1500);
    const [poll] = await test.boss.fetch<{ orderId: string; pollCount: number }>(orderPollQueue.name);
    expect(await pollVendorOrder(ctx, created.id, poll?.data.pollCount)).toBe('finished');
    expect(await pollVendorOrder(ctx, created.id, poll?.data.pollCount)).toBe('skipped');
    const vendorOrder = await ctx.vendor.getOrder(created.vendorRequestId ?? (await getOrderFor(db, operator, created.id)).vendorRequestId ?? '');
    expect(await finishOrder(ctx, created.id, vendorOrder!)).toBe('completed');
    expect(await balance(db, account)).toBe('90.00');
    expect(await queuedFor(test, orderEventsQueue, created.id)).toBe(1);
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('the poll backoff chain does not fork when a poll job is delivered twice', async () => {
    const { simulator } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { holdPendingMs: 'until-released' });
    const account = await buyer();
    const { order: created } = await order(account);
    await placeWithVendor(ctx, created.id);
    const [poll] = await test.boss.fetch<{ orderId: string; pollCount: number }>(orderPollQueue.name);
    expect(await pollVendorOrder(ctx, created.id, poll?.data.pollCount)).toBe('waiting');
    expect(await pollVendorOrder(ctx, created.id, poll?.data.pollCount)).toBe('waiting');
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(1);
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);
  });

  it('crash between hold and place, between place and poll, between vendor success and settlement: one final state each', async () => {
    const { clock } = vendor();
    const account = await buyer();
    // 1. Killed after the hold committed, before the place job ran (its job lost too).
    const { order: a } = await order(account);
    await test.boss.deleteJob(
      orderPlaceQueue.name,
      (await test.boss.findJobs(orderPlaceQueue.name, { data: { orderId: a.id } })).map((job) => job.id),
    );
    // 2. Placed, the poll job lost.
    const { order: b } = await order(account);
    await runDueJobs(test, ctx, orderPlaceQueue);
    await test.boss.deleteJob(
      orderPollQueue.name,
      (await test.boss.findJobs(orderPollQueue.name, { data: { orderId: b.id } })).map((job) => job.id),
    );
    // 3. The vendor succeeded and settlement crashed half-way: its transaction rolled back.
    const { order: c } = await order(account);
    await placeWithVendor(ctx, c.id);
    clock.advance(1500);
    const killed = async () => Promise.reject(new Error('killed mid-settlement'));
    const failingJobs = { ...ctx, jobs: { enqueue: killed, enqueueMany: killed } };
    const vendorOrder = await ctx.vendor.getOrder((await getOrderFor(db, operator, c.id)).vendorRequestId as string);
    await expect(finishOrder(failingJobs, c.id, vendorOrder!)).rejects.toThrow('killed mid-settlement');
    expect(await statusOf(c.id)).toBe('processing');
    expect(await db.selectFrom('order_cards').select('id').where('order_id', '=', c.id).execute()).toEqual([]);
    await expectOrderMoneyConserved(db, [a.id, b.id, c.id]);

    // Restart: reconciliation after the deadline (and the grace for pending orders).
    const later = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
    // (Other tests' open orders are in the same database: count at least ours.)
    const report = await reconcileOrders(ctx, later);
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    expect(report.finished).toBeGreaterThanOrEqual(2);
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    for (const id of [a.id, b.id, c.id]) expect(await statusOf(id)).toBe('completed');
    // Running reconciliation again changes nothing.
    await reconcileOrders(ctx, later);
    for (const id of [a.id, b.id, c.id]) expect(await statusOf(id)).toBe('completed');
    expect(await balance(db, account)).toBe('70.00');
    await expectOrderMoneyConserved(db, [a.id, b.id, c.id]);
  });

  it('Pending past the deadline: reconciliation waits while Bamboo works; Bamboo having no order is for an operator, never an automatic refund', async () => {
    const { simulator, clock } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { holdPendingMs: 'until-released' });
    const account = await buyer();
    const { order: held } = await order(account);
    await placeWithVendor(ctx, held.id);
    clock.advance(5000);
    const later = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
    expect(await pollVendorOrder(ctx, held.id, undefined, later)).toBe('past_deadline');
    expect((await reconcileOrders(ctx, later)).stillOpen).toContain(held.id);
    const requestId = (await getOrderFor(db, operator, held.id)).vendorRequestId as string;
    await simulator.release(requestId);
    await reconcileOrders(ctx, later);
    expect(await statusOf(held.id)).toBe('completed');
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);

    // An order stuck in `placing` whose RequestId Bamboo never saw: its checkout may have reached
    // Bamboo, so "not found" sends it to an operator with the money still held.
    const { order: lost } = await order(account);
    await db.updateTable('orders').set({ status: 'placing', vendor_request_id: crypto.randomUUID() }).where('id', '=', lost.id).execute();
    expect((await reconcileOrders(ctx, later)).needsAttention).toBe(1);
    expect(await getOrderFor(db, operator, lost.id)).toMatchObject({ status: 'needs_attention', failureReason: null });
    await reconcileOrders(ctx, later);
    expect(await balance(db, account)).toBe('80.00');
    expect(await resolveOrder(ctx, operator, lost.id, 'vendor_lacks', 'checked the Bamboo portal')).toBe('failed');
    expect(await getOrderFor(db, operator, lost.id)).toMatchObject({ status: 'failed', failureReason: 'vendor_lacks_order:resolved_by_operator' });
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [held.id, lost.id]);
  });

  it('Bamboo callback: wrong secret refused; the right one only triggers a poll; duplicates and late ones change nothing', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    await placeWithVendor(ctx, created.id);
    await runDueJobs(test, ctx, orderPollQueue);
    clock.advance(1500);
    const requestId = (await getOrderFor(db, operator, created.id)).vendorRequestId as string;
    const body = (secretKey: string) => ({
      OrderId: 1,
      Status: 'Succeeded',
      TotalCards: 1,
      CreatedOn: '2026-11-28T00:00:00',
      CompletedOn: '2026-11-28T00:00:01',
      SecretKey: secretKey,
      RequestId: requestId,
    });
    expect(await handleVendorCallback(ctx, body('wrong'))).toEqual({ ok: false, reason: 'bad_secret' });
    expect(await handleVendorCallback(ctx, { nonsense: true })).toEqual({ ok: false, reason: 'malformed' });
    expect(await handleVendorCallback(ctx, body('callback-secret-1234'))).toEqual({ ok: true, orderId: created.id });
    expect(await statusOf(created.id)).toBe('processing'); // the callback itself decides nothing
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    const pollsQueued = await queuedFor(test, orderPollQueue, created.id);
    expect(await handleVendorCallback(ctx, body('callback-secret-1234'))).toEqual({ ok: true, orderId: created.id });
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(pollsQueued);
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

describe('Bamboo callback route', () => {
  it('POST /bamboo/callback: 401 for a wrong secret, 400 for junk, 200 and a poll for a known order', async () => {
    vendor();
    const app = createApi({ ctx, boss: test.boss });
    const account = await buyer();
    const { order: created } = await order(account);
    await placeWithVendor(ctx, created.id);
    const requestId = (await getOrderFor(db, operator, created.id)).vendorRequestId as string;
    const post = (body: unknown) =>
      app.request('/bamboo/callback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const callback = (secretKey: string) => ({
      orderId: 7,
      status: 'succeeded',
      totalCards: 1,
      createdOn: '2026-11-28T00:00:00',
      completedOn: '2026-11-28T00:00:01',
      secretKey,
      requestId,
    });
    expect((await post(callback('nope'))).status).toBe(401);
    expect((await post('junk')).status).toBe(400);
    const before = await queuedFor(test, orderPollQueue, created.id);
    const accepted = await post(callback('callback-secret-1234'));
    expect(accepted.status).toBe(200);
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(before + 1);
    expect(await statusOf(created.id)).toBe('processing');
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

describe('daily comparison with Bamboo transactions', () => {
  it('matching orders give no differences; unknown, missing and mismatched charges are flagged', async () => {
    await db
      .updateTable('orders')
      .set({ created_at: new Date('2026-01-01T00:00:00Z') })
      .execute(); // other tests' orders: another day
    const clock = new ManualClock(Date.now());
    const { simulator } = mountSimulator({ rateLimits: false, clock });
    ctx.vendor = simulatorClient({ clock });
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const account = await buyer('200.00');
    const { order: done } = await order(account, { quantity: 2 });
    const { order: partial } = await order(account, { quantity: 3 });
    const { order: failed } = await order(account);
    await placeWithVendor(ctx, done.id);
    simulator.injectFault({ endpoint: 'checkout', order: { outcome: 'partial-fail', failedCards: 1 } });
    await placeWithVendor(ctx, partial.id);
    simulator.injectFault({ endpoint: 'checkout', order: { outcome: 'fail' } });
    await placeWithVendor(ctx, failed.id);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect([await statusOf(done.id), await statusOf(partial.id), await statusOf(failed.id)]).toEqual(['completed', 'partially_completed', 'failed']);
    expect(await compareWithVendorTransactions(ctx, day)).toEqual([]);

    // A vendor order we never made, and an amount we recorded differently.
    const stray = crypto.randomUUID();
    await ctx.vendor.placeOrder({ requestId: stray, lines: [{ productId: SIM_PRODUCTS.steam10, quantity: 1, faceValue: usd('10.00') }] });
    await db.updateTable('orders').set({ vendor_total_minor: 1n }).where('id', '=', done.id).execute();
    const differences = await compareWithVendorTransactions(ctx, day);
    expect(differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'unknown_to_us', requestId: stray, vendorCharged: '9.47 USD' }),
        expect.objectContaining({ kind: 'amount_mismatch', orderId: done.id, vendorCharged: '18.94 USD', weRecorded: '0.01 USD' }),
      ]),
    );
    expect(differences).toHaveLength(2);
    // An order we settled that Bamboo has no charge for.
    await db.updateTable('orders').set({ vendor_request_id: crypto.randomUUID() }).where('id', '=', partial.id).execute();
    expect(await compareWithVendorTransactions(ctx, day)).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'missing_at_vendor', orderId: partial.id, weRecorded: '18.94 USD' })]),
    );
  });
});

describe('place holds the order lock across the vendor call', () => {
  it('reconciliation cannot refund an order whose place call is on its way', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    // The checkout answers slowly; meanwhile reconciliation (past the deadline) looks at the order.
    let releaseCheckout!: () => void;
    const checkoutGate = new Promise<void>((resolve) => (releaseCheckout = resolve));
    let checkoutCalled!: () => void;
    const called = new Promise<void>((resolve) => (checkoutCalled = resolve));
    const slowVendor = Object.create(ctx.vendor) as typeof ctx.vendor;
    slowVendor.placeOrder = async (request, options) => {
      checkoutCalled();
      await checkoutGate;
      return ctx.vendor.placeOrder(request, options);
    };
    slowVendor.tryCheckout = (productId, options) => ctx.vendor.tryCheckout(productId, options);
    const placing = placeWithVendor({ ...ctx, vendor: slowVendor }, created.id);
    await called; // the claim is committed, the call waits (not a timed sleep: a loaded machine is slow)
    expect(await statusOf(created.id)).toBe('placing');
    const later = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
    const reconciling = reconcileOrders(ctx, later);
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseCheckout();
    expect(await placing).toBe('placed');
    await reconciling;
    expect(await statusOf(created.id)).toBe('processing'); // not refunded: Bamboo has it
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    expect(simulator.requestCount).toBeGreaterThan(0);
    await expectOrderMoneyConserved(db, [created.id]);
  });
});
