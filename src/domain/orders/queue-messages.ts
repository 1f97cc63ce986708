// Buyers see the queue in Telegram (docs/orders.md, Buyers see the queue). The bot records the
// message that accepted an order or a cart (`recordOrderStatusMessage`). While one of its orders
// waits for a checkout turn, the `order.queue-messages` job keeps that message showing each order's
// place and estimate (`queueMessageEdits` says what to write, the job edits through the bot), at
// most once per QUEUE_MESSAGE_EDIT_MS and only when the text changed; once they are all final it
// says so, once. A message whose orders never waited is never edited.
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { toOrder, type Order } from './orders.ts';
import { FINAL_STATUSES, type StatusLine } from './orders.tables.ts';
import { orderQueueEstimates, type QueueEstimate } from './queue-estimate.ts';
import { orderQueueMessagesQueue } from './queues.ts';

/** A message is edited at most this often (Telegram allows about one message a second per chat). */
const QUEUE_MESSAGE_EDIT_MS = 10_000;

/** While a message needs it, the job runs again this many seconds later. */
export const QUEUE_MESSAGES_EVERY_SECONDS = 5;

/** Open messages looked at per run, oldest first (the rest wait for the next run). */
const MESSAGES_PER_RUN = 200;

export interface StatusMessage {
  chatId: string;
  messageId: number;
  /** The bot's locale of the message. */
  locale: string | null;
  /** Its first line, as the bot wrote it (kept above the status lines). */
  header: StatusLine;
  orderIds: readonly string[];
}

/**
 * The bot accepted `orderIds` in this message. Recorded once (a replayed conversation records
 * nothing more); the job looks at once, in case its product's orders already wait.
 */
export async function recordOrderStatusMessage(ctx: Pick<AppContext, 'db' | 'jobs'>, message: StatusMessage): Promise<void> {
  if (message.orderIds.length === 0) return;
  await ctx.db
    .insertInto('order_status_messages')
    .values({
      chat_id: message.chatId,
      message_id: message.messageId,
      locale: message.locale,
      header: JSON.stringify(message.header),
      order_ids: [...message.orderIds],
    })
    .onConflict((conflict) => conflict.columns(['chat_id', 'message_id']).doNothing())
    .execute();
  await ctx.jobs.enqueue(orderQueueMessagesQueue, {});
}

/** An order of the bot was told to wait for its turn: its message (if any) shows the queue from now on. */
export async function orderStartedWaiting(ctx: Pick<AppContext, 'jobs'>, order: { channel: string }): Promise<void> {
  if (order.channel === 'telegram') await ctx.jobs.enqueue(orderQueueMessagesQueue, {});
}

/** One order's status line. */
export function statusLineOf(order: Pick<Order, 'number' | 'status'>, estimate: QueueEstimate | undefined, now: Date): StatusLine {
  const number = order.number;
  if (FINAL_STATUSES.includes(order.status)) return { key: 'order-queue-finished', vars: { number } };
  if (order.status === 'needs_attention') return { key: 'order-queue-attention', vars: { number } };
  if (estimate?.queuePosition != null && estimate.estimatedCompletionAt) {
    const minutes = Math.max(1, Math.ceil((estimate.estimatedCompletionAt.getTime() - now.getTime()) / 60_000));
    return { key: 'order-queue-waiting', vars: { number, position: estimate.queuePosition, minutes } };
  }
  return { key: 'order-queue-buying', vars: { number } };
}

/** The same lines (jsonb keeps an object's keys in its own order, so they are compared sorted). */
function sameLines(a: readonly StatusLine[], b: readonly StatusLine[]): boolean {
  const canonical = (lines: readonly StatusLine[]) =>
    JSON.stringify(lines.map((line) => [line.key, Object.entries(line.vars).sort(([x], [y]) => x.localeCompare(y))]));
  return canonical(a) === canonical(b);
}

export interface QueueMessageEdit {
  id: string;
  chatId: string;
  messageId: number;
  locale: string | null;
  /** The whole text: the header, then one status line per order. */
  lines: StatusLine[];
  /** Every order is final: after this edit, the message is closed. */
  final: boolean;
}

/**
 * What the open status messages should show now: the edits to make (a message whose orders wait,
 * or waited, whose text changed and was not edited in the last QUEUE_MESSAGE_EDIT_MS; the final
 * one without waiting), and whether the job must run again (an open message still has orders
 * being filled). A message never edited whose orders can no longer wait (none pending), or
 * already showing its final lines, is closed here without an edit.
 */
export async function queueMessageEdits(db: Kysely<DB>, now = new Date()): Promise<{ edits: QueueMessageEdit[]; again: boolean }> {
  const messages = await db.selectFrom('order_status_messages').selectAll().where('closed_at', 'is', null).orderBy('id').limit(MESSAGES_PER_RUN).execute();
  if (messages.length === 0) return { edits: [], again: false };
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where(
      'id',
      'in',
      messages.flatMap((message) => message.order_ids),
    )
    .execute();
  const orders = new Map(rows.map((row) => [row.id, toOrder(row)]));
  const estimates = await orderQueueEstimates(
    db,
    [...orders.values()].filter((order) => order.status === 'pending'),
    now,
  );
  const edits: QueueMessageEdit[] = [];
  const closeNow: bigint[] = [];
  let again = false;
  for (const message of messages) {
    const own = message.order_ids.map((id) => orders.get(id)).filter((order) => order !== undefined);
    const final = own.every((order) => FINAL_STATUSES.includes(order.status));
    const waiting = own.some((order) => estimates.get(order.id)?.queuePosition != null);
    if (!waiting && message.shown === null) {
      // Nothing to show: the message as the bot wrote it stays true. Only a pending order can still wait.
      if (!own.some((order) => order.status === 'pending')) closeNow.push(message.id);
      continue;
    }
    if (!final) again = true;
    const lines = own.map((order) => statusLineOf(order, estimates.get(order.id), now));
    if (message.shown && sameLines(lines, message.shown)) {
      if (final) closeNow.push(message.id); // it says so already
      continue;
    }
    if (!final && message.edited_at && now.getTime() - message.edited_at.getTime() < QUEUE_MESSAGE_EDIT_MS) continue;
    edits.push({
      id: message.id.toString(),
      chatId: message.chat_id,
      messageId: message.message_id,
      locale: message.locale,
      lines: [message.header, ...lines],
      final,
    });
  }
  if (closeNow.length > 0) await db.updateTable('order_status_messages').set({ closed_at: now }).where('id', 'in', closeNow).execute();
  return { edits, again: again || messages.length === MESSAGES_PER_RUN };
}

/** The edit reached Telegram (or the message is gone: `closed`); a final one closes the message. */
export async function markQueueMessageShown(
  db: Kysely<DB>,
  edit: Pick<QueueMessageEdit, 'id' | 'lines' | 'final'>,
  options: { closed?: boolean } = {},
): Promise<void> {
  await db
    .updateTable('order_status_messages')
    .set({
      shown: JSON.stringify(edit.lines.slice(1)),
      edited_at: sql<Date>`now()`,
      ...(edit.final || options.closed ? { closed_at: sql<Date>`now()` } : {}),
    })
    .where('id', '=', BigInt(edit.id))
    .execute();
}
