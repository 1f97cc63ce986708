// The order engine placing, polling and finishing orders against real PostgreSQL and the Bamboo
// simulator (through msw): happy paths and every vendor failure. Jobs run by hand (runDueJobs), so
// every step is explicit. Every scenario ends with the money check: per order held = settled +
// refunded, and the docs/product.md#money-and-the-ledger invariants. Shared setup: test/support/order-engine.ts.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { placeWithVendor, pollVendorOrder, RetryLater } from '../../src/domain/orders/fulfilment.ts';
import { getOrderFor, revealOrderCards } from '../../src/domain/orders/orders.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { accruedRevenueShare } from '../../src/domain/revenue-share/revenue-share.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { formatAmount } from '../../src/shared/money.ts';
import { simulatorClient } from '../support/bamboo.ts';
import { balance, expectDomainError, fund, makeTree, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';
import { createOrderEngineTest, usd, UNKNOWN_TO_BAMBOO } from '../support/order-engine.ts';

const { test, ctx, db, events, vendor, buyer, order, system, statusOf } = await createOrderEngineTest();

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

  it('a sub-agent order accrues the agent’s revenue share on completion (docs/product.md#pricing-and-revenue-share prices)', async () => {
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
        ? { productId: UNKNOWN_TO_BAMBOO, face: '10.00' }
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
