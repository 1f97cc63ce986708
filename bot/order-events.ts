// The Telegram adapter of the order events (OrderEventSink, src/domain/orders/events.ts), wired by
// the root (src/main.ts): tells a bot buyer how the order ended. Completed or partly completed: one
// message per card, the code masked (`•••• 7F3A`) with the Reveal and Share buttons of
// features/orders.ts (buyer only; the bot owns its callback format);
// more than CARD_MESSAGES_MAX cards: one message with the Cards CSV button instead; partly completed
// or failed: what was refunded. Card codes never leave here: the reveal decrypts
// them on demand.
//
// Recorded and idempotent: each message is an `order_messages` row (src/domain/orders/order-messages.ts:
// its kind, never a code), written with the messages' jobs in one transaction, so either both exist
// or neither; the order's timeline shows them. A retried event job finds the rows and sends nothing.
import type { AppContext } from '#src/context.ts';
import { withTransaction } from '#src/db/transaction.ts';
import type { OrderEvent, OrderEventSink } from '#src/domain/orders/events.ts';
import { recordOrderMessages, type OrderMessageToQueue } from '#src/domain/orders/order-messages.ts';
import { maskedOrderCards } from '#src/domain/orders/orders.ts';
import { notify, recipientOf } from '#src/notifications/notify.ts';
import type { TelegramMessage } from '#src/notifications/telegram.ts';
import { formatMoney, money, parseMoney } from '#src/shared/money.ts';
import { orderCallbacks } from './features/orders.callbacks.ts';

/** Orders of more cards get one message with the CSV document's button instead of a message per card. */
export const CARD_MESSAGES_MAX = 5;

export function telegramOrderEventSink(app: AppContext): OrderEventSink {
  return {
    async deliver(event: OrderEvent) {
      const buyer = await recipientOf(app, event.buyerId);
      const chatId = buyer?.account.telegramUserId;
      if (!buyer || !chatId) return; // not bound to Telegram (any more): nobody to tell
      const order = await app.db
        .selectFrom('orders')
        .innerJoin('catalog_products', 'catalog_products.id', 'orders.product_id')
        .select(['catalog_products.name', 'orders.face_minor', 'orders.face_currency'])
        .where('orders.id', '=', event.orderId)
        .executeTakeFirstOrThrow();
      const cards = await maskedOrderCards(app, event.orderId);
      const common = { number: event.orderNumber, card: order.name, face: formatMoney(money(order.face_minor, order.face_currency)) };
      const refunded = formatMoney(parseMoney(event.refunded, event.currency));

      type Queued = OrderMessageToQueue & { message: Omit<TelegramMessage, 'chatId' | 'locale'> };
      // Many cards: one message with the CSV and the order's screen (reveal or share one card there).
      const many: Queued = {
        kind: 'cards_csv',
        cardIndex: null,
        message: {
          text: { key: 'order-cards-many', vars: { ...common, delivered: cards.length, quantity: event.quantity } },
          buttons: [
            [
              { text: { key: 'order-cards-csv', vars: {} }, callbackData: orderCallbacks.cardsCsv.build({ orderId: event.orderId }) },
              { text: { key: 'order-open', vars: {} }, callbackData: orderCallbacks.view.build({ orderId: event.orderId }) },
            ],
          ],
        },
      };
      const messages: Queued[] =
        cards.length > CARD_MESSAGES_MAX
          ? [many]
          : cards.map((card) => ({
              kind: 'card',
              cardIndex: card.index,
              message: {
                text: { key: 'order-card', vars: { ...common, position: card.index + 1, quantity: event.quantity, masked: card.masked } },
                buttons: [
                  [
                    { text: { key: 'order-reveal', vars: {} }, callbackData: orderCallbacks.reveal.build({ orderId: event.orderId, index: card.index }) },
                    { text: { key: 'order-share', vars: {} }, callbackData: orderCallbacks.share.build({ orderId: event.orderId, index: card.index }) },
                  ],
                ],
              },
            }));
      if (event.type === 'order.failed') {
        messages.push({ kind: 'failed', cardIndex: null, message: { text: { key: 'order-failed', vars: { ...common, refunded } } } });
      } else if (event.type === 'order.partially_completed') {
        messages.push({
          kind: 'partly_delivered',
          cardIndex: null,
          message: { text: { key: 'order-partly-delivered', vars: { ...common, delivered: event.cardsDelivered, quantity: event.quantity, refunded } } },
        });
      }

      await withTransaction(app.db, async (trx) => {
        const ids = await recordOrderMessages(trx, event.orderId, chatId, messages);
        if (!ids) return; // told already (a retried event job)
        for (const [position, { message }] of messages.entries()) {
          await notify(app, buyer, { ...message, orderMessageId: ids[position] }, { db: trx });
        }
      });
    },
  };
}
