// Bamboo's completion callback as the primary signal (issue 17, docs/orders.md Poll): the first poll
// of a placed order waits for it, timed from the recent callbacks' latency within
// ORDER_FIRST_POLL_MIN/MAX_SECONDS (the real bounds here; other tests poll at once). Callbacks go
// through the real route (POST /bamboo/callback); Get Order calls are counted at the simulator.
import { beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { firstPollDelaySeconds, pollVendorOrder } from '../../src/domain/orders/fulfilment.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { balance } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { CALLBACK_SECRET, createOrderEngineTest } from '../support/order-engine.ts';

const { test, ctx, db, buyer, order, statusOf } = await createOrderEngineTest({
  env: { ORDER_FIRST_POLL_MIN_SECONDS: '2', ORDER_FIRST_POLL_MAX_SECONDS: '30' },
});
const app = createApi({ ctx, boss: test.boss });

/**
 * A fresh simulator whose callbacks reach our route (when `callbacks`), the context's vendor on it,
 * Get Order calls counted, and a gate that can hold the next answer of an endpoint on its way back.
 */
async function vendorWithCallbacks({ callbacks }: { callbacks: boolean }) {
  const { simulator, clock } = mountSimulator({
    rateLimits: false,
    callbackFetch: async (request) =>
      app.request('/bamboo/callback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() }),
  });
  const calls = { getOrder: 0 };
  let hold: { endpoint: 'getOrder' | 'checkout'; entered: () => void; release: Promise<void> } | undefined;
  ctx.vendor = simulatorClient({
    clock,
    fetch: async (request: Request) => {
      const path = new URL(request.url).pathname;
      const endpoint = request.method === 'GET' && /\/orders\/[^/]+$/.test(path) ? 'getOrder' : /\/orders\/checkout$/i.test(path) ? 'checkout' : 'other';
      if (endpoint === 'getOrder') calls.getOrder += 1;
      const response = await simulator.handle(request);
      const held = hold?.endpoint === endpoint ? hold : undefined;
      if (held) {
        hold = undefined;
        held.entered();
        await held.release;
      }
      return response;
    },
  });
  if (callbacks) await ctx.vendor.setNotificationSettings({ notificationUrl: 'https://steller.example/bamboo/callback', secretKey: CALLBACK_SECRET });
  /** Holds the next answer of `endpoint` (Bamboo has answered) until `release`; `entered` once it is held. */
  const holdNext = (endpoint: 'getOrder' | 'checkout') => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const entered = new Promise<void>((resolve) => (hold = { endpoint, entered: resolve, release: released }));
    return { entered, release };
  };
  /** Time passes at Bamboo: its orders finish and their callbacks are delivered. */
  const vendorFinishes = async () => {
    clock.advance(1500);
    await simulator.sweep();
    await simulator.idle();
    expect(simulator.callbacks.filter((callback) => callback.status !== 200)).toEqual([]);
  };
  return { simulator, calls, holdNext, vendorFinishes };
}

/** The first poll of an order's backoff chain (pollCount 0): when it is due, seconds after now. */
async function firstPoll(orderId: string) {
  const jobs = await test.boss.findJobs<{ orderId: string; pollCount?: number }>(orderPollQueue.name, { data: { orderId }, queued: true });
  const job = jobs.find((candidate) => candidate.data.pollCount === 0);
  if (!job) throw new Error(`no first poll for ${orderId}`);
  return { job, dueInSeconds: (job.startAfter.getTime() - Date.now()) / 1000 };
}

async function placed(quantity = 1) {
  const account = await buyer();
  const { order: created } = await order(account, { quantity });
  await runDueJobs(test, ctx, orderPlaceQueue);
  expect(await statusOf(created.id)).toBe('processing');
  return { account, created };
}

const settlements = async (orderId: string) =>
  (await db.selectFrom('transfers').select('idempotency_key').where('idempotency_key', 'like', `%:${orderId}`).execute())
    .map((row) => row.idempotency_key)
    .sort();

describe('the completion callback first, a poll only when it is late', () => {
  // Each test sees only its own polls (an earlier test's first polls fall due meanwhile).
  beforeEach(async () => {
    const jobs = await test.boss.findJobs(orderPollQueue.name, { queued: true });
    if (jobs.length > 0)
      await test.boss.deleteJob(
        orderPollQueue.name,
        jobs.map((job) => job.id),
      );
  });

  it('finishes each order by its callback with one Get Order; the first poll, due later, asks Bamboo nothing', async () => {
    const { calls, vendorFinishes } = await vendorWithCallbacks({ callbacks: true });
    const orders = [];
    for (let index = 0; index < 5; index += 1) orders.push(await placed(1 + (index % 3)));
    for (const { created } of orders) {
      // No callback history yet: the minimum after `processing`, not at once (measured from the
      // transition, so a slow machine placing the five orders does not eat into it).
      const { job } = await firstPoll(created.id);
      const processing = await db
        .selectFrom('order_transitions')
        .select('at')
        .where('order_id', '=', created.id)
        .where('status', '=', 'processing')
        .executeTakeFirstOrThrow();
      const dueAfterProcessing = (job.startAfter.getTime() - processing.at.getTime()) / 1000;
      expect(dueAfterProcessing).toBeGreaterThan(1);
      expect(dueAfterProcessing).toBeLessThanOrEqual(2.5);
    }
    expect(calls.getOrder).toBe(0);

    await vendorFinishes();
    // Only the callbacks' polls are due: each asks Get Order once and finishes its order.
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual(orders.map(() => ({ outcome: 'finished' })));
    expect(calls.getOrder).toBe(orders.length);
    for (const { created } of orders) {
      expect(await statusOf(created.id)).toBe('completed');
      // The late first poll finds the order finished without asking Bamboo.
      const { job } = await firstPoll(created.id);
      expect(await pollVendorOrder(ctx, created.id, job.data.pollCount)).toBe('skipped');
    }
    expect(calls.getOrder).toBe(orders.length); // 1.0 Get Order per vendor order
    const recorded = await db.selectFrom('orders').select('vendor_callback_ms').where('vendor_callback_ms', 'is not', null).execute();
    expect(recorded.length).toBeGreaterThanOrEqual(orders.length);
    await expectOrderMoneyConserved(
      db,
      orders.map(({ created }) => created.id),
    );
  });

  it('times the first poll from the recent callbacks: 1.5 × their p90 + 1 s, within the bounds', async () => {
    await vendorWithCallbacks({ callbacks: false });
    const { created } = await placed();
    const bounds = { ORDER_FIRST_POLL_MIN_SECONDS: 2, ORDER_FIRST_POLL_MAX_SECONDS: 30 };
    // The callbacks of the orders of this file so far, then a slower vendor: 10 callbacks at 8 s.
    await db.updateTable('orders').set({ vendor_callback_ms: 8_000 }).where('id', '!=', created.id).where('vendor_callback_ms', 'is not', null).execute();
    for (let index = 0; index < 10; index += 1) {
      const { created: other } = await placed();
      await db.updateTable('orders').set({ vendor_callback_ms: 8_000 }).where('id', '=', other.id).execute();
    }
    expect(await firstPollDelaySeconds(db, bounds, created.id)).toBe(13);
    await db.updateTable('orders').set({ vendor_callback_ms: 60_000 }).where('vendor_callback_ms', '=', 8_000).execute();
    expect(await firstPollDelaySeconds(db, bounds, created.id)).toBe(30);
    expect(await firstPollDelaySeconds(db, { ORDER_FIRST_POLL_MIN_SECONDS: 0, ORDER_FIRST_POLL_MAX_SECONDS: 0 }, created.id)).toBe(0);
    // Sandbox orders are bought elsewhere (the simulator): a live order's history does not time them.
    await db.updateTable('orders').set({ sandbox: true }).where('id', '=', created.id).execute();
    expect(await firstPollDelaySeconds(db, bounds, created.id)).toBe(2);
    await db.updateTable('orders').set({ sandbox: false }).where('id', '=', created.id).execute();
    // A new placement is scheduled from that history.
    const { created: next } = await placed();
    const { dueInSeconds } = await firstPoll(next.id);
    expect(dueInSeconds).toBeGreaterThan(29);
    expect(dueInSeconds).toBeLessThanOrEqual(30);
    // Back to normal for the other tests of this file.
    await db.updateTable('orders').set({ vendor_callback_ms: null }).execute();
  });

  it('completes an order whose callback never comes by polling; an unknown answer is not a failure', async () => {
    const { simulator, calls, vendorFinishes } = await vendorWithCallbacks({ callbacks: false });
    const { account, created } = await placed(2);
    await vendorFinishes();
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([]); // nothing due: no callback came
    const { job } = await firstPoll(created.id);
    const requestId = (await db.selectFrom('orders').select('vendor_request_id').where('id', '=', created.id).executeTakeFirstOrThrow()).vendor_request_id!;
    // Bamboo gives no usable answer to that poll: the order stays processing, polled again.
    simulator.injectFault({ endpoint: 'getOrder', requestId, status: 502 });
    expect(await pollVendorOrder(ctx, created.id, job.data.pollCount)).toBe('waiting');
    expect(await statusOf(created.id)).toBe('processing');
    expect(await balance(db, account)).toBe('80.00');
    const next = await test.boss.findJobs<{ orderId: string; pollCount?: number }>(orderPollQueue.name, { data: { orderId: created.id }, queued: true });
    const second = next.find((candidate) => candidate.data.pollCount === 1);
    expect(second).toBeDefined();
    expect(await pollVendorOrder(ctx, created.id, second!.data.pollCount)).toBe('finished');
    expect(await statusOf(created.id)).toBe('completed');
    expect(calls.getOrder).toBe(2);
    expect(await balance(db, account)).toBe('80.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a callback that arrives while a poll is in flight: one settlement, no double money', async () => {
    const { holdNext, vendorFinishes } = await vendorWithCallbacks({ callbacks: true });
    const { account, created } = await placed(3);
    await vendorFinishes(); // Bamboo finished; its callback is queued as a poll
    // The chain's own poll leaves Get Order to the callback's poll for a while; an operator's retry
    // (a poll without a count) asks anyway.
    const { job } = await firstPoll(created.id);
    expect(await pollVendorOrder(ctx, created.id, job.data.pollCount)).toBe('waiting');
    const held = holdNext('getOrder');
    const inFlight = pollVendorOrder(ctx, created.id, undefined);
    await held.entered; // the retry is asking Get Order
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([{ outcome: 'finished' }]); // the callback's poll finishes it
    held.release();
    expect(await inFlight).toBe('finished'); // the same final answer, settled already: nothing more
    expect(await statusOf(created.id)).toBe('completed');
    expect(await settlements(created.id)).toEqual([`order-hold:${created.id}`, `order-settle:${created.id}`]);
    expect(await db.selectFrom('order_cards').select('id').where('order_id', '=', created.id).execute()).toHaveLength(3);
    const transitions = await db.selectFrom('order_transitions').select('status').where('order_id', '=', created.id).orderBy('id').execute();
    expect(transitions.map((row) => row.status)).toEqual(['pending', 'placing', 'processing', 'completed']);
    const completedEvents = await test.boss.findJobs<{ orderId: string }>(orderEventsQueue.name, { data: { orderId: created.id } });
    expect(completedEvents).toHaveLength(1);
    expect(await balance(db, account)).toBe('70.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a callback that comes before we recorded the placement: the first poll comes at once', async () => {
    const { calls, holdNext, vendorFinishes } = await vendorWithCallbacks({ callbacks: true });
    const account = await buyer();
    const { order: created } = await order(account);
    const held = holdNext('checkout');
    const placing = runDueJobs(test, ctx, orderPlaceQueue);
    await held.entered; // Bamboo accepted the order; our side is still `placing`
    await vendorFinishes(); // ... and Bamboo finished it and sent its callback
    expect(await statusOf(created.id)).toBe('placing');
    held.release();
    expect(await placing).toEqual([{ outcome: 'placed' }]);
    expect((await firstPoll(created.id)).dueInSeconds).toBeLessThanOrEqual(0);
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([{ outcome: 'finished' }]);
    expect(calls.getOrder).toBe(1);
    await expectOrderMoneyConserved(db, [created.id]);
  });
});
