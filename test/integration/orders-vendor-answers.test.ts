// Vendor answers read honestly, for money (docs/orders.md, States; docs/bamboo.md, Using the client):
// an HTML 404 or a timeout concludes nothing; a reworded OrderAlreadyExists does not release an order
// Bamboo has; "not found" for an order Bamboo may have accepted, or a card list that contradicts the
// order, goes to `needs_attention` (money held, admins told) until an operator resolves it, once;
// only Sold cards with a code are delivered and Failed cards are refunded exactly. The simulator
// answers through msw; the handlers here sit in front of it to bend single answers.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { placeWithVendor, pollVendorOrder, readDeliveredCards } from '../../src/domain/orders/fulfilment.ts';
import { refundOrder, resolveOrder, retryOrder, showOrder } from '../../src/domain/orders/operator.ts';
import { getOrderFor } from '../../src/domain/orders/orders.ts';
import { orderPollQueue } from '../../src/domain/orders/queues.ts';
import { reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import type { BambooSimulator } from '../../src/integrations/bamboo/simulator/index.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { money } from '../../src/shared/money.ts';
import { balance, expectDomainError, makeAccount, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';
import { createOrderEngineTest } from '../support/order-engine.ts';
import { mswServer } from '../setup/msw.ts';

const { test, ctx, db, vendor, buyer, order, statusOf } = await createOrderEngineTest();

const GET_ORDER = 'https://api.bamboocardportal.com/api/integration/v1.0/orders/:id';
const CHECKOUT = 'https://api.bamboocardportal.com/api/integration/v1.0/orders/checkout';

interface WireCard {
  id: number;
  cardCode: string | null;
  status: string;
  [field: string]: unknown;
}
interface WireOrder {
  status: string;
  total: number;
  items: { productId: number; quantity: number; cards: WireCard[] }[];
  [field: string]: unknown;
}

/** Get Order for `requestId` answers `answer` instead of the simulator (as long as `active()`). */
function bendGetOrder(requestId: () => string, answer: () => Response, active: () => boolean = () => true) {
  mswServer.use(http.get(GET_ORDER, ({ params }) => (params.id === requestId() && active() ? answer() : undefined)));
}

/** Get Order for `requestId` answers the simulator's order, changed by `edit`. */
function editGetOrder(simulator: BambooSimulator, requestId: () => string, edit: (order: WireOrder) => void) {
  mswServer.use(
    http.get(GET_ORDER, async ({ params, request }) => {
      if (params.id !== requestId()) return undefined;
      const real = await simulator.handle(request.clone());
      if (real.status !== 200) return real;
      const body = (await real.json()) as WireOrder;
      edit(body);
      return HttpResponse.json(body);
    }),
  );
}

const requestIdOf = async (orderId: string) => (await getOrderFor(db, operator, orderId)).vendorRequestId as string;
const afterDeadline = () => new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
const attentionEvents = async (orderId: string) =>
  (await test.boss.findJobs<{ type: string; orderId: string }>('domain.event', { data: { orderId } })).map((job) => job.data);
/** Drops an order's queued jobs of a queue (earlier steps queued them; the test runs steps by hand). */
async function dropQueued(queue: { name: string }, orderId: string) {
  const jobs = await test.boss.findJobs(queue.name, { data: { orderId }, queued: true });
  if (jobs.length > 0)
    await test.boss.deleteJob(
      queue.name,
      jobs.map((job) => job.id),
    );
}
const storedCards = async (orderId: string) => (await db.selectFrom('order_cards').select('id').where('order_id', '=', orderId).execute()).length;

describe('vendor answers: unknown is not "not found"', () => {
  it('an HTML 404 from a proxy during reconciliation leaves an accepted order open; it completes once Bamboo answers', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    const requestId = await requestIdOf(created.id);
    let proxyDown = true;
    bendGetOrder(
      () => requestId,
      () => new HttpResponse('<html><body><h1>404 Not Found</h1>nginx</body></html>', { status: 404, headers: { 'content-type': 'text/html' } }),
      () => proxyDown,
    );
    clock.advance(1500);

    const report = await reconcileOrders(ctx, afterDeadline());
    expect(report).toMatchObject({ finished: 0, needsAttention: 0, stillOpen: [created.id] });
    expect(await pollVendorOrder(ctx, created.id, undefined, afterDeadline())).toBe('past_deadline');
    expect(await statusOf(created.id)).toBe('processing');
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [created.id]);

    proxyDown = false;
    expect((await reconcileOrders(ctx, afterDeadline())).finished).toBe(1);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'completed', cardsDelivered: 1 });
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('a reworded OrderAlreadyExists on checkout is unknown: the order Bamboo has is found by Get Order, not released', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    let answered = false;
    mswServer.use(
      http.post(CHECKOUT, async ({ request }) => {
        if (answered) return undefined;
        answered = true;
        await simulator.handle(request.clone()); // Bamboo creates the order…
        return HttpResponse.json({ message: 'Order already exists' }, { status: 400 }); // …and answers in words we do not know
      }),
    );
    expect(await placeWithVendor(ctx, created.id)).toBe('placed');
    expect(await statusOf(created.id)).toBe('processing');
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'completed', cardsDelivered: 1 });
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

describe('vendor answers: "not found" after acceptance goes to an operator', () => {
  it('reconciliation: Bamboo says OrderNotFound for an accepted order → needs_attention, money held, admins told; --vendor-has polls it to completion, once', async () => {
    const { clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account);
    await placeWithVendor(ctx, created.id);
    const requestId = await requestIdOf(created.id);
    let vendorForgot = true;
    bendGetOrder(
      () => requestId,
      () => HttpResponse.json({ message: 'OrderNotFound' }, { status: 400 }),
      () => vendorForgot,
    );
    clock.advance(1500);

    expect((await reconcileOrders(ctx, afterDeadline())).needsAttention).toBe(1);
    const parked = await getOrderFor(db, operator, created.id);
    expect(parked).toMatchObject({ status: 'needs_attention', failureReason: null, cardsDelivered: null });
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [created.id]);
    expect(await attentionEvents(created.id)).toEqual([
      { type: 'order.needs_attention', orderId: created.id, number: created.number, reason: 'vendor_lost_order' },
    ]);
    // Nothing automatic touches it any more.
    expect((await reconcileOrders(ctx, afterDeadline())).stillOpen).not.toContain(created.id);
    expect(await pollVendorOrder(ctx, created.id, undefined)).toBe('skipped');
    await expectDomainError(refundOrder(ctx, operator, created.id, 'test refund'), 'order_needs_attention');
    await expectDomainError(retryOrder(ctx, operator, created.id), 'order_needs_attention');

    // Only an active admin or the platform resolves it.
    const partner = await makeAccount(db, 'partner');
    await expectDomainError(resolveOrder(ctx, accountActor(partner.id, 'telegram'), created.id, 'vendor_has', 'checked'), 'forbidden');

    // The operator checked Bamboo's portal: it has the order. Back to polling; delivered and settled normally.
    vendorForgot = false;
    await dropQueued(orderPollQueue, created.id);
    expect(await resolveOrder(ctx, operator, created.number, 'vendor_has', 'checked the Bamboo portal')).toBe('processing');
    await expectDomainError(resolveOrder(ctx, operator, created.id, 'vendor_lacks', 'checked the Bamboo portal'), 'order_not_needing_attention');
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(1);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'completed', cardsDelivered: 1 });
    expect(await balance(db, account)).toBe('90.00');
    const audit = await db.selectFrom('audit_log').select(['action', 'after']).where('subject_id', '=', created.id).execute();
    expect(audit).toEqual([{ action: 'order.resolved', after: { status: 'processing', decision: 'vendor_has', reason: 'checked the Bamboo portal' } }]);
    expect((await showOrder(db, operator, created.id)).transitions.map((transition) => transition.status)).toEqual([
      'pending',
      'placing',
      'processing',
      'needs_attention',
      'processing',
      'completed',
    ]);
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('poll: not found before the deadline is polled again; still not found at the deadline → needs_attention; --vendor-lacks refunds exactly once', async () => {
    vendor();
    const account = await buyer();
    const { order: created } = await order(account, { quantity: 2 });
    await placeWithVendor(ctx, created.id);
    const requestId = await requestIdOf(created.id);
    bendGetOrder(
      () => requestId,
      () => HttpResponse.json({ message: 'OrderNotFound' }, { status: 400 }),
    );
    await dropQueued(orderPollQueue, created.id);
    expect(await pollVendorOrder(ctx, created.id, 0)).toBe('waiting');
    expect(await queuedFor(test, orderPollQueue, created.id)).toBe(1); // the next poll of the chain
    expect(await pollVendorOrder(ctx, created.id, undefined, afterDeadline())).toBe('needs_attention');
    expect(await balance(db, account)).toBe('80.00');

    expect(await resolveOrder(ctx, operator, created.id, 'vendor_lacks', 'checked the Bamboo portal')).toBe('failed');
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'failed', failureReason: 'vendor_lacks_order:resolved_by_operator' });
    expect(await balance(db, account)).toBe('100.00');
    await expectDomainError(resolveOrder(ctx, operator, created.id, 'vendor_lacks', 'checked the Bamboo portal'), 'order_not_needing_attention');
    await expectDomainError(resolveOrder(ctx, operator, created.id, 'vendor_has', 'checked the Bamboo portal'), 'order_not_needing_attention');
    expect(await balance(db, account)).toBe('100.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });
});

describe('vendor answers: which cards count as delivered', () => {
  it('a Failed card with an empty code is not delivered: partially_completed, the failed card refunded exactly', async () => {
    const { simulator, clock } = vendor();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 1 });
    const account = await buyer();
    const { order: created } = await order(account, { quantity: 2 });
    await placeWithVendor(ctx, created.id);
    const requestId = await requestIdOf(created.id);
    editGetOrder(
      simulator,
      () => requestId,
      (wire) => {
        for (const card of wire.items.flatMap((item) => item.cards)) if (card.status === 'Failed') card.cardCode = '';
      },
    );
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'partially_completed', cardsDelivered: 1 });
    expect(await storedCards(created.id)).toBe(1);
    expect(await balance(db, account)).toBe('90.00'); // 100 − 2 × 10 + 10
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it.each([
    ['a Sold card without a code', (wire: WireOrder) => void (wire.items[0]!.cards[0]!.cardCode = '')],
    ['more cards than ordered', (wire: WireOrder) => void wire.items[0]!.cards.push({ ...wire.items[0]!.cards[0]!, id: 999_999_001 })],
    ['Succeeded with a card missing', (wire: WireOrder) => void wire.items[0]!.cards.pop()],
    ['a card still Processing in a final order', (wire: WireOrder) => void (wire.items[0]!.cards[1]!.status = 'Processing')],
  ])('a card list that contradicts the order (%s) is not settled: needs_attention, nothing stored, money held', async (_case, edit) => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: created } = await order(account, { quantity: 2 });
    await placeWithVendor(ctx, created.id);
    const requestId = await requestIdOf(created.id);
    editGetOrder(simulator, () => requestId, edit);
    clock.advance(1500);
    expect(await runDueJobs(test, ctx, orderPollQueue)).toContainEqual({ outcome: 'needs_attention' });
    expect(await getOrderFor(db, operator, created.id)).toMatchObject({ status: 'needs_attention', cardsDelivered: null });
    expect(await storedCards(created.id)).toBe(0);
    expect(await balance(db, account)).toBe('80.00');
    expect((await attentionEvents(created.id)).map((event) => event.type)).toEqual(['order.needs_attention']);
    await expectOrderMoneyConserved(db, [created.id]);
    expect(await resolveOrder(ctx, operator, created.id, 'vendor_lacks', 'checked the Bamboo portal')).toBe('failed');
    expect(await balance(db, account)).toBe('100.00');
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('reads card lists by the rules (unit)', () => {
    const usd = (minor: bigint) => money(minor, 'USD');
    const card = (status: string, cardCode: string | null = status === 'Sold' ? 'CODE' : null) =>
      ({ id: Math.random(), serialNumber: null, cardCode, pin: null, expiresAt: null, status }) as const;
    const vendorOrder = (final: 'Succeeded' | 'Failed' | 'PartialFailed', cards: ReturnType<typeof card>[], total = usd(947n * BigInt(cards.length))) => ({
      orderId: 1,
      requestId: 'r',
      status: final,
      final,
      createdAt: null,
      total,
      errorMessage: null,
      orderType: null,
      items: [{ productId: 7, brandCode: null, faceValue: usd(1000n), quantity: cards.length, countryCode: null, status: null, cards }],
    });
    const ordered = { product_id: 7n, quantity: 2 };
    expect(readDeliveredCards(ordered, vendorOrder('Succeeded', [card('Sold'), card('Sold')])).delivered).toHaveLength(2);
    expect(readDeliveredCards(ordered, vendorOrder('PartialFailed', [card('sold', 'CODE'), card('Failed', '')], usd(947n))).delivered).toHaveLength(1);
    expect(readDeliveredCards(ordered, vendorOrder('Failed', [card('Failed'), card('Failed')], usd(0n))).delivered).toEqual([]);
    expect(readDeliveredCards(ordered, vendorOrder('Failed', [], usd(0n))).delivered).toEqual([]);
    expect(readDeliveredCards(ordered, vendorOrder('Succeeded', [card('Sold'), card('Sold', '  ')])).problem).toBe('a Sold card without a code');
    expect(readDeliveredCards(ordered, vendorOrder('Failed', [card('Sold'), card('Failed')])).problem).toBe('Failed with 1 Sold cards');
    expect(readDeliveredCards(ordered, vendorOrder('PartialFailed', [card('Sold')])).problem).toMatch(/^PartialFailed/);
    expect(readDeliveredCards(ordered, vendorOrder('Failed', [card('Failed')], usd(947n))).problem).toBe('charged 9.47 USD for no card');
    expect(readDeliveredCards({ product_id: 8n, quantity: 2 }, vendorOrder('Succeeded', [card('Sold'), card('Sold')])).problem).toBe(
      'cards of another product',
    );
  });
});
