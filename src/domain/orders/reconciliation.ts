// Resolving orders that did not finish on their own (SPEC §6.4): past their deadline, or stuck in
// `pending` (the place job lost). Each is resolved against Get Order with its RequestId: finished
// from Bamboo's final answer, failed and refunded when Bamboo has no such order, left alone (and
// reported) while Bamboo still works. Never both finished and refunded: both paths lock the order.
// Also: Bamboo's completion callback, which only triggers a poll.
import type { AppContext } from '../../context.ts';
import { verifyOrderCallback } from '../../integrations/bamboo/callback.ts';
import { orderPlaceQueue, orderPollQueue } from '../../jobs/handlers/orders.ts';
import { failOrder, finishOrder, type FulfilmentContext } from './fulfilment.ts';

/** A pending order older than this had its place job lost: it is enqueued again. */
const PENDING_GRACE_MS = 2 * 60_000;

export interface ReconciliationReport {
  requeued: number;
  finished: number;
  failed: number;
  stillOpen: string[];
}

export async function reconcileOrders(ctx: FulfilmentContext, now = new Date(), limit = 200): Promise<ReconciliationReport> {
  const report: ReconciliationReport = { requeued: 0, finished: 0, failed: 0, stillOpen: [] };
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
  for (const order of open) {
    if (order.status === 'pending' || !order.vendor_request_id) {
      // Never sent to Bamboo: placing it is safe (the place job claims it under a lock).
      await ctx.jobs.enqueue(orderPlaceQueue, { orderId: order.id });
      report.requeued += 1;
      continue;
    }
    const vendorOrder = await ctx.vendor.getOrder(order.vendor_request_id);
    if (vendorOrder?.final) {
      await finishOrder(ctx, order.id, vendorOrder);
      report.finished += 1;
    } else if (!vendorOrder) {
      if (await failOrder(ctx, order.id, 'vendor_has_no_order', { onlyFrom: ['placing', 'processing'] })) report.failed += 1;
    } else {
      report.stillOpen.push(order.id);
    }
  }
  if (report.stillOpen.length > 0) ctx.logger.warn({ orders: report.stillOpen }, 'orders past their deadline that Bamboo is still working on');
  return report;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type CallbackResult = { ok: true; orderId: string | null } | { ok: false; reason: 'malformed' | 'bad_secret' };

/**
 * Bamboo's completion callback: the secret checked in constant time, then only a poll of the order
 * (the callback is never trusted for the outcome). Unknown, duplicate and late callbacks are
 * accepted and change nothing.
 */
export async function handleVendorCallback(ctx: Pick<AppContext, 'db' | 'jobs' | 'config'>, body: unknown): Promise<CallbackResult> {
  const checked = verifyOrderCallback(body, ctx.config.BAMBOO_CALLBACK_SECRET ?? '');
  if (!checked.ok) return checked;
  if (!UUID.test(checked.callback.requestId)) return { ok: true, orderId: null };
  const order = await ctx.db
    .selectFrom('orders')
    .select(['id', 'status'])
    .where('vendor_request_id', '=', checked.callback.requestId)
    .executeTakeFirst();
  if (!order) return { ok: true, orderId: null };
  if (order.status === 'processing') await ctx.jobs.enqueue(orderPollQueue, { orderId: order.id });
  return { ok: true, orderId: order.id };
}
