// The order engine against real PostgreSQL and the Bamboo simulator (through msw). Jobs run by hand
// (runDueJobs), so every step, duplicate and "crash" is explicit. Every scenario ends with the
// money check: per order held = settled + refunded, and the SPEC §3 invariants.
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { createApi } from '../../api/index.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { addAdmin, setAccountStatus, type Account } from '../../src/domain/accounts/accounts.ts';
import { queryAuditLog } from '../../src/domain/audit/audit.ts';
import { balanceOf, systemAccountId } from '../../src/domain/ledger/ledger.ts';
import type { OrderEvent } from '../../src/domain/orders/events.ts';
import { failOrder, finishOrder, placeWithVendor, pollVendorOrder, RetryLater } from '../../src/domain/orders/fulfilment.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { getOrderFor, listOrders, revealOrderCards } from '../../src/domain/orders/orders.ts';
import { compareWithVendorTransactions, handleVendorCallback, reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { refundOrder, retryOrder, showOrder } from '../../src/domain/orders/operator.ts';
import { onRiskAlert, type RiskAlert } from '../../src/domain/orders/risk-alerts.ts';
import { setRiskLimits } from '../../src/domain/orders/risk.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { accruedRevenueShare } from '../../src/domain/revenue-share/revenue-share.ts';
import { ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/jobs/handlers/orders.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectDomainError, fund, makeAccount, makeTree, operator } from '../support/money.ts';
import { backdateOrder, expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';

const test = await createTestContext({ env: { BAMBOO_CALLBACK_SECRET: 'callback-secret-1234' } });
const { ctx } = test;
const { db } = ctx;
const events: OrderEvent[] = [];
ctx.orderEvents = { deliver: async (event) => void events.push(event) };

const usd = (value: string) => parseMoney(value, 'USD');
const system = async (code: 'order_clearing' | 'vendor_payable' | 'revenue' | 'revenue_share_payable') =>
  formatAmount(await balanceOf(db, systemAccountId(code, 'USD')));

await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });
await insertProduct(db, { id: SIM_PRODUCTS.disabled, minFace: 1000n, costMin: 950n });
await insertProduct(db, { id: SIM_PRODUCTS.noClientPrice, minFace: 1000n, costMin: 950n });
await insertProduct(db, { id: SIM_PRODUCTS.limitedStock, minFace: 1000n, costMin: 950n });
await insertProduct(db, { id: 990_001, minFace: 1000n, costMin: 950n }); // in our catalog, unknown to Bamboo

function vendor() {
  const mounted = mountSimulator({ rateLimits: false });
  ctx.vendor = simulatorClient({ clock: mounted.clock });
  return mounted;
}

let references = 0;
async function buyer(amount = '100.00'): Promise<Account> {
  const account = await makeAccount(db, 'partner');
  await fund(db, account, amount);
  return account;
}

function order(account: Account, options: { ref?: string; productId?: number; face?: string; quantity?: number; maxTotal?: string } = {}) {
  references += 1;
  return createOrder(ctx, {
    buyerId: account.id,
    actor: accountActor(account.id, 'api'),
    clientReference: options.ref ?? `ref-${references}`,
    productId: options.productId ?? SIM_PRODUCTS.steam10,
    face: usd(options.face ?? '10.00'),
    quantity: options.quantity ?? 1,
    ...(options.maxTotal ? { maxTotal: usd(options.maxTotal) } : {}),
  });
}

const statusOf = async (orderId: string) => (await db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;

describe('order engine: happy paths', () => {
  it('fixed product, two cards: held, placed, polled, completed; cards encrypted; ledger settled', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created, created: isNew } = await order(account, { quantity: 2 });
    expect(isNew).toBe(true);
    expect(created.number).toMatch(/^ST-\d{6}$/);
    expect(created.status).toBe('pending');
    expect(await balance(db, account)).toBe('80.00');
    expect(await queuedFor(test, orderPlaceQueue, created.id)).toBe(1);

    expect(await runDueJobs(test, ctx, orderPlaceQueue)).toEqual([{ outcome: 'placed' }]);
    expect(await statusOf(created.id)).toBe('processing');
    clock.advance(1500);
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([{ outcome: 'finished' }]);

    const finished = await getOrderFor(db, accountActor(account.id, 'api'), created.id);
    expect(finished).toMatchObject({ status: 'completed', cardsDelivered: 2 });
    expect(await balance(db, account)).toBe('80.00');
    expect(await system('vendor_payable')).toBe('18.94');
    expect(await system('revenue')).toBe('1.06');

    const cards = await revealOrderCards(ctx, accountActor(account.id, 'api'), created.id);
    expect(cards).toHaveLength(2);
    const stored = await db.selectFrom('order_cards').selectAll().where('order_id', '=', created.id).execute();
    for (const [index, card] of cards.entries()) {
      expect(card.code).toBeTruthy();
      expect(stored.map((row) => `${row.code_encrypted} ${row.pin_encrypted}`).join()).not.toContain(card.code as string);
      expect(stored[index]?.key_id).toBe('dev');
    }
    expect((await queryAuditLog(db, operator, { subject: { type: 'order', id: created.id } })).map((row) => row.action)).toEqual(['order.cards_revealed']);
    // Only the buyer sees the codes.
    await expectDomainError(revealOrderCards(ctx, operator, created.id), 'order_not_found');

    await runDueJobs(test, ctx, orderEventsQueue);
    expect(events.filter((event) => event.orderId === created.id)).toEqual([
      expect.objectContaining({ type: 'order.completed', cardsDelivered: 2, charged: '20.00', refunded: '0.00', orderNumber: created.number }),
    ]);
    expect(JSON.stringify(events)).not.toContain(cards[0]?.code as string);
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('range product at a chosen face value', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account, { productId: SIM_PRODUCTS.range, face: '25.50', quantity: 3 });
    expect(formatAmount(created.total)).toBe('76.50');
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    await expectDomainError(order(account, { productId: SIM_PRODUCTS.range, face: '500.50' }), 'denomination_out_of_range');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a sub-agent order accrues the agent’s revenue share on completion (SPEC §4 prices)', async () => {
    const { clock } = vendor();
    const { agent, sub } = await makeTree(db);
    await assignPricePlan(db, operator, { accountId: agent.id }, (await createPricePlan(db, operator, { name: 'o-agent 4%', defaultDiscountBps: 400 })).id);
    await assignPricePlan(db, operator, { accountId: sub.id }, (await createPricePlan(db, operator, { name: 'o-sub 2%', defaultDiscountBps: 200 })).id);
    await fund(db, sub, '50.00');
    const shareBefore = await system('revenue_share_payable');
    const { order: created } = await order(sub, { quantity: 2 });
    expect(formatAmount(created.total)).toBe('19.60');
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    expect(Number(await system('revenue_share_payable')) - Number(shareBefore)).toBeCloseTo(0.4, 10);
    const month = new Date().toISOString().slice(0, 7);
    expect(formatAmount(await accruedRevenueShare(db, agent.id, month))).toBe('0.40');
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

describe('order engine: vendor failures', () => {
  it('PartialFailed refunds exactly the unfulfilled cards and pays the vendor only for the delivered ones', async () => {
    const { simulator, clock } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 2 });
    const account = await buyer();
    const payableBefore = await system('vendor_payable');
    const { order: created } = await order(account, { quantity: 5 });
    expect(await balance(db, account)).toBe('50.00');
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    const finished = await getOrderFor(db, operator, created.id);
    expect(finished).toMatchObject({ status: 'partially_completed', cardsDelivered: 3 });
    expect(await balance(db, account)).toBe('70.00');
    expect((Number(await system('vendor_payable')) - Number(payableBefore)).toFixed(2)).toBe('28.41');
    await runDueJobs(test, ctx, orderEventsQueue);
    expect(events.find((event) => event.orderId === created.id)).toMatchObject({ type: 'order.partially_completed', refunded: '20.00' });
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a partially fulfilled sub-agent order accrues the share of the delivered cards only', async () => {
    const { simulator, clock } = vendor();
    const { agent, sub } = await makeTree(db);
    await assignPricePlan(db, operator, { accountId: agent.id }, (await createPricePlan(db, operator, { name: 'p-agent 4%', defaultDiscountBps: 400 })).id);
    await assignPricePlan(db, operator, { accountId: sub.id }, (await createPricePlan(db, operator, { name: 'p-sub 2%', defaultDiscountBps: 200 })).id);
    await fund(db, sub, '50.00');
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 1 });
    const { order: created } = await order(sub, { quantity: 3 });
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'partially_completed', cardsDelivered: 2 });
    expect(await balance(db, sub)).toBe('30.40'); // 50.00 − 3 × 9.80 + 9.80
    const accrual = await db.selectFrom('revenue_share_accruals').select('amount').where('order_id', '=', created.id).executeTakeFirstOrThrow();
    expect(accrual.amount).toBe(40n); // 2 × 0.20
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('Failed refunds the whole hold', async () => {
    const { simulator, clock } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    const account = await buyer();
    const { order: created } = await order(account, { quantity: 2 });
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('failed');
    expect(await balance(db, account)).toBe('100.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it.each([
    [SIM_PRODUCTS.outOfStock, '25.00', 'ProductIsOutOfStock'],
    [SIM_PRODUCTS.disabled, '10.00', 'InvalidProduct'],
    [SIM_PRODUCTS.noClientPrice, '10.00', 'ClientPriceInvalid'],
  ])('a 400 reason on place (product %i) fails the order and releases the hold', async (productId, face, reason) => {
    vendor();
    const account = await buyer();
    const { order: created } = await order(account, { productId, face });
    expect(await runDueJobs(test, ctx, orderPlaceQueue)).toEqual([{ outcome: 'failed' }]);
    const finished = await getOrderFor(db, operator, created.id);
    expect(finished).toMatchObject({ status: 'failed', failureReason: `vendor_rejected:${reason}` });
    expect(await balance(db, account)).toBe('100.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it.each([
    ['InvalidProductIds', 'a product Bamboo does not have'],
    ['InsufficientBalance', 'our Bamboo account cannot pay'],
    ['WrongAccount', 'an inactive Bamboo account'],
    ['Unauthorized', 'wrong credentials'],
  ])('%s (%s) fails the order and releases the hold', async (reason) => {
    const { clock } = vendor();
    if (reason === 'WrongAccount') ctx.vendor = simulatorClient({ clock, accountId: 557 });
    if (reason === 'Unauthorized') ctx.vendor = simulatorClient({ clock, clientSecret: 'not-the-secret' });
    const account = await buyer('200000.00');
    const spec =
      reason === 'InvalidProductIds'
        ? { productId: 990_001, face: '10.00' }
        : reason === 'InsufficientBalance'
          ? { productId: SIM_PRODUCTS.range, face: '250.00', quantity: 500 }
          : {};
    const { order: created } = await order(account, spec);
    expect(await runDueJobs(test, ctx, orderPlaceQueue)).toEqual([{ outcome: 'failed' }]);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'failed', failureReason: `vendor_rejected:${reason}` });
    expect(await balance(db, account)).toBe('200000.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a 5xx after Bamboo created the order is resolved by Get Order: one vendor order, completed', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    simulator.injectFault({ endpoint: 'checkout', status: 502, afterCommit: true });
    expect(await runDueJobs(test, ctx, orderPlaceQueue)).toEqual([{ outcome: 'placed' }]);
    const requestsAfterPlace = simulator.requestCount;
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    expect(simulator.requestCount).toBe(requestsAfterPlace + 1); // one Get Order, no second checkout
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a 5xx or timeout before Bamboo created it: retried with the same RequestId, never a second order', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    simulator.injectFault({ endpoint: 'checkout', status: 503 });
    await expect(placeWithVendor(ctx, created.id)).rejects.toBeInstanceOf(RetryLater);
    const placing = await db.selectFrom('orders').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(placing.status).toBe('placing');
    expect(placing.vendor_request_id).toMatch(/^[0-9a-f-]{36}$/);
    // The retry (pg-boss redelivers): asks Get Order, finds nothing, re-sends the same RequestId.
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    expect((await db.selectFrom('orders').select('vendor_request_id').where('id', '=', created.id).executeTakeFirstOrThrow()).vendor_request_id).toBe(
      placing.vendor_request_id,
    );
    // A third delivery of the same job: Bamboo has it, nothing new is placed.
    expect(await placeWithVendor(ctx, created.id)).toBe('skipped');
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a timeout on place (Bamboo never answered): resolved by Get Order, then the same RequestId again', async () => {
    const { simulator, clock } = vendor();
    ctx.vendor = simulatorClient({ clock, timeoutMs: 30 });
    const account = await buyer();
    const { order: created } = await order(account);
    simulator.injectFault({ endpoint: 'checkout', hang: true });
    await expect(placeWithVendor(ctx, created.id)).rejects.toBeInstanceOf(RetryLater);
    expect(await statusOf(created.id)).toBe('placing');
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('429 on place: retried later with the same RequestId; 429 on poll: polled again later', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    simulator.injectFault({ endpoint: 'checkout', rateLimitSeconds: 1 });
    await expect(placeWithVendor(ctx, created.id)).rejects.toBeInstanceOf(RetryLater);
    clock.advance(1000);
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    clock.advance(1500);
    // Longer than BAMBOO_MAX_WAIT_MS: the client gives up waiting and the poll is rescheduled.
    simulator.injectFault({ endpoint: 'getOrder', rateLimitSeconds: 120 });
    const [poll] = await test.boss.fetch<{ orderId: string; pollCount: number }>(orderPollQueue.name);
    expect(await pollVendorOrder(ctx, created.id, poll?.data.pollCount)).toBe('waiting');
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(1); // the next poll, with backoff
    clock.advance(121_000);
    expect(await pollVendorOrder(ctx, created.id, undefined)).toBe('finished');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('OrderAlreadyExists (our earlier attempt went through) is resolved by Get Order', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    // Simulate a crash right after the call: the order looks `placing` again to the next run.
    await db.updateTable('orders').set({ status: 'placing' }).where('id', '=', created.id).execute();
    const placed = await ctx.vendor.placeOrder({
      requestId: (await db.selectFrom('orders').select('vendor_request_id').where('id', '=', created.id).executeTakeFirstOrThrow()).vendor_request_id as string,
      lines: [{ productId: SIM_PRODUCTS.steam10, quantity: 1, faceValue: usd('10.00') }],
    });
    expect(placed).toEqual({ kind: 'unknown', cause: 'OrderAlreadyExists' });
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await statusOf(created.id)).toBe('completed');
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

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
    await test.boss.deleteJob(orderPlaceQueue.name, (await test.boss.findJobs(orderPlaceQueue.name, { data: { orderId: a.id } })).map((job) => job.id));
    // 2. Placed, the poll job lost.
    const { order: b } = await order(account);
    await runDueJobs(test, ctx, orderPlaceQueue);
    await test.boss.deleteJob(orderPollQueue.name, (await test.boss.findJobs(orderPollQueue.name, { data: { orderId: b.id } })).map((job) => job.id));
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

  it('Pending past the deadline: reconciliation waits while Bamboo works, refunds when Bamboo has no order', async () => {
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
    simulator.release(requestId);
    await reconcileOrders(ctx, later);
    expect(await statusOf(held.id)).toBe('completed');
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);

    // An order stuck in `placing` whose RequestId Bamboo never saw.
    const { order: lost } = await order(account);
    await db.updateTable('orders').set({ status: 'placing', vendor_request_id: crypto.randomUUID() }).where('id', '=', lost.id).execute();
    await reconcileOrders(ctx, later);
    expect(await getOrderFor(db, operator, lost.id)).toMatchObject({ status: 'failed', failureReason: 'vendor_has_no_order' });
    await reconcileOrders(ctx, later);
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
    const body = (secretKey: string) => ({ OrderId: 1, Status: 'Succeeded', TotalCards: 1, CreatedOn: '2026-11-28T00:00:00', CompletedOn: '2026-11-28T00:00:01', SecretKey: secretKey, RequestId: requestId });
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

describe('order intake', () => {
  it('100 concurrent creates with the same reference: one order, one hold', async () => {
    vendor();
    const account = await buyer();
    const results = await Promise.all(Array.from({ length: 100 }, () => order(account, { ref: 'same-ref', quantity: 2 })));
    expect(new Set(results.map((result) => result.order.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await balance(db, account)).toBe('80.00');
    await expectDomainError(order(account, { ref: 'same-ref', quantity: 3 }), 'idempotency_conflict');
    await expectOrderMoneyConserved(db, [results[0]!.order.id]);
  });

  it('refuses before any hold: quantity, funds, paused buyer, maxPrice, profit guard', async () => {
    vendor();
    const account = await buyer('15.00');
    await expectDomainError(order(account, { quantity: 0 }), 'invalid_quantity');
    await expectDomainError(order(account, { quantity: 501 }), 'invalid_quantity');
    await expectDomainError(order(account, { quantity: 2 }), 'insufficient_funds');
    await expectDomainError(order(account, { maxTotal: '9.99' }), 'max_price_exceeded');
    await expectDomainError(order(account, { productId: 404 }), 'product_not_found');
    // Ids the database could not read are refused before the batch, so they cannot fail the others in it.
    await expectDomainError(order(account, { productId: 1.5 }), 'product_not_found');
    await expectDomainError(order(account, { productId: 2 ** 64 }), 'product_not_found');
    const markdown = await createPricePlan(db, operator, { name: 'loss-making 10%', defaultDiscountBps: 1000 });
    await assignPricePlan(db, operator, { accountId: account.id }, markdown.id);
    await expectDomainError(order(account), 'profit_guard');
    expect(await balance(db, account)).toBe('15.00');
    expect(await db.selectFrom('orders').select('id').where('buyer_id', '=', account.id).execute()).toEqual([]);
    await expectOrderMoneyConserved(db, []);
  });

  it('a paused buyer, a paused agent above a sub-agent, a paused partner two levels up, an admin: refused before any hold', async () => {
    vendor();
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '50.00');
    await setAccountStatus(db, operator, sub.id, 'paused');
    await expectDomainError(order(sub), 'account_paused');
    await setAccountStatus(db, operator, sub.id, 'active');
    await setAccountStatus(db, operator, agent.id, 'paused');
    await expectDomainError(order(sub), 'parent_paused');
    await setAccountStatus(db, operator, agent.id, 'active');

    const partner = await makeAccount(db, 'partner');
    const partnerAgent = await makeAccount(db, 'agent', partner);
    const partnerSub = await makeAccount(db, 'sub_agent', partnerAgent);
    await fund(db, partnerSub, '50.00');
    await setAccountStatus(db, operator, partner.id, 'paused');
    await expectDomainError(order(partnerSub), 'parent_paused');
    await setAccountStatus(db, operator, partner.id, 'active');

    const { account: admin } = await addAdmin(db, operator, { telegramUserId: '5550777', currency: 'USD' });
    await expectDomainError(order(admin), 'role_cannot_order');
    expect(await balance(db, sub)).toBe('50.00');
    expect(await balance(db, partnerSub)).toBe('50.00');
    expect(await db.selectFrom('orders').select('id').where('buyer_id', 'in', [sub.id, partnerSub.id, admin.id]).execute()).toEqual([]);

    const { order: placed } = await order(partnerSub); // resumed: the same sub-agent orders again
    expect(await balance(db, partnerSub)).toBe('40.00');
    await expectOrderMoneyConserved(db, [placed.id]);
  });

  it('risk limits: role defaults, per-account override, refused before any hold with the limit named', async () => {
    vendor();
    const account = await buyer();
    await setRiskLimits(db, operator, { role: 'partner' }, { dailySpend: 2500n, dailyOrderCount: null });
    await order(account, { quantity: 2 });
    const spend = await expectDomainError(order(account, { quantity: 1 }), 'daily_limit_exceeded');
    expect(spend.details).toMatchObject({ limit: 'daily_spend' });
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: 2 });
    await order(account);
    const count = await expectDomainError(order(account), 'daily_limit_exceeded');
    expect(count.details).toMatchObject({ limit: 'daily_order_count' });
    expect(await balance(db, account)).toBe('70.00');
    await expectDomainError(setRiskLimits(db, accountActor(account.id, 'api'), { accountId: account.id }, { dailySpend: null, dailyOrderCount: null }), 'forbidden');
    await setRiskLimits(db, operator, { role: 'partner' }, { dailySpend: null, dailyOrderCount: null });
  });

  it('an order that fails leaves its day: the limits count only the day\'s orders that did not fail', async () => {
    vendor();
    const account = await buyer();
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: 2 });
    const { order: first } = await order(account);
    const { order: second } = await order(account);
    await expectDomainError(order(account), 'daily_limit_exceeded');
    expect(await failOrder(ctx, first.id, 'test_failure', { onlyFrom: ['pending'] })).toBe(true);
    expect(await failOrder(ctx, first.id, 'test_failure', { onlyFrom: ['pending'] })).toBe(false); // failed once only
    const { order: third } = await order(account); // the failed order made room
    await expectDomainError(order(account), 'daily_limit_exceeded');
    const totals = await db.selectFrom('order_day_totals').select(['spend_minor', 'order_count']).where('account_id', '=', account.id).execute();
    expect(totals).toEqual([{ spend_minor: second.total.amount + third.total.amount, order_count: 2 }]);
    expect(await balance(db, account)).toBe('80.00');
    await expectOrderMoneyConserved(db, [first.id, second.id, third.id]);
  });

  it('concurrent creates of different buyers are written together, each with its own outcome', async () => {
    vendor();
    const good = await Promise.all(Array.from({ length: 6 }, () => buyer()));
    const short = await buyer('5.00');
    const paused = await buyer();
    await setAccountStatus(db, operator, paused.id, 'paused');
    const results = await Promise.allSettled([...good, short, paused].map((account) => order(account)));
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
    expect(created.map((one) => one.buyerId)).toEqual(good.map((account) => account.id));
    expect(results.slice(6).map((result) => result.status === 'rejected' && (result.reason as { code?: string }).code)).toEqual(['insufficient_funds', 'account_paused']);
    // Orders written in one transaction share its start time: at least one batch held several.
    expect(new Set(created.map((one) => one.createdAt.getTime())).size).toBeLessThan(created.length);
    for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
    // New orders and their holds get time-ordered ids (UUID version 7), so indexes keyed by them grow at one end.
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const holds = await db.selectFrom('transfers').select('id').where('idempotency_key', 'in', created.map((one) => `order-hold:${one.id}`)).execute();
    expect([...created.map((one) => one.id), ...holds.map((hold) => hold.id)].every((id) => v7.test(id))).toBe(true);
    expect(await balance(db, short)).toBe('5.00');
    expect(await balance(db, paused)).toBe('100.00');
    await expectOrderMoneyConserved(db, created.map((one) => one.id));
  });

  it('one buyer\'s concurrent creates share batches and get the answers one-by-one intake gives, in order', async () => {
    vendor();
    // Enough for four cards: the fourth create (two cards) does not fit, the fifth (one card) does.
    const short = await buyer('40.00');
    const plenty = await buyer('100.00');
    const limited = await buyer('100.00');
    await setRiskLimits(db, operator, { accountId: limited.id }, { dailySpend: null, dailyOrderCount: 3 });
    const quantities = [1, 1, 1, 2, 1];
    const warn = vi.spyOn(ctx.logger, 'warn');
    // Interleaved, so batches mix buyers whose orders all pass with buyers who meet a refusal.
    const pending = quantities.flatMap((quantity) => [order(short, { quantity }), order(plenty, { quantity: 1 }), order(limited, { quantity: 1 })]);
    const results = await Promise.allSettled(pending);
    const outcome = (result: PromiseSettledResult<{ order: { total: { amount: bigint } } }>) =>
      result.status === 'fulfilled' ? 'created' : (result.reason as { code?: string }).code;
    const of = (column: number) => results.filter((_, index) => index % 3 === column).map(outcome);
    expect(of(0)).toEqual(['created', 'created', 'created', 'insufficient_funds', 'created']);
    expect(of(1)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(of(2)).toEqual(['created', 'created', 'created', 'daily_limit_exceeded', 'daily_limit_exceeded']);
    // Decided by the batch itself, not by a batch that failed and was written again order by order.
    expect(warn.mock.calls.filter(([, message]) => String(message).includes('intake batch failed'))).toEqual([]);
    warn.mockRestore();
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
    // At least one batch held several orders of one buyer.
    const plentyOrders = created.filter((one) => one.buyerId === plenty.id);
    expect(new Set(plentyOrders.map((one) => one.createdAt.getTime())).size).toBeLessThan(plentyOrders.length);
    expect(new Set(created.map((one) => one.number)).size).toBe(created.length);
    expect(await balance(db, short)).toBe('0.00');
    expect(await balance(db, plenty)).toBe('50.00');
    expect(await balance(db, limited)).toBe('70.00');
    const totals = await db.selectFrom('order_day_totals').select(['account_id', 'spend_minor', 'order_count']).where('account_id', 'in', [short.id, plenty.id, limited.id]).execute();
    expect(new Map(totals.map((row) => [row.account_id, [row.spend_minor, row.order_count]]))).toEqual(
      new Map([[short.id, [4000n, 4]], [plenty.id, [5000n, 5]], [limited.id, [3000n, 3]]]),
    );
    for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
    await expectOrderMoneyConserved(db, created.map((one) => one.id));
  });

  it('inside a caller\'s transaction the order is written there: committed with it, or gone with its rollback', async () => {
    vendor();
    const account = await buyer();
    const input = (ref: string) => ({ buyerId: account.id, actor: accountActor(account.id, 'api'), clientReference: ref, productId: SIM_PRODUCTS.steam10, face: usd('10.00'), quantity: 1 });
    const { order: kept } = await db.transaction().execute((trx) => createOrder({ ...ctx, db: trx }, input('in-trx-kept')));
    expect(await queuedFor(test, orderPlaceQueue, kept.id)).toBe(1);
    await expect(
      db.transaction().execute(async (trx) => {
        await createOrder({ ...ctx, db: trx }, input('in-trx-undone'));
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await db.selectFrom('orders').select('client_reference').where('buyer_id', '=', account.id).execute()).toEqual([{ client_reference: 'in-trx-kept' }]);
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [kept.id]);
  });

  it('a batch that fails in the database is written again one order at a time: only the failing order gets the error', async () => {
    vendor();
    const accounts = await Promise.all(Array.from({ length: 6 }, () => buyer()));
    await sql`create function test_refuse_poison() returns trigger language plpgsql as $$
      begin if new.client_reference = 'poison' then raise exception 'poisoned order'; end if; return new; end $$`.execute(db);
    await sql`create trigger test_refuse_poison before insert on orders for each row execute function test_refuse_poison()`.execute(db);
    try {
      // The first two start batches of their own at once; the other four wait and go together.
      const results = await Promise.allSettled(accounts.map((account, index) => order(account, index === 4 ? { ref: 'poison' } : {})));
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[4] as PromiseRejectedResult).reason)).toContain('poisoned order');
      const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
      for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
      expect(await db.selectFrom('orders').select('id').where('buyer_id', '=', accounts[4]!.id).execute()).toEqual([]);
      expect(await balance(db, accounts[4]!)).toBe('100.00');
      await expectOrderMoneyConserved(db, created.map((one) => one.id));

      // A batch whose only priced order fails keeps the other orders' own answers (a refusal here).
      const [, , poisoned, unknownProduct] = await Promise.allSettled([
        order(accounts[0]!),
        order(accounts[1]!),
        order(accounts[2]!, { ref: 'poison' }),
        order(accounts[3]!, { productId: 404 }),
      ]);
      expect(String((poisoned as PromiseRejectedResult).reason)).toContain('poisoned order');
      expect((unknownProduct as PromiseRejectedResult).reason).toMatchObject({ code: 'product_not_found' });
    } finally {
      await sql`drop trigger test_refuse_poison on orders`.execute(db);
      await sql`drop function test_refuse_poison()`.execute(db);
    }
  });

  it('risk monitoring: spend 3× above the 30-day pattern and a burst of refusals alert admins once, without blocking', async () => {
    vendor();
    const alerts: RiskAlert[] = [];
    const unsubscribe = onRiskAlert((alert) => void alerts.push(alert));
    try {
      const account = await buyer('200.00');
      // Its history: 30.00 twenty days ago (a 1.00 daily average), made through another process's
      // shared state, so this one has not read the account's baseline for today yet.
      const { order: old } = await createOrder(
        { ...ctx, state: createMemoryState() },
        { buyerId: account.id, actor: accountActor(account.id, 'api'), clientReference: 'history', productId: SIM_PRODUCTS.steam10, face: usd('10.00'), quantity: 3 },
      );
      await backdateOrder(db, old.id, new Date(Date.now() - 20 * 86_400_000));
      await order(account, { quantity: 3 }); // 30.00 today > 3 × 1.00
      await order(account);
      expect(alerts).toEqual([{ kind: 'unusual_spend', accountId: account.id, spentToday: '30.00 USD', dailyAverage: '1.00 USD' }]);

      const poor = await buyer('1.00');
      for (let i = 0; i < 6; i += 1) await expectDomainError(order(poor), 'insufficient_funds');
      expect(alerts.filter((alert) => alert.kind === 'refusal_burst')).toEqual([
        { kind: 'refusal_burst', accountId: poor.id, refusals: 5, windowMinutes: 10, lastCode: 'insufficient_funds' },
      ]);
      await expectOrderMoneyConserved(db, [old.id]);
    } finally {
      unsubscribe();
    }
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
    const callback = (secretKey: string) => ({ orderId: 7, status: 'succeeded', totalCards: 1, createdOn: '2026-11-28T00:00:00', completedOn: '2026-11-28T00:00:01', secretKey, requestId });
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

describe('operator tools', () => {
  it('show by number, retry pushes an order on, refund only when Bamboo confirms failed or has no order', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: working } = await order(account);
    expect((await showOrder(db, operator, working.number)).order.id).toBe(working.id);
    // A malformed id (typed at the CLI) is "no such order", not a database error.
    for (const typed of ['not-an-id', 'ST-99999999999999999999', "1'; drop table orders"]) await expectDomainError(showOrder(db, operator, typed), 'order_not_found');
    expect(await retryOrder(ctx, operator, working.id)).toBe('placed');
    await expectDomainError(refundOrder(ctx, operator, working.id), 'vendor_not_failed');
    clock.advance(1500);
    expect(await retryOrder(ctx, operator, working.id)).toBe('finished');
    await expectDomainError(refundOrder(ctx, operator, working.id), 'order_final');
    expect((await showOrder(db, operator, working.id)).transitions.map((transition) => transition.status)).toEqual(['pending', 'placing', 'processing', 'completed']);

    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    const { order: failing } = await order(account);
    await retryOrder(ctx, operator, failing.id);
    clock.advance(1500);
    expect(await refundOrder(ctx, operator, failing.id)).toBe('finished'); // from Bamboo's Failed: the whole hold back
    expect(await statusOf(failing.id)).toBe('failed');
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);

    const { order: neverSent } = await order(account);
    expect(await refundOrder(ctx, operator, neverSent.id)).toBe('failed');
    expect(await placeWithVendor(ctx, neverSent.id)).toBe('skipped');
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [working.id, failing.id, neverSent.id]);
  });
});

describe('reading orders and the Telegram channel', () => {
  it('lists own orders newest first with a cursor; an agent sees its direct sub-agent’s orders, not others', async () => {
    vendor();
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '100.00');
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push((await order(sub)).order);
    const first = await listOrders(db, accountActor(sub.id, 'api'), { limit: 2 });
    expect(first.orders.map((o) => o.id)).toEqual([created[2]?.id, created[1]?.id]);
    const second = await listOrders(db, accountActor(sub.id, 'api'), { limit: 2, cursor: first.nextCursor as string });
    expect(second).toEqual({ orders: [expect.objectContaining({ id: created[0]?.id })], nextCursor: null });
    expect((await listOrders(db, accountActor(agent.id, 'telegram'), { buyerId: sub.id })).orders).toHaveLength(3);
    expect(await getOrderFor(db, accountActor(agent.id, 'telegram'), created[0]!.id)).toMatchObject({ buyerId: sub.id });
    expect((await getOrderFor(db, accountActor(sub.id, 'telegram'), created[1]!.number)).id).toBe(created[1]!.id);
    await expectDomainError(getOrderFor(db, accountActor(sub.id, 'telegram'), 'not-an-id'), 'order_not_found');
    await expectDomainError(revealOrderCards(ctx, accountActor(agent.id, 'telegram'), created[0]!.id), 'order_not_found');
    const stranger = await makeAccount(db, 'partner');
    await expectDomainError(listOrders(db, accountActor(stranger.id, 'api'), { buyerId: sub.id }), 'not_direct_child');
    await expectDomainError(getOrderFor(db, accountActor(stranger.id, 'api'), created[0]!.id), 'order_not_found');
    expect((await listOrders(db, operator, { buyerId: sub.id, status: 'pending' })).orders).toHaveLength(3);
  });

  it('Telegram orders: only what the card list offers, at most BOT_MAX_QUANTITY cards', async () => {
    vendor();
    const { account: admin } = await addAdmin(db, operator, { telegramUserId: '777001', currency: 'USD' });
    await saveCardList(db, accountActor(admin.id, 'telegram'), [{ productId: BigInt(SIM_PRODUCTS.range), range: { min: 1000n, max: 5000n } }], { maxEntries: 10 });
    const { agent } = await makeTree(db);
    await fund(db, agent, '500.00');
    const viaBot = (productId: number, face: string, quantity = 1) =>
      createOrder(ctx, { buyerId: agent.id, actor: accountActor(agent.id, 'telegram'), clientReference: `tg-${(references += 1)}`, productId, face: usd(face), quantity });
    expect((await viaBot(SIM_PRODUCTS.range, '20.00')).created).toBe(true);
    await expectDomainError(viaBot(SIM_PRODUCTS.range, '60.00'), 'not_on_card_list');
    await expectDomainError(viaBot(SIM_PRODUCTS.steam10, '10.00'), 'not_on_card_list');
    await expectDomainError(viaBot(SIM_PRODUCTS.range, '20.00', ctx.config.BOT_MAX_QUANTITY + 1), 'invalid_quantity');
    expect(await balance(db, agent)).toBe('480.00');
  });
});

describe('daily comparison with Bamboo transactions', () => {
  it('matching orders give no differences; unknown, missing and mismatched charges are flagged', async () => {
    await db.updateTable('orders').set({ created_at: new Date('2026-01-01T00:00:00Z') }).execute(); // other tests' orders: another day
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
    const slowVendor = Object.create(ctx.vendor) as typeof ctx.vendor;
    slowVendor.placeOrder = async (request) => {
      await checkoutGate;
      return ctx.vendor.placeOrder(request);
    };
    const placing = placeWithVendor({ ...ctx, vendor: slowVendor }, created.id);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the claim is committed, the call waits
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
