// Resolving orders that did not finish on their own (docs/product.md#orders): past their deadline, or stuck in
// `pending` (the place job lost). Each is resolved against Get Order with its RequestId: finished
// from Bamboo's final answer, `needs_attention` (never an automatic refund) when Bamboo says it has
// no such order, left alone (and reported) while Bamboo still works or gives no usable answer.
// Never both finished and refunded: both paths lock the order.
// Also: Bamboo's completion callback, which only triggers a poll.
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { verifyOrderCallback } from '../../integrations/bamboo/callback.ts';
import { formatMoney, money } from '../../shared/money.ts';
import { resolveWithVendor, type FulfilmentContext } from './fulfilment.ts';
import { orderPlaceQueue, orderPollQueue } from './queues.ts';
import { isUuid } from '../../shared/ids.ts';

/** A pending order older than this had its place job lost: it is enqueued again. */
const PENDING_GRACE_MS = 2 * 60_000;

export interface ReconciliationReport {
  requeued: number;
  finished: number;
  /** Sent to an operator: Bamboo has no such order, or its cards contradict the order. */
  needsAttention: number;
  stillOpen: string[];
}

export async function reconcileOrders(ctx: FulfilmentContext, now = new Date(), limit = 200): Promise<ReconciliationReport> {
  const report: ReconciliationReport = { requeued: 0, finished: 0, needsAttention: 0, stillOpen: [] };
  const open = await ctx.db
    .selectFrom('orders')
    .select(['id', 'status', 'vendor_request_id'])
    .where('status', 'in', ['pending', 'placing', 'processing'])
    .where((eb) =>
      eb.or([eb('deadline_at', '<=', now), eb.and([eb('status', '=', 'pending'), eb('created_at', '<=', new Date(now.getTime() - PENDING_GRACE_MS))])]),
    )
    .orderBy('deadline_at')
    .limit(limit)
    .execute();
  // One vendor order answers for all its members: asked once per RequestId.
  const asked = new Set<string>();
  for (const order of open) {
    if (order.vendor_request_id && order.status !== 'pending') {
      if (asked.has(order.vendor_request_id)) continue;
      asked.add(order.vendor_request_id);
    }
    if (order.status === 'pending' || !order.vendor_request_id) {
      // Never sent to Bamboo: placing it is safe (the place job claims it under a lock).
      await ctx.jobs.enqueue(orderPlaceQueue, { orderId: order.id });
      report.requeued += 1;
      continue;
    }
    try {
      const outcome = await resolveWithVendor(ctx, order.id);
      if (outcome === 'finished') report.finished += 1;
      else if (outcome === 'needs_attention') report.needsAttention += 1;
      else if (outcome !== 'skipped') report.stillOpen.push(order.id);
    } catch (error) {
      // One order Bamboo cannot answer for now (rate limit, outage) does not stop the others.
      ctx.logger.error({ err: error, orderId: order.id }, 'reconciliation could not resolve the order; next run tries again');
      report.stillOpen.push(order.id);
    }
  }
  if (report.stillOpen.length > 0) ctx.logger.warn({ orders: report.stillOpen }, 'orders past their deadline that Bamboo is still working on');
  return report;
}

export type CallbackResult = { ok: true; orderId: string | null } | { ok: false; reason: 'malformed' | 'bad_secret' };

/**
 * Bamboo's completion callback: the secret checked in constant time, then only a poll of the order
 * (the callback is never trusted for the outcome). Unknown, duplicate and late callbacks are
 * accepted and change nothing but the record of when the first one came: how long after
 * `processing` (`vendor_callback_ms`, also when a poll finished the order first, so slow callbacks
 * count), which times the first poll of later orders (fulfilment.ts, `firstPollDelaySeconds`).
 */
export async function handleVendorCallback(ctx: Pick<AppContext, 'db' | 'jobs' | 'config'>, body: unknown): Promise<CallbackResult> {
  const checked = verifyOrderCallback(body, ctx.config.BAMBOO_CALLBACK_SECRET ?? '');
  if (!checked.ok) return checked;
  if (!isUuid(checked.callback.requestId)) return { ok: true, orderId: null };
  // The callback's latency times later first polls (fulfilment.ts); its arrival is what the daily
  // check counts (src/domain/vendor/notifications.ts). The first callback of an order is kept.
  const members = await ctx.db
    .updateTable('orders')
    .set({
      // 0 for a callback that beats our record of the placement (still `placing`): its first poll comes at once.
      vendor_callback_ms: sql<number>`coalesce(vendor_callback_ms, (${callbackMsSinceProcessing}), 0)`,
      vendor_callback_at: sql<Date>`coalesce(vendor_callback_at, now())`,
    })
    .where('vendor_request_id', '=', checked.callback.requestId)
    .returning(['id', 'status'])
    .execute();
  // The members of one vendor order share its RequestId: one poll finishes them all.
  const [order] = members.sort((a, b) => a.id.localeCompare(b.id));
  if (!order) return { ok: true, orderId: null };
  const processing = members.find((member) => member.status === 'processing');
  if (processing) await ctx.jobs.enqueue(orderPollQueue, { orderId: processing.id });
  return { ok: true, orderId: order.id };
}

/** Ms from the order's latest `processing` transition to now (null before it has one), capped at a day. */
const callbackMsSinceProcessing = sql`
  select least(86400000, greatest(0, round(extract(epoch from now() - max(t.at)) * 1000)))::integer
  from order_transitions t where t.order_id = orders.id and t.status = 'processing'`;

export interface VendorDifference {
  kind: 'unknown_to_us' | 'missing_at_vendor' | 'amount_mismatch';
  requestId: string;
  orderId: string | null;
  /** What Bamboo's transactions say it charged net (charges minus refunds), and what we recorded. */
  vendorCharged: string | null;
  weRecorded: string | null;
}

/**
 * The daily comparison of our orders with Bamboo's transactions report for one UTC day
 * (YYYY-MM-DD): every RequestId Bamboo charged must be one of our orders, every order we settled
 * must be charged there, and the net charge (orders minus refunds) must equal the vendor total we
 * recorded. Differences are returned and logged for an operator; nothing is changed.
 */
export async function compareWithVendorTransactions(ctx: FulfilmentContext, day: string): Promise<VendorDifference[]> {
  const start = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(start.getTime())) throw new Error(`not a day: ${day}`);
  const end = new Date(start.getTime() + 86_400_000);
  const transactions = await ctx.vendor.getTransactions({ startDate: day, endDate: day });
  const charged = new Map<string, { amount: bigint; currency: string }>();
  for (const txn of transactions) {
    if (!txn.requestId || !txn.amount) continue;
    const requestId = txn.requestId.trim().toLowerCase();
    const sum = charged.get(requestId) ?? { amount: 0n, currency: txn.amount.currency };
    // Bamboo's amounts are signed from its side: an order is negative, a refund positive.
    sum.amount -= txn.amount.amount;
    charged.set(requestId, sum);
  }
  const chargedIds = [...charged.keys()].filter((id) => isUuid(id));
  const ours = await ctx.db
    .selectFrom('orders')
    .select(['id', 'vendor_request_id', 'status', 'vendor_total_minor', 'vendor_currency', 'cards_delivered'])
    .where('vendor_request_id', 'is not', null)
    // Sandbox orders are bought from the simulator, not from the vendor whose report this is.
    .$if(ctx.config.VENDOR !== 'simulator', (query) => query.where('sandbox', '=', false))
    .where((eb) =>
      eb.or([
        eb.and([eb('created_at', '>=', start), eb('created_at', '<', end)]),
        ...(chargedIds.length > 0 ? [eb('vendor_request_id', 'in', chargedIds)] : []),
      ]),
    )
    .execute();
  // A vendor order's members share its RequestId; their recorded shares add up to Bamboo's total.
  const byRequest = new Map<string, { id: string; final: boolean; recorded: bigint; currency: string | null; cardsDelivered: number }>();
  for (const order of ours) {
    const requestId = (order.vendor_request_id as string).toLowerCase();
    const sum = byRequest.get(requestId) ?? { id: order.id, final: true, recorded: 0n, currency: null, cardsDelivered: 0 };
    sum.final &&= ['completed', 'partially_completed', 'failed'].includes(order.status);
    if ((order.cards_delivered ?? 0) > 0) {
      sum.recorded += order.vendor_total_minor ?? 0n;
      sum.currency ??= order.vendor_currency;
    }
    sum.cardsDelivered += order.cards_delivered ?? 0;
    byRequest.set(requestId, sum);
  }
  const differences: VendorDifference[] = [];
  const show = (amount: bigint, currency: string) => formatMoney(money(amount, currency));
  for (const [requestId, vendor] of charged) {
    const order = byRequest.get(requestId);
    if (!order) {
      differences.push({ kind: 'unknown_to_us', requestId, orderId: null, vendorCharged: show(vendor.amount, vendor.currency), weRecorded: null });
      continue;
    }
    // Orders still open are settled later: compared on the day they are created once final.
    if (!order.final) continue;
    const recorded = order.recorded;
    if (recorded !== vendor.amount || (recorded !== 0n && order.currency !== vendor.currency)) {
      differences.push({
        kind: 'amount_mismatch',
        requestId,
        orderId: order.id,
        vendorCharged: show(vendor.amount, vendor.currency),
        weRecorded: show(recorded, order.currency ?? vendor.currency),
      });
    }
  }
  for (const [requestId, order] of byRequest) {
    if (charged.has(requestId) || order.cardsDelivered === 0) continue;
    differences.push({
      kind: 'missing_at_vendor',
      requestId,
      orderId: order.id,
      vendorCharged: null,
      weRecorded: show(order.recorded, order.currency ?? 'USD'),
    });
  }
  if (differences.length > 0) ctx.logger.error({ day, differences }, `orders and Bamboo's transactions differ on ${day}`);
  else ctx.logger.info({ day, transactions: transactions.length, orders: ours.length }, 'orders match Bamboo transactions');
  return differences;
}
