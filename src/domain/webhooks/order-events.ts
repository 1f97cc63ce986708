// The webhook adapter of the order engine's `OrderEventSink` (src/domain/orders/events.ts): each
// final order of an API buyer becomes an `order.*` webhook event for the ordering account (for a
// sandbox order, the sandbox account and its endpoint). Job retries deliver the same event again,
// so each is recorded under a key naming the order and the event type: recorded once, sent once.
import type { AppContext } from '../../context.ts';
import type { OrderEvent, OrderEventSink } from '../orders/events.ts';
import { sendWebhookDelivery } from './queues.ts';
import { dispatchPendingWebhookEvents, enqueueWebhookEvent } from './webhooks.ts';

/** The webhook body's `data` for an order event: the order's outcome, never card codes. */
export function orderWebhookData(event: OrderEvent): Record<string, unknown> {
  return {
    orderId: event.orderId,
    number: event.orderNumber,
    referenceId: event.clientReference,
    status: event.type.slice('order.'.length),
    quantity: event.quantity,
    cardsDelivered: event.cardsDelivered,
    charged: { amount: event.charged, currency: event.currency },
    refunded: { amount: event.refunded, currency: event.currency },
    failureReason: event.failureReason,
  };
}

export function webhookOrderEventSink(ctx: Pick<AppContext, 'db' | 'jobs' | 'events' | 'config'>): OrderEventSink {
  return {
    async deliver(event) {
      await enqueueWebhookEvent(ctx.db, event.buyerId, event.type, orderWebhookData(event), { dedupeKey: `${event.type}:${event.orderId}` });
      // Queue the delivery now rather than at the next dispatcher run (a few seconds later).
      await dispatchPendingWebhookEvents(ctx, sendWebhookDelivery(ctx.jobs));
    },
  };
}
