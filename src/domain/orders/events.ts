// Events out (SPEC §6.4): one event per order reaching a final state, enqueued on the
// `order.events` queue in the same transaction as the state change. The queue's handler hands it to
// the `OrderEventSink` port in AppContext (`ctx.orderEvents`): the bot adapter (a Telegram
// message) or the webhook adapter (partners) implement it in their areas. Without an adapter the
// event is logged. An event never carries card codes: the buyer fetches them from the order.
import type { Logger } from '../../logger.ts';

export const ORDER_EVENT_TYPES = ['order.completed', 'order.partially_completed', 'order.failed'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export interface OrderEvent {
  type: OrderEventType;
  orderId: string;
  /** ST-000123 */
  orderNumber: string;
  buyerId: string;
  /** The channel the order came from: where the buyer expects to hear about it. */
  channel: string;
  clientReference: string;
  quantity: number;
  cardsDelivered: number;
  /** What the buyer finally paid and got back, decimal strings in `currency`. */
  charged: string;
  refunded: string;
  currency: string;
  failureReason: string | null;
}

/** Delivers one event. Must be idempotent: a retried job delivers the same event again. */
export interface OrderEventSink {
  deliver(event: OrderEvent): Promise<void>;
}

export function loggingOrderEventSink(logger: Logger): OrderEventSink {
  return {
    async deliver(event) {
      logger.info({ event }, 'order event (no adapter wired)');
    },
  };
}

/**
 * Sends each event to the adapter of the channel the order came from (`telegram` → the bot's
 * message, `api` → the partner's webhook); channels without an adapter fall back (logging).
 */
export function routeOrderEvents(sinks: Partial<Record<string, OrderEventSink>>, fallback: OrderEventSink): OrderEventSink {
  return {
    async deliver(event) {
      await (sinks[event.channel] ?? fallback).deliver(event);
    },
  };
}
