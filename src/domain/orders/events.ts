// Events out (docs/product.md#orders): one event per order reaching a final state, enqueued on the
// `order.events` queue in the same transaction as the state change. Its job runs `deliverOrderEvent`,
// which hands it to the `OrderEventSink` port in AppContext (`ctx.orderEvents`): the bot adapter (a Telegram
// message) or the webhook adapter (partners) implement it in their areas. Without an adapter the
// event is logged. An event never carries card codes: the buyer fetches them from the order.
import type { AppContext } from '../../context.ts';
import type { Logger } from '../../logger.ts';
import { formatAmount, money } from '../../shared/money.ts';
import { recordOrderForOnboarding } from '../signups/onboarding.ts';
import { formatOrderNumber } from './orders.ts';

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

/**
 * Builds the event of an order's final state, moves a self-signed-up partner's onboarding on from
 * its delivered orders, and hands the event to the sink. Safe to run twice (the `order.events` job
 * retries): onboarding is idempotent and sinks must be.
 */
export async function deliverOrderEvent(
  ctx: Pick<AppContext, 'db' | 'config' | 'logger' | 'orderEvents'>,
  orderId: string,
  type: OrderEventType,
): Promise<OrderEvent> {
  const row = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  const delivered = row.cards_delivered ?? 0;
  const event: OrderEvent = {
    type,
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
  await recordOrderForOnboarding(ctx.db, { activeAfterLiveOrders: ctx.config.ONBOARDING_ACTIVE_LIVE_ORDERS }, { buyerId: row.buyer_id, status: row.status });
  await (ctx.orderEvents ?? loggingOrderEventSink(ctx.logger)).deliver(event);
  return event;
}
