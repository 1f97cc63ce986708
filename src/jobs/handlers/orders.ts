// The order engine's queues (SPEC §6, docs/orders.md). Every handler is safe to run twice: the
// domain steps lock the order and check its state first.
import { z } from 'zod';
import { loggingOrderEventSink, ORDER_EVENT_TYPES, type OrderEvent } from '../../domain/orders/events.ts';
import { placeWithVendor, pollVendorOrder } from '../../domain/orders/fulfilment.ts';
import { formatOrderNumber } from '../../domain/orders/orders.ts';
import { compareWithVendorTransactions, reconcileOrders } from '../../domain/orders/reconciliation.ts';
import { recordOrderForOnboarding } from '../../domain/signups/onboarding.ts';
import { formatAmount, money } from '../../shared/money.ts';
import { defineQueue } from '../registry.ts';

const orderId = z.uuid();

export const orderPlaceQueue = defineQueue({
  name: 'order.place',
  payload: z.object({ orderId }).strict(),
  // Retries re-run the step: it asks Get Order first and re-sends only the same RequestId.
  retry: { limit: 20, delaySeconds: 2, backoff: true, delayMaxSeconds: 60 },
  expireInSeconds: 120,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
  concurrency: 4,
  async handle(ctx, data) {
    return { outcome: await placeWithVendor(ctx, data.orderId) };
  },
});

export const orderPollQueue = defineQueue({
  name: 'order.poll',
  // pollCount: the position in the backoff chain; absent for a poll triggered by Bamboo's callback.
  payload: z.object({ orderId, pollCount: z.number().int().min(0).optional() }).strict(),
  retry: { limit: 10, delaySeconds: 5, backoff: true, delayMaxSeconds: 120 },
  expireInSeconds: 120,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
  concurrency: 4,
  async handle(ctx, data) {
    return { outcome: await pollVendorOrder(ctx, data.orderId, data.pollCount) };
  },
});

export const orderEventsQueue = defineQueue({
  name: 'order.events',
  payload: z.object({ orderId, type: z.enum(ORDER_EVENT_TYPES) }).strict(),
  retry: { limit: 10, delaySeconds: 10, backoff: true, delayMaxSeconds: 600 },
  expireInSeconds: 60,
  deadLetter: true,
  pollingIntervalSeconds: 1,
  async handle(ctx, data) {
    const row = await ctx.db.selectFrom('orders').selectAll().where('id', '=', data.orderId).executeTakeFirstOrThrow();
    const delivered = row.cards_delivered ?? 0;
    const event: OrderEvent = {
      type: data.type,
      orderId: row.id,
      orderNumber: formatOrderNumber(row.number),
      buyerId: row.buyer_id,
      channel: row.channel,
      clientReference: row.client_reference,
      quantity: row.quantity,
      cardsDelivered: delivered,
      charged: formatAmount(money(row.unit_price_minor * BigInt(delivered), row.currency)),
      refunded: formatAmount(money(row.unit_price_minor * BigInt(row.quantity - delivered), row.currency)),
      currency: row.currency,
      failureReason: row.failure_reason,
    };
    // A self-signed-up partner's onboarding moves on from its delivered orders (idempotent).
    await recordOrderForOnboarding(ctx.db, { activeAfterLiveOrders: ctx.config.ONBOARDING_ACTIVE_LIVE_ORDERS }, { buyerId: row.buyer_id, status: row.status });
    await (ctx.orderEvents ?? loggingOrderEventSink(ctx.logger)).deliver(event);
    return { delivered: event.type };
  },
});

export const orderReconcileQueue = defineQueue({
  name: 'order.reconcile',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 10 * 60,
  deadLetter: true,
  schedule: { cron: '*/5 * * * *', data: {} },
  async handle(ctx) {
    return reconcileOrders(ctx);
  },
});

export const orderVendorComparisonQueue = defineQueue({
  name: 'order.vendor-comparison',
  // The UTC day to compare; the daily run compares yesterday.
  payload: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() }).strict(),
  policy: 'singleton',
  // Bamboo allows 4 transactions calls an hour: retry slowly.
  retry: { limit: 3, delaySeconds: 900, backoff: false },
  expireInSeconds: 10 * 60,
  deadLetter: true,
  schedule: { cron: '30 2 * * *', data: {} },
  async handle(ctx, data) {
    const day = data.day ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const differences = await compareWithVendorTransactions(ctx, day);
    return { day, differences: differences.length };
  },
});
