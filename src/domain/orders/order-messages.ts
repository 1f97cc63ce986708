// The Telegram messages that told a buyer how an order ended, recorded for the order's timeline
// (operator.ts `orderTimeline`): one row per message (a card, masked; the failure; the partial
// delivery), written in the transaction that queues the messages (outbox: a row exists exactly when
// its message is queued). `(order_id, position)` is unique, so a second delivery of the same order
// event records nothing and queues nothing. The telegram.send worker marks each one sent, or
// undeliverable when Telegram refuses it for good. Never a card code: the kind and the card's place.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OrderMessageKind } from './orders.tables.ts';

export interface OrderMessageToQueue {
  kind: OrderMessageKind;
  cardIndex: number | null;
}

/**
 * In the transaction that queues them: records the order's messages to `chatId` and returns their
 * ids (in the given order), or `undefined` when this order's buyer was already told (a retried event
 * job), in which case nothing must be queued. A concurrent second delivery waits on the unique index
 * and then records nothing.
 */
export async function recordOrderMessages(
  trx: Kysely<DB>,
  orderId: string,
  chatId: string,
  messages: readonly OrderMessageToQueue[],
): Promise<string[] | undefined> {
  if (messages.length === 0) return [];
  const rows = await trx
    .insertInto('order_messages')
    .values(messages.map((message, position) => ({ order_id: orderId, position, kind: message.kind, card_index: message.cardIndex, chat_id: chatId })))
    .onConflict((conflict) => conflict.columns(['order_id', 'position']).doNothing())
    .returning(['id', 'position'])
    .execute();
  if (rows.length === 0) return undefined;
  return rows.sort((a, b) => a.position - b.position).map((row) => row.id.toString());
}

/** The telegram.send worker's outcome for one recorded message. */
export async function markOrderMessage(db: Kysely<DB>, id: string, outcome: { sent: Date } | { undeliverable: string }): Promise<void> {
  await db
    .updateTable('order_messages')
    .set('sent' in outcome ? { sent_at: outcome.sent, undeliverable: null } : { undeliverable: outcome.undeliverable.slice(0, 500) })
    .where('id', '=', BigInt(id))
    .execute();
}

export type OrderMessageStatus = 'queued' | 'sent' | 'undeliverable';

export interface OrderMessageRecord {
  kind: OrderMessageKind;
  cardIndex: number | null;
  status: OrderMessageStatus;
  queuedAt: Date;
  sentAt: Date | null;
  /** Why Telegram refused it (undeliverable only). */
  problem: string | null;
}

/** The order's messages to its buyer, in the order they were queued. */
export async function orderMessages(db: Kysely<DB>, orderId: string): Promise<OrderMessageRecord[]> {
  const rows = await db
    .selectFrom('order_messages')
    .select(['kind', 'card_index', 'queued_at', 'sent_at', 'undeliverable'])
    .where('order_id', '=', orderId)
    .orderBy('position')
    .execute();
  return rows.map((row) => ({
    kind: row.kind,
    cardIndex: row.card_index,
    status: row.sent_at ? 'sent' : row.undeliverable !== null ? 'undeliverable' : 'queued',
    queuedAt: row.queued_at,
    sentAt: row.sent_at,
    problem: row.undeliverable,
  }));
}
