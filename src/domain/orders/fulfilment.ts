// Buying the cards (docs/product.md#orders): place with a RequestId stored before the first call, poll with
// backoff up to the deadline, finish (cards encrypted, ledger settled, unfulfilled cards refunded)
// or fail (the whole hold back). Every step locks the order row and checks its state first, so a
// step that runs twice (duplicate job, callback + poll, reconciliation) changes nothing the second
// time, and the one money-back key per order (`order-return:<id>`) refunds at most once.
// The client classifies Bamboo's answers (found / not found / unknown); here they become money
// decisions. Unknown concludes nothing. "Not found" for an order whose checkout may have reached
// Bamboo, or a card list that contradicts the order, is never refunded automatically: the order goes
// to `needs_attention` (money still held, admins told) and an operator decides (operator.ts).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { BambooClient, Card, VendorOrder } from '../../integrations/bamboo/index.ts';
import { formatMoney, money, type Money } from '../../shared/money.ts';
import { getAccount } from '../accounts/accounts.ts';
import { platformActor } from '../actor.ts';
import { convertWithStoredRate } from '../catalog/fx.ts';
import { bookAccountId, transfer, walletId, type EntryInput } from '../ledger/ledger.ts';
import { recordRevenueShareAccrual } from '../revenue-share/revenue-share.ts';
import { cardKeyring, encryptCardValue } from './card-crypto.ts';
import type { OrderEventType } from './events.ts';
import { formatOrderNumber, recordTransition } from './orders.ts';
import { FINAL_STATUSES, type OrderRow, type OrderStatus } from './orders.tables.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from './queues.ts';
import { recentCompletionLatency } from './queue-estimate.ts';
import { orderStartedWaiting } from './queue-messages.ts';
import {
  allocateCards,
  formVendorOrder,
  lockVendorOrder,
  oldestWaiting,
  sameKey,
  waitingKeys,
  type MemberShare,
  type VendorOrderClaim,
  type VendorOrderKey,
} from './vendor-orders.ts';

export type FulfilmentContext = Pick<AppContext, 'db' | 'jobs' | 'config' | 'vendor' | 'sandboxVendor' | 'logger' | 'events' | 'vendorBreaker'>;

/**
 * The vendor an order is bought from: a sandbox order (test money) always from the simulator, never
 * from Bamboo; with VENDOR=simulator that is the process's vendor itself.
 */
export function vendorFor(ctx: FulfilmentContext, order: { sandbox: boolean; id?: string }): BambooClient {
  if (!order.sandbox || ctx.config.VENDOR === 'simulator') return ctx.vendor;
  if (!ctx.sandboxVendor) throw new Error(`order ${order.id ?? ''} is a sandbox order and this process has no sandbox vendor`);
  return ctx.sandboxVendor;
}

const system = platformActor('system');

/** Seconds before poll n+1 (docs/product.md#orders): 2 s, 5 s, 10 s, then every 30 s until the deadline. */
export const POLL_DELAYS_SECONDS = [2, 5, 10, 30] as const;
export const pollDelaySeconds = (pollCount: number) => POLL_DELAYS_SECONDS[Math.min(pollCount, POLL_DELAYS_SECONDS.length - 1)] as number;

/** A step that must be tried again later (pg-boss retries the job): the order is left as it is. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

async function lockOrder(trx: Transaction<DB>, orderId: string): Promise<OrderRow | undefined> {
  return trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst();
}

const isFinal = (status: OrderStatus) => FINAL_STATUSES.includes(status);

export type PlaceOutcome = 'placed' | 'failed' | 'finished' | 'skipped' | 'waiting_for_vendor' | 'waiting_for_checkout';

/**
 * How long a lease on talking to the vendor about an order lasts. Longer than the slowest step
 * (three vendor calls, each waiting up to a minute for the limiter and retrying its own timeouts),
 * so a live worker never loses it mid-call; it only matters when a worker dies holding it (a retry
 * of the same job holds the same token and takes it back at once).
 */
export const VENDOR_LEASE_MS = 10 * 60_000;

/** Held by someone else (another job, reconciliation, an operator) and not yet run out. */
const leasedToOther = (order: OrderRow, token: string, now = new Date()) =>
  order.vendor_lease_token !== null && order.vendor_lease_token !== token && order.vendor_lease_until !== null && order.vendor_lease_until > now;

const leaseUntil = () => new Date(Date.now() + VENDOR_LEASE_MS);
const takeLease = (token: string) => ({ vendor_lease_token: token, vendor_lease_until: leaseUntil() });
const noLease = { vendor_lease_token: null, vendor_lease_until: null };
const isOpen = (order: OrderRow) => order.status === 'placing' || order.status === 'processing';

/** What Bamboo answered a placement, to be recorded under the lease. */
type PlaceAnswer = { kind: 'has'; vendorOrder: VendorOrder } | { kind: 'accepted' } | { kind: 'rejected'; reason: string };

/**
 * A product with this many orders waiting (another's turn, not this one's) spreads its checkouts
 * out (BambooRateLimiter.tryCheckout, `paced`); with fewer, a lone order goes whenever its product's
 * minute has room.
 */
const PACED_FROM_WAITING = 2;

/** A wait for a checkout turn this short is slept in the job; a longer one sends the job back to the queue. */
const SLEEP_FOR_TURN_MS = 1_500;

/**
 * The place job. A pending order is bought in a vendor order (vendor-orders.ts): the planner takes
 * the next checkout turn for it, or for an older product's waiting orders (docs/orders.md,
 * Coalescing); each buyer's order is in one vendor order at most. The vendor order's first run
 * generates and stores the RequestId (its members `placing`), then calls Place Order once for all
 * its cards. A later run finds `placing` and cannot know whether the earlier call reached Bamboo, so
 * it asks Get Order first and only then sends Place Order again, with the same RequestId (Bamboo
 * answers `OrderAlreadyExists` for a second one: never a second vendor order).
 *
 * No transaction or row lock is held while Bamboo is asked: a short transaction takes the vendor
 * lease on every member (`leaseToken`: the job's id, so its retries hold it too), the calls run,
 * and another short transaction records the answer for every member still under that lease. A
 * database restart cannot abort a call, and the pool does not cap the calls in flight; the lease
 * keeps a duplicate job, reconciliation and operators off the members meanwhile.
 */
export async function placeWithVendor(ctx: FulfilmentContext, orderId: string, leaseToken: string = randomUUID()): Promise<PlaceOutcome> {
  const waiting = await waitForBreaker(ctx, orderId, leaseToken);
  if (waiting) return waiting;
  const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  await resumeOwnVendorOrders(ctx, order?.vendor_request_id ?? null, leaseToken);
  if (order?.status === 'placing') return placeAgain(ctx, order, leaseToken);
  if (order?.status !== 'pending') return 'skipped';
  // Sandbox orders (test money, the simulator) are bought alone: a partner's fault trigger names its own order.
  if (vendorFor(ctx, order) !== ctx.vendor || order.sandbox) {
    const claim = await withTransaction(ctx.db, (trx) => formVendorOrder(trx, order, order.id, leaseToken, leaseUntil(), { alone: true }));
    return claim && 'requestId' in claim ? sendVendorOrder(ctx, claim, leaseToken, { firstAttempt: true }) : 'skipped';
  }
  return planCheckout(ctx, order, leaseToken);
}

/**
 * The planner (docs/orders.md, Coalescing): offers the next checkout turn to the products whose
 * orders wait, oldest waiting order first, then to this order's own. The product that gets it is
 * bought at once, all its waiting orders in one vendor order. When no turn is free, this order
 * waits (from now on it may be coalesced), sleeping in the job for a short wait, else coming back as
 * a new job when the limiter says a turn frees.
 */
async function planCheckout(ctx: FulfilmentContext, order: OrderRow, leaseToken: string): Promise<PlaceOutcome> {
  let selfWaiting = order.checkout_waiting_since !== null;
  for (let round = 0; ; round += 1) {
    const waitingNow = await waitingKeys(ctx.db);
    const own = waitingNow.find((key) => sameKey(key, order));
    // A product is paced while several of its orders wait (this one not counted).
    const ownPaced = (own?.waiting ?? 0) - (selfWaiting ? 1 : 0) >= PACED_FROM_WAITING;
    const keys = [
      ...waitingNow.filter((key) => key !== own).map((key) => ({ key, paced: key.waiting >= PACED_FROM_WAITING })),
      { key: order, paced: ownPaced },
    ];
    let waitMs = 60_000;
    for (const { key, paced } of keys) {
      const formed = await withTransaction(ctx.db, (trx) =>
        formVendorOrder(trx, key, order.id, leaseToken, leaseUntil(), { takeTurn: () => ctx.vendor.tryCheckout(Number(key.product_id), { paced }) }),
      );
      // Nothing of this product left to buy now (another job holds or took them): no turn was
      // spent; ask again in a moment.
      if (!formed) {
        waitMs = Math.min(waitMs, 1_000);
        continue;
      }
      if (!('requestId' in formed)) {
        waitMs = Math.min(waitMs, formed.waitMs);
        // The checkout rate itself is busy: no product goes before it frees.
        if (formed.scope === 'checkout') break;
        continue;
      }
      const outcome = await sendVendorOrder(ctx, formed, leaseToken, { firstAttempt: true, turnTaken: true });
      await handOnTheTurn(ctx, key);
      if (formed.members.some((member) => member.id === order.id)) return outcome;
      waitMs = 0;
      break;
    }
    const stillPending = await ctx.db
      .updateTable('orders')
      .set({ checkout_waiting_since: sql<Date>`coalesce(checkout_waiting_since, now())` })
      .where('id', '=', order.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (stillPending.numUpdatedRows === 0n) return 'skipped';
    if (!selfWaiting) await orderStartedWaiting(ctx, order);
    selfWaiting = true;
    // Only the product's oldest waiting order keeps asking; the others are bought with it (and the
    // job that buys it hands the asking on, `handOnTheTurn`), so the jobs asking are one per product.
    if ((await oldestWaiting(ctx.db, order)) !== order.id) return 'waiting_for_checkout';
    if (waitMs <= SLEEP_FOR_TURN_MS && round < 2) {
      await sleep(waitMs);
      continue;
    }
    await ctx.jobs.enqueue(orderPlaceQueue, { orderId: order.id }, { startAfter: Math.max(1, Math.ceil(waitMs / 1000)) });
    return 'waiting_for_checkout';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * After a vendor order of `key` is formed (and committed): orders of the key still waiting (past
 * 500 cards, or held by another transaction meanwhile) get a place job for their oldest, which asks
 * for the next turn. Read after the commit, so an order marked waiting while the vendor order was
 * formed is seen here, or saw the vendor order's members no longer waiting and asks itself.
 */
async function handOnTheTurn(ctx: FulfilmentContext, key: VendorOrderKey): Promise<void> {
  const next = await oldestWaiting(ctx.db, key);
  if (next) await ctx.jobs.enqueue(orderPlaceQueue, { orderId: next }, { startAfter: 1 });
}

/**
 * A run of a place job whose earlier run (same job id, so same lease token) was killed while it
 * placed a vendor order for other buyers' orders: that vendor order is placed again first (Get
 * Order, then the same RequestId), so nothing it held waits for its lease to run out.
 */
async function resumeOwnVendorOrders(ctx: FulfilmentContext, ownRequestId: string | null, leaseToken: string): Promise<void> {
  const left = await ctx.db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'placing')
    .where('vendor_lease_token', '=', leaseToken)
    .$if(ownRequestId !== null, (query) => query.where('vendor_request_id', '!=', ownRequestId))
    .execute();
  const seen = new Set<string>();
  for (const member of left) {
    if (!member.vendor_request_id || seen.has(member.vendor_request_id)) continue;
    seen.add(member.vendor_request_id);
    await placeAgain(ctx, member, leaseToken);
  }
}

/** A vendor order already `placing` (a retry, a killed run, an operator): Get Order first, then the same RequestId. */
async function placeAgain(ctx: FulfilmentContext, order: OrderRow, leaseToken: string): Promise<PlaceOutcome> {
  const claim = await withTransaction(ctx.db, async (trx) => {
    const { quantity, members } = await lockVendorOrder(trx, order.vendor_request_id as string);
    const self = members.find((member) => member.id === order.id);
    if (self?.status !== 'placing') return undefined;
    if (leasedToOther(self, leaseToken)) throw new RetryLater(`order ${order.id} is with another worker until ${self.vendor_lease_until?.toISOString()}`);
    const placing = members.filter((member) => member.status === 'placing');
    await trx
      .updateTable('orders')
      .set({ ...takeLease(leaseToken), updated_at: new Date() })
      .where(
        'id',
        'in',
        placing.map((member) => member.id),
      )
      .execute();
    return { requestId: order.vendor_request_id as string, key: self, quantity, members: placing };
  });
  if (!claim) return 'skipped';
  return sendVendorOrder(ctx, claim, leaseToken, { firstAttempt: false });
}

/** Asks Bamboo to place a claimed vendor order and records the answer; the lease is given back if Bamboo gave none. */
async function sendVendorOrder(
  ctx: FulfilmentContext,
  claim: VendorOrderClaim,
  leaseToken: string,
  options: { firstAttempt: boolean; turnTaken?: boolean },
): Promise<PlaceOutcome> {
  const answer = await askVendorToPlace(ctx, claim, options).catch(async (error: unknown) => {
    // Nothing to record: give the vendor order back to whoever tries next (this job's retry, reconciliation).
    await releaseLease(ctx, leaseToken);
    throw error;
  });
  return recordPlaceAnswer(ctx, claim.requestId, leaseToken, answer);
}

/**
 * While the vendor breaker holds placements (src/domain/vendor/breaker.ts), the order waits: its
 * place job comes back when the cool-down ends (a new job, so waiting burns none of its retries).
 * Its deadline counts: an order never sent to Bamboo by then is released (its money back), since
 * the vendor could not fill it in time. An order already `placing` keeps waiting (Bamboo may have it);
 * a lease this job still holds on it (its worker was killed mid-call, and this is the retry) is given
 * back, since the job that comes back has another id and would find the order leased to "another
 * worker" for the rest of the lease. Undefined when the placement may go ahead (also for sandbox
 * orders bought from the simulator).
 */
async function waitForBreaker(ctx: FulfilmentContext, orderId: string, leaseToken: string): Promise<PlaceOutcome | undefined> {
  const order = await ctx.db.selectFrom('orders').select(['id', 'status', 'sandbox', 'deadline_at']).where('id', '=', orderId).executeTakeFirst();
  if (!order || (order.status !== 'pending' && order.status !== 'placing') || vendorFor(ctx, order) !== ctx.vendor) return undefined;
  const admission = await ctx.vendorBreaker.admit();
  if (admission.allowed) return undefined;
  if (order.status === 'pending' && new Date() >= order.deadline_at) {
    return (await failOrder(ctx, orderId, 'vendor_unavailable', { onlyFrom: ['pending'] })) ? 'failed' : 'skipped';
  }
  const startAfter = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
  await releaseLease(ctx, leaseToken);
  await ctx.jobs.enqueue(orderPlaceQueue, { orderId }, { startAfter });
  ctx.logger.info({ orderId, breaker: admission.state, startAfter }, 'vendor breaker holds placements: the order waits');
  return 'waiting_for_vendor';
}

/** The vendor calls of one placement, outside any transaction; throws RetryLater when Bamboo cannot say. */
async function askVendorToPlace(
  ctx: FulfilmentContext,
  claim: VendorOrderClaim,
  options: { firstAttempt: boolean; turnTaken?: boolean },
): Promise<PlaceAnswer> {
  const { requestId, key } = claim;
  const vendor = vendorFor(ctx, key);
  if (!options.firstAttempt) {
    const existing = await vendor.lookupOrder(requestId);
    if (existing.kind === 'found') return { kind: 'has', vendorOrder: existing.order };
    // Only Bamboo's own "no such order" makes sending the same RequestId again the next step.
    if (existing.kind === 'unknown') throw new RetryLater(`Bamboo could not say whether it has vendor order ${requestId} (${existing.cause})`);
  }
  const result = await vendor.placeOrder(
    { requestId, lines: [{ productId: Number(key.product_id), quantity: claim.quantity, faceValue: money(key.face_minor, key.face_currency) }] },
    { turnTaken: options.turnTaken === true },
  );
  if (result.kind === 'accepted') return { kind: 'accepted' };
  if (result.kind === 'rejected') {
    if (result.retryable) throw new RetryLater(`Bamboo asks to retry vendor order ${requestId} later (${result.reason})`);
    return { kind: 'rejected', reason: result.reason };
  }
  // Unknown: the order may or may not exist at Bamboo. Ask; if Bamboo has none (or cannot say),
  // the retry asks again and sends the same RequestId again.
  const found = await vendor.lookupOrder(requestId);
  if (found.kind === 'found') return { kind: 'has', vendorOrder: found.order };
  throw new RetryLater(`Bamboo outcome of vendor order ${requestId} unknown (${result.cause}) and not found yet (${found.kind})`);
}

/** Records a placement's answer for every member still `placing` under our lease, and gives the lease back. */
async function recordPlaceAnswer(ctx: FulfilmentContext, requestId: string, leaseToken: string, answer: PlaceAnswer): Promise<PlaceOutcome> {
  return withTransaction(ctx.db, async (trx) => {
    const { members } = await lockVendorOrder(trx, requestId);
    // Someone took over after our lease ran out: their answer counts, ours is stale.
    const ours = members.filter((member) => member.status === 'placing' && member.vendor_lease_token === leaseToken);
    if (ours.length === 0) return 'skipped';
    await giveBackLease(trx, ours);
    const step: FulfilmentContext = { ...ctx, db: trx };
    if (answer.kind === 'rejected') {
      for (const member of ours) await failOrder(step, member.id, `vendor_rejected:${answer.reason}`, { onlyFrom: ['placing'] });
      return 'failed';
    }
    if (answer.kind === 'has' && answer.vendorOrder.final) {
      await finishOrder(step, (ours[0] as OrderRow).id, answer.vendorOrder);
      return 'finished';
    }
    await markProcessing(step, trx, ours, answer.kind === 'has' ? answer.vendorOrder.orderId : null);
    return 'placed';
  });
}

/**
 * The members become `processing`; only the oldest gets the first poll of the backoff chain: one
 * chain per vendor order, whose polls finish every member (one Get Order for the vendor order).
 */
async function markProcessing(ctx: FulfilmentContext, trx: Transaction<DB>, members: readonly OrderRow[], vendorOrderId: number | null): Promise<void> {
  for (const member of members) {
    await trx
      .updateTable('orders')
      .set({ status: 'processing', vendor_order_id: vendorOrderId === null ? null : BigInt(vendorOrderId), updated_at: new Date() })
      .where('id', '=', member.id)
      .execute();
    await recordTransition(trx, member.id, 'processing', vendorOrderId === null ? undefined : { vendorOrderId });
  }
  const [lead] = members;
  if (!lead) return;
  // Bamboo's completion callback is the primary signal (it triggers a poll of its own); this first
  // poll of the backoff chain (`pollCount: 0`) is there for a late or lost callback.
  const delay = await firstPollDelaySeconds(trx, ctx.config, lead.id);
  await ctx.jobs.enqueue(orderPollQueue, { orderId: lead.id, pollCount: 0 }, { db: trx, ...(delay > 0 ? { startAfter: delay } : {}) });
}

/**
 * Seconds from `processing` to the first poll: 1.5 × the p90 of how long Bamboo's completion
 * callback took for the last orders (of the same sandbox-ness: another vendor), plus a second for
 * jitter, within ORDER_FIRST_POLL_MIN/MAX_SECONDS; the minimum while there is no such history. So
 * when callbacks arrive, nearly every order is finished by its callback's poll and the first poll
 * finds it final without asking Bamboo; when they stop arriving, orders still finish by polling.
 */
export async function firstPollDelaySeconds(
  db: Kysely<DB>,
  config: Pick<FulfilmentContext['config'], 'ORDER_FIRST_POLL_MIN_SECONDS' | 'ORDER_FIRST_POLL_MAX_SECONDS'>,
  orderId: string,
): Promise<number> {
  const min = config.ORDER_FIRST_POLL_MIN_SECONDS;
  const max = Math.max(min, config.ORDER_FIRST_POLL_MAX_SECONDS);
  if (max === 0) return 0;
  const order = await db.selectFrom('orders').select(['sandbox', 'vendor_callback_ms']).where('id', '=', orderId).executeTakeFirstOrThrow();
  // Bamboo's callback came before we recorded the placement (handleVendorCallback): poll at once.
  if (order.vendor_callback_ms !== null) return 0;
  const recent = await recentCompletionLatency(db, order.sandbox);
  if (!recent) return min;
  return Math.min(max, Math.max(min, Math.ceil((1.5 * recent.p90Ms + 1000) / 1000)));
}

export type PollOutcome = 'finished' | 'waiting' | 'past_deadline' | 'needs_attention' | 'skipped';

/**
 * The poll job. `pollCount` orders the backoff chain: only the run that advances the order's
 * poll_count from `pollCount` schedules the next poll, so a duplicate job (or a callback-triggered
 * poll, which has no count) never forks the chain. An answer that is not an order (unknown, or
 * Bamboo not showing the order yet) is polled again; "not found" still at the deadline sends the
 * order to `needs_attention`.
 */
export async function pollVendorOrder(ctx: FulfilmentContext, orderId: string, pollCount: number | undefined, now = new Date()): Promise<PollOutcome> {
  const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!order || order.status !== 'processing' || !order.vendor_request_id) return 'skipped';
  // Bamboo's callback came a moment ago, while the order was `processing` (so it sent a poll of its
  // own): that poll asks Bamboo (and may still be finishing a large vendor order); this link of the
  // chain asks nothing and only comes again later.
  const callbackPolling =
    pollCount !== undefined &&
    (order.vendor_callback_ms ?? 0) > 0 &&
    order.vendor_callback_at !== null &&
    now.getTime() - order.vendor_callback_at.getTime() < CALLBACK_POLL_GRACE_MS;
  const lookup = callbackPolling ? undefined : await vendorFor(ctx, order).lookupOrder(order.vendor_request_id);
  if (!lookup) {
    await schedulePoll(ctx, orderId, pollCount as number);
    return 'waiting';
  }
  if (lookup.kind === 'found' && lookup.order.final) {
    return (await finishOrder(ctx, orderId, lookup.order)) === 'needs_attention' ? 'needs_attention' : 'finished';
  }
  if (lookup.kind === 'unknown') ctx.logger.warn({ orderId, cause: lookup.cause }, 'Get Order gave no usable answer; polling later');
  if (now >= order.deadline_at) {
    if (lookup.kind === 'not_found' && (await moveToNeedsAttention(ctx, orderId, 'vendor_lost_order', { from: ['processing'] }))) return 'needs_attention';
    ctx.logger.warn({ orderId }, 'order past its deadline: left to reconciliation');
    return 'past_deadline';
  }
  if (lookup.kind === 'not_found') ctx.logger.warn({ orderId }, 'Bamboo does not show an order it accepted (yet); polling again');
  if (pollCount !== undefined) await schedulePoll(ctx, orderId, pollCount);
  return 'waiting';
}

/** How long after Bamboo's callback the poll chain leaves Get Order to the callback's poll. */
const CALLBACK_POLL_GRACE_MS = 15_000;

/** The next link of the poll chain, only from the run that advances `poll_count` from `pollCount`. */
async function schedulePoll(ctx: FulfilmentContext, orderId: string, pollCount: number): Promise<void> {
  await withTransaction(ctx.db, async (trx) => {
    const advanced = await trx
      .updateTable('orders')
      .set({ poll_count: pollCount + 1 })
      .where('id', '=', orderId)
      .where('poll_count', '=', pollCount)
      .where('status', '=', 'processing')
      .executeTakeFirst();
    if (advanced.numUpdatedRows === 0n) return;
    await ctx.jobs.enqueue(orderPollQueue, { orderId, pollCount: pollCount + 1 }, { db: trx, startAfter: pollDelaySeconds(pollCount) });
  });
}

const isStatus = (card: Card, status: 'Sold' | 'Failed') => card.status.trim().toLowerCase() === status.toLowerCase();
const hasCode = (card: Card) => card.cardCode !== null && card.cardCode.trim() !== '';

/**
 * The cards Bamboo delivered for a final order: only `Sold` cards with a non-empty code. A card list
 * that contradicts the order is not settled at all (`problem`): cards of another product, more cards
 * than ordered, a Sold card without a code, a card neither Sold nor Failed, `Succeeded` without
 * every card, `Failed` with a Sold card, `PartialFailed` whose cards do not add up, or a charge for
 * no card.
 */
export function readDeliveredCards(
  order: Pick<OrderRow, 'product_id' | 'quantity'>,
  vendorOrder: VendorOrder,
): { delivered: Card[]; problem?: undefined } | { problem: string; delivered?: undefined } {
  const cards = vendorOrder.items.flatMap((item) => item.cards);
  if (vendorOrder.items.some((item) => item.productId !== Number(order.product_id) && item.cards.length > 0)) return { problem: 'cards of another product' };
  if (cards.length > order.quantity) return { problem: `${cards.length} cards for ${order.quantity} ordered` };
  const sold = cards.filter((card) => isStatus(card, 'Sold'));
  const failed = cards.filter((card) => isStatus(card, 'Failed'));
  if (sold.some((card) => !hasCode(card))) return { problem: 'a Sold card without a code' };
  if (sold.length + failed.length < cards.length) return { problem: 'a card neither Sold nor Failed in a final order' };
  if (vendorOrder.final === 'Succeeded' && sold.length !== order.quantity) return { problem: `Succeeded with ${sold.length} of ${order.quantity} cards` };
  if (vendorOrder.final === 'Failed' && sold.length > 0) return { problem: `Failed with ${sold.length} Sold cards` };
  if (vendorOrder.final === 'PartialFailed' && (sold.length === 0 || sold.length + failed.length !== order.quantity))
    return { problem: `PartialFailed with ${sold.length} Sold and ${failed.length} Failed of ${order.quantity} cards` };
  if (sold.length === 0 && vendorOrder.total.amount !== 0n) return { problem: `charged ${formatMoney(vendorOrder.total)} for no card` };
  return { delivered: sold };
}

const eventFor: Record<'completed' | 'partially_completed' | 'failed', OrderEventType> = {
  completed: 'order.completed',
  partially_completed: 'order.partially_completed',
  failed: 'order.failed',
};

/**
 * Finishes an order from Bamboo's final answer, with every other open member of its vendor order,
 * in one transaction (so a worker killed between Bamboo's answer and the allocation loses and doubles
 * nothing: the next run finds them all open or all finished). The vendor order's card list is
 * checked as a whole; the delivered cards are allocated oldest member first (`allocateCards`), and
 * each open member is settled from its share: cards stored encrypted; the delivered cards' price
 * settled (clearing → vendor payable for its part of Bamboo's total, revenue for the rest, the
 * agent's share accrued); its undelivered cards' price refunded; its event enqueued. Members that
 * are final or wait for an operator are left as they are (their share is the same every time).
 * Returns the status of `orderId`.
 */
export async function finishOrder(ctx: FulfilmentContext, orderId: string, vendorOrder: VendorOrder): Promise<OrderStatus> {
  return withTransaction(ctx.db, async (trx) => {
    const requestId = (await trx.selectFrom('orders').select('vendor_request_id').where('id', '=', orderId).executeTakeFirst())?.vendor_request_id;
    if (requestId === undefined) throw new Error(`order ${orderId} vanished`);
    const { quantity, members } = requestId === null ? { quantity: 0, members: [] } : await lockVendorOrder(trx, requestId);
    const order = members.find((member) => member.id === orderId) ?? (await lockOrder(trx, orderId));
    if (!order) throw new Error(`order ${orderId} vanished`);
    // Final, or waiting for an operator: Bamboo's answer changes nothing for it now.
    const open = members.filter(isOpen);
    if (!isOpen(order) && (isFinal(order.status) || order.status === 'needs_attention') && open.length === 0) return order.status;
    // Only an order Bamboo has (it was sent) can finish from Bamboo's answer.
    if (!isOpen(order) && !isFinal(order.status) && order.status !== 'needs_attention')
      throw new Error(`order ${orderId} is ${order.status}: it was never sent to the vendor`);
    const step: FulfilmentContext = { ...ctx, db: trx };
    const read = readDeliveredCards({ product_id: order.product_id, quantity }, vendorOrder);
    if (read.problem !== undefined) {
      for (const member of open) await needsAttention(step, member, 'vendor_cards_contradict', { vendorStatus: vendorOrder.status, problem: read.problem });
      return isOpen(order) ? 'needs_attention' : order.status;
    }
    const shares = allocateCards(members, read.delivered, vendorOrder.total);
    let status = order.status;
    for (const member of open) {
      const share = shares.find((candidate) => candidate.orderId === member.id) as MemberShare;
      const settled = await settleMember(step, trx, member, share, vendorOrder);
      if (member.id === orderId) status = settled;
    }
    return status;
  });
}

/** One member's part of a final vendor order, settled under its row lock (finishOrder). */
async function settleMember(ctx: FulfilmentContext, trx: Transaction<DB>, order: OrderRow, share: MemberShare, vendorOrder: VendorOrder): Promise<OrderStatus> {
  const keyring = cardKeyring(ctx.config);
  const orderId = order.id;
  const cards = share.cards;
  const delivered = cards.length;
  const status: 'completed' | 'partially_completed' | 'failed' =
    delivered === order.quantity ? 'completed' : delivered === 0 ? 'failed' : 'partially_completed';

  for (const card of cards) {
    const boundTo = `${orderId}:${card.id}`;
    await trx
      .insertInto('order_cards')
      .values({
        order_id: orderId,
        vendor_card_id: BigInt(card.id),
        serial_number: card.serialNumber,
        code_encrypted: card.cardCode === null ? null : encryptCardValue(keyring, card.cardCode, `${boundTo}:code`),
        pin_encrypted: card.pin === null ? null : encryptCardValue(keyring, card.pin, `${boundTo}:pin`),
        key_id: keyring.currentKeyId,
        expires_at: card.expiresAt,
      })
      .onConflict((conflict) => conflict.columns(['order_id', 'vendor_card_id']).doNothing())
      .execute();
  }

  const currency = order.currency;
  // A sandbox order's test money settles into the sandbox twins (docs/money.md, Sandbox money).
  const clearing = bookAccountId('order_clearing', currency, order);
  const deliveredPrice = order.unit_price_minor * BigInt(delivered);
  const revenueShare = order.revenue_share_unit_minor * BigInt(delivered);
  if (delivered > 0) {
    const vendorCost: Money =
      share.vendorCost.currency === currency ? share.vendorCost : (await convertWithStoredRate(trx, share.vendorCost, currency)).converted;
    // Clearing gives up the delivered cards' price minus the agent's share (accrued below).
    const entries: EntryInput[] = [
      { ledgerAccountId: clearing, amount: money(-(deliveredPrice - revenueShare), currency) },
      { ledgerAccountId: bookAccountId('vendor_payable', currency, order), amount: vendorCost },
      { ledgerAccountId: bookAccountId('revenue', currency, order), amount: money(deliveredPrice - revenueShare - vendorCost.amount, currency) },
    ].filter((entry) => entry.amount.amount !== 0n);
    if (entries.length >= 2) {
      await transfer(trx, {
        idempotencyKey: `order-settle:${orderId}`,
        kind: 'order_settle',
        entries,
        metadata: { orderId, orderNumber: formatOrderNumber(order.number), cards: delivered, vendorTotal: formatMoney(share.vendorCost) },
        actor: system,
      });
    }
    const buyer = await getAccount(trx, order.buyer_id);
    if (buyer.role === 'sub_agent' && revenueShare > 0n) {
      await recordRevenueShareAccrual(trx, { orderId, subAgentId: buyer.id, amount: money(revenueShare, currency), completedAt: new Date(), actor: system });
    }
  }
  const refund = order.unit_price_minor * BigInt(order.quantity - delivered);
  if (refund > 0n) await returnMoney(trx, order, refund, 'order_refund');

  await trx
    .updateTable('orders')
    .set({
      status,
      cards_delivered: delivered,
      vendor_order_id: BigInt(vendorOrder.orderId),
      vendor_total_minor: share.vendorCost.amount,
      vendor_currency: share.vendorCost.currency,
      failure_reason: status === 'failed' ? `vendor_${vendorOrder.final ?? 'failed'}` : null,
      finished_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', orderId)
    .execute();
  await recordTransition(trx, orderId, status, { vendorStatus: vendorOrder.status, cards: delivered, refunded: formatMoney(money(refund, currency)) });
  await ctx.jobs.enqueue(orderEventsQueue, { orderId, type: eventFor[status] }, { db: trx });
  return status;
}

/** The lease of these members (taken by this caller) given back, in the caller's transaction. */
async function giveBackLease(trx: Transaction<DB>, members: readonly OrderRow[]): Promise<void> {
  if (members.length === 0) return;
  await trx
    .updateTable('orders')
    .set(noLease)
    .where(
      'id',
      'in',
      members.map((member) => member.id),
    )
    .execute();
}

/** The one money-back transfer of an order (clearing → wallet); its key makes it happen at most once. */
async function returnMoney(trx: Kysely<DB>, order: OrderRow, amount: bigint, kind: 'order_refund' | 'order_release'): Promise<void> {
  await transfer(trx, {
    idempotencyKey: `order-return:${order.id}`,
    kind,
    entries: [
      { ledgerAccountId: bookAccountId('order_clearing', order.currency, order), amount: money(-amount, order.currency) },
      { ledgerAccountId: walletId(order.buyer_id), amount: money(amount, order.currency) },
    ],
    metadata: { orderId: order.id, orderNumber: formatOrderNumber(order.number) },
    actor: system,
  });
}

/**
 * Fails an order and returns its whole hold to the buyer. `onlyFrom` names the states this caller
 * may fail it from (a rejection only fails an order still `placing`).
 */
export async function failOrder(ctx: FulfilmentContext, orderId: string, reason: string, options: { onlyFrom: OrderStatus[] }): Promise<boolean> {
  return withTransaction(ctx.db, async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (!order || !options.onlyFrom.includes(order.status)) return false;
    // Released: Bamboo never took it; refunded: it may have (accepted, or an operator's decision).
    await returnMoney(trx, order, order.total_minor, order.status === 'pending' || order.status === 'placing' ? 'order_release' : 'order_refund');
    await trx
      .updateTable('orders')
      .set({ status: 'failed', cards_delivered: 0, failure_reason: reason, finished_at: new Date(), updated_at: new Date() })
      .where('id', '=', orderId)
      .execute();
    await recordTransition(trx, orderId, 'failed', { reason });
    await ctx.jobs.enqueue(orderEventsQueue, { orderId, type: 'order.failed' }, { db: trx });
    return true;
  });
}

/** Why an order needs an operator (`failure_reason` stays empty: the order has not failed). */
export type AttentionReason = 'vendor_lost_order' | 'vendor_cards_contradict';

/**
 * Moves a locked, open order to `needs_attention`: the money stays held in order clearing, the
 * transition says why, and the admins are told (a `order.needs_attention` event recorded in the
 * same transaction).
 */
async function needsAttention(ctx: FulfilmentContext, order: OrderRow, reason: AttentionReason, detail: Record<string, string> = {}): Promise<void> {
  await ctx.db.updateTable('orders').set({ status: 'needs_attention', updated_at: new Date() }).where('id', '=', order.id).execute();
  await recordTransition(ctx.db, order.id, 'needs_attention', { reason, from: order.status, ...detail });
  await ctx.events.record(ctx.db, { type: 'order.needs_attention', orderId: order.id, number: formatOrderNumber(order.number), reason });
  ctx.logger.error({ orderId: order.id, reason, ...detail }, 'order needs an operator: money held until resolved');
}

/**
 * `needsAttention` for every member of the order's vendor order that is in one of `from`, under
 * their row locks; false when none is.
 */
async function moveToNeedsAttention(ctx: FulfilmentContext, orderId: string, reason: AttentionReason, options: { from: OrderStatus[] }): Promise<boolean> {
  return withTransaction(ctx.db, async (trx) => {
    const order = await trx.selectFrom('orders').select('vendor_request_id').where('id', '=', orderId).executeTakeFirst();
    if (!order?.vendor_request_id) return false;
    const { members } = await lockVendorOrder(trx, order.vendor_request_id);
    const moving = members.filter((member) => options.from.includes(member.status));
    for (const member of moving) await needsAttention({ ...ctx, db: trx }, member, reason);
    return moving.length > 0;
  });
}

/**
 * An operator says Bamboo has a `needs_attention` order: it goes back to `processing` with a new
 * deadline and a poll at once, so its cards are delivered and settled the normal way. False when the
 * order is not (or no longer) `needs_attention`.
 */
export async function resumePolling(ctx: FulfilmentContext, orderId: string, detail: Record<string, string>): Promise<boolean> {
  return withTransaction(ctx.db, async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (order?.status !== 'needs_attention' || !order.vendor_request_id) return false;
    const deadline = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000);
    await trx
      .updateTable('orders')
      .set({ status: 'processing', poll_count: 0, deadline_at: deadline, updated_at: new Date() })
      .where('id', '=', orderId)
      .execute();
    await recordTransition(trx, orderId, 'processing', detail);
    await ctx.jobs.enqueue(orderPollQueue, { orderId, pollCount: 0 }, { db: trx });
    return true;
  });
}

export type ResolveOutcome = 'finished' | 'processing' | 'needs_attention' | 'open' | 'unknown' | 'skipped';

/**
 * Settles an open, sent order against Get Order, with the other members of its vendor order (one
 * Get Order for them all): a final answer `accept`s → finished; Bamboo has it still working → open
 * (`placing` members become `processing` and are polled); Bamboo's "no such order" →
 * `needs_attention` (its checkout may have reached Bamboo: never refunded automatically); no usable
 * answer → unknown, left as it is. Used by reconciliation and the operator refund.
 */
export async function resolveWithVendor(
  ctx: FulfilmentContext,
  orderId: string,
  options: { accept?: (vendorOrder: VendorOrder) => boolean } = {},
): Promise<ResolveOutcome> {
  const accept = options.accept ?? ((vendorOrder: VendorOrder) => vendorOrder.final !== undefined);
  // Like a placement: take the vendor lease on the members, ask Bamboo outside any transaction,
  // record the answer if the lease is still ours. A placement in flight holds the lease: left open.
  const leaseToken = randomUUID();
  const order = await withTransaction(ctx.db, async (trx) => {
    const requestId = (await trx.selectFrom('orders').select('vendor_request_id').where('id', '=', orderId).executeTakeFirst())?.vendor_request_id;
    if (!requestId) return 'skipped' as const;
    const { members } = await lockVendorOrder(trx, requestId);
    const locked = members.find((member) => member.id === orderId);
    if (!locked || !isOpen(locked)) return 'skipped' as const;
    if (leasedToOther(locked, leaseToken)) return 'busy' as const;
    await trx
      .updateTable('orders')
      .set(takeLease(leaseToken))
      .where(
        'id',
        'in',
        members.filter(isOpen).map((member) => member.id),
      )
      .execute();
    return locked;
  });
  if (order === 'skipped') return 'skipped';
  if (order === 'busy') return 'open';
  const requestId = order.vendor_request_id as string;
  const lookup = await vendorFor(ctx, order)
    .lookupOrder(requestId)
    .catch(async (error: unknown) => {
      await releaseLease(ctx, leaseToken);
      throw error;
    });
  return withTransaction(ctx.db, async (trx) => {
    const { members } = await lockVendorOrder(trx, requestId);
    const current = members.find((member) => member.id === orderId);
    if (!current || current.vendor_lease_token !== leaseToken || current.status !== order.status) return 'skipped';
    const ours = members.filter((member) => isOpen(member) && member.vendor_lease_token === leaseToken);
    await giveBackLease(trx, ours);
    const step: FulfilmentContext = { ...ctx, db: trx };
    if (lookup.kind === 'unknown') {
      ctx.logger.warn({ orderId, cause: lookup.cause }, 'Get Order gave no usable answer; the order is left as it is');
      return 'unknown';
    }
    if (lookup.kind === 'not_found') {
      for (const member of ours) await needsAttention(step, member, 'vendor_lost_order');
      return 'needs_attention';
    }
    const vendorOrder = lookup.order;
    if (vendorOrder.final && accept(vendorOrder)) {
      const status = await finishOrder(step, orderId, vendorOrder);
      return status === 'needs_attention' ? 'needs_attention' : 'finished';
    }
    const placing = ours.filter((member) => member.status === 'placing');
    if (placing.length > 0 && !vendorOrder.final) {
      // Bamboo has it and is working on it: the poll chain takes it from here.
      await markProcessing(step, trx, placing, vendorOrder.orderId);
      return 'processing';
    }
    return 'open';
  });
}

/** Gives a lease back without recording anything (the vendor call failed before it answered, or the breaker holds placements). */
async function releaseLease(ctx: FulfilmentContext, leaseToken: string): Promise<void> {
  const released = await ctx.db
    .updateTable('orders')
    .set(noLease)
    .where('vendor_lease_token', '=', leaseToken)
    .returning(['id', 'status', 'vendor_request_id'])
    .execute();
  // A vendor order left `placing` may have been formed for other buyers' orders (their own jobs
  // have ended): a place job for one member takes it up (Get Order, then the same RequestId).
  const placing = new Map(
    released.filter((order) => order.status === 'placing' && order.vendor_request_id).map((order) => [order.vendor_request_id, order.id]),
  );
  for (const orderId of placing.values()) await ctx.jobs.enqueue(orderPlaceQueue, { orderId }, { startAfter: 2 });
}
