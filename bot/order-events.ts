// The Telegram adapter of the order events (OrderEventSink, src/domain/orders/events.ts), wired by
// the root (src/main.ts): tells a bot buyer how the order ended. Completed or partly completed: one
// message per card, the code masked (`•••• 7F3A`) with the Reveal and Share buttons of
// features/orders.ts (buyer only; the bot owns its callback format);
// more than CARD_MESSAGES_MAX cards: one message with the Cards CSV button instead; partly completed
// or failed: what was refunded. Card codes never leave here: the reveal decrypts
// them on demand.
//
// Idempotent: a retried event job must not message twice. A marker row (`order-event:<order>`, in
// the PostgreSQL key-value store) and the messages' jobs are written in one transaction, so either
// both exist or neither; a second delivery finds the marker and sends nothing.
import type { AppContext } from '#src/context.ts';
import { withTransaction } from '#src/db/transaction.ts';
import type { OrderEvent, OrderEventSink } from '#src/domain/orders/events.ts';
import { maskedOrderCards } from '#src/domain/orders/orders.ts';
import { notify, recipientOf } from '#src/notifications/notify.ts';
import { createPostgresKeyValueStore } from '#src/shared-state/index.ts';
import { formatMoney, money, parseMoney } from '#src/shared/money.ts';
import { orderCallbacks } from './features/orders.callbacks.ts';

/** Orders of more cards get one message with the CSV document's button instead of a message per card. */
export const CARD_MESSAGES_MAX = 5;

/** Long enough to outlive every retry of an event job (pg-boss gives up well within a day). */
const MARKER_TTL_MS = 30 * 24 * 3600 * 1000;

export function telegramOrderEventSink(app: AppContext): OrderEventSink {
  return {
    async deliver(event: OrderEvent) {
      const buyer = await recipientOf(app, event.buyerId);
      if (!buyer) return; // not bound to Telegram (any more): nobody to tell
      const order = await app.db
        .selectFrom('orders')
        .innerJoin('catalog_products', 'catalog_products.id', 'orders.product_id')
        .select(['catalog_products.name', 'orders.face_minor', 'orders.face_currency'])
        .where('orders.id', '=', event.orderId)
        .executeTakeFirstOrThrow();
      const cards = await maskedOrderCards(app, event.orderId);
      const common = { number: event.orderNumber, card: order.name, face: formatMoney(money(order.face_minor, order.face_currency)) };
      const refunded = formatMoney(parseMoney(event.refunded, event.currency));

      await withTransaction(app.db, async (trx) => {
        const firstDelivery = await createPostgresKeyValueStore(trx).setIfAbsent(`order-event:${event.orderId}`, event.type, MARKER_TTL_MS);
        if (!firstDelivery) return;
        // Many cards: one message with the CSV and the order's screen (reveal or share one card there).
        if (cards.length > CARD_MESSAGES_MAX) {
          await notify(
            app,
            buyer,
            {
              text: { key: 'order-cards-many', vars: { ...common, delivered: cards.length, quantity: event.quantity } },
              buttons: [
                [
                  { text: { key: 'order-cards-csv', vars: {} }, callbackData: orderCallbacks.cardsCsv.build({ orderId: event.orderId }) },
                  { text: { key: 'order-open', vars: {} }, callbackData: orderCallbacks.view.build({ orderId: event.orderId }) },
                ],
              ],
            },
            { db: trx },
          );
        }
        for (const card of cards.length > CARD_MESSAGES_MAX ? [] : cards) {
          await notify(
            app,
            buyer,
            {
              text: { key: 'order-card', vars: { ...common, position: card.index + 1, quantity: event.quantity, masked: card.masked } },
              buttons: [
                [
                  { text: { key: 'order-reveal', vars: {} }, callbackData: orderCallbacks.reveal.build({ orderId: event.orderId, index: card.index }) },
                  { text: { key: 'order-share', vars: {} }, callbackData: orderCallbacks.share.build({ orderId: event.orderId, index: card.index }) },
                ],
              ],
            },
            { db: trx },
          );
        }
        if (event.type === 'order.failed') {
          await notify(app, buyer, { text: { key: 'order-failed', vars: { ...common, refunded } } }, { db: trx });
        } else if (event.type === 'order.partially_completed') {
          await notify(
            app,
            buyer,
            { text: { key: 'order-partly-delivered', vars: { ...common, delivered: event.cardsDelivered, quantity: event.quantity, refunded } } },
            { db: trx },
          );
        }
      });
    },
  };
}
