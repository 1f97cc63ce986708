// Workers of the outgoing Telegram queues (contracts in src/notifications/telegram-queues.ts).
// Throttled through the shared limiters (one per chat, one global) and retried with backoff;
// Telegram's own 429 blocks the global limiter for its retry_after.
import type { AppContext } from '../../context.ts';
import { markOrderMessage } from '../../domain/orders/order-messages.ts';
import { markQueueMessageShown, QUEUE_MESSAGES_EVERY_SECONDS, queueMessageEdits } from '../../domain/orders/queue-messages.ts';
import { orderQueueMessagesQueue } from '../../domain/orders/queues.ts';
import { TelegramPermanentError, TelegramRateLimitedError } from '../../notifications/telegram.ts';
import { telegramDeleteQueue, telegramSendQueue } from '../../notifications/telegram-queues.ts';
import { bindQueue } from '../registry.ts';

/** Longest we wait inside one job for a free slot before letting pg-boss retry later. */
const MAX_WAIT_MS = 5_000;

/** Waits until both limiters allow one message (bounded); throws to retry the job later. */
async function takeSlot(ctx: AppContext, chatId: string): Promise<void> {
  const { chat, global } = ctx.telegramLimiters;
  const deadline = Date.now() + MAX_WAIT_MS;
  for (const [limiter, key] of [
    [chat, chatId],
    [global, 'all'],
  ] as const) {
    for (;;) {
      const decision = await limiter.consume(key);
      if (decision.allowed) break;
      if (Date.now() + decision.retryAfterMs > deadline) throw new Error(`telegram limit for ${key}: no slot within ${MAX_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, decision.retryAfterMs));
    }
  }
}

/**
 * Notes what became of a recorded order message (its timeline). Best effort: once Telegram has the
 * message, failing here must not fail the job (a retry would send it again); the row stays `queued`.
 */
async function markSent(ctx: AppContext, id: string, outcome: Parameters<typeof markOrderMessage>[2]): Promise<void> {
  try {
    await markOrderMessage(ctx.db, id, outcome);
  } catch (error) {
    ctx.logger.warn({ err: error, orderMessageId: id }, 'order message outcome not recorded');
  }
}

/** Takes a slot of both limiters if both have one now (a status edit that finds none waits for the next run). */
async function slotNow(ctx: AppContext, chatId: string): Promise<boolean> {
  if (!(await ctx.telegramLimiters.chat.consume(chatId)).allowed) return false;
  return (await ctx.telegramLimiters.global.consume('all')).allowed;
}

/**
 * Buyers see the queue (src/domain/orders/queue-messages.ts): edits the bot messages of waiting
 * orders in place, one run at a time (so a message's edits never overtake each other), and runs
 * again shortly while a message still needs it. A message Telegram no longer has is closed; a
 * failed edit is tried again on a later run.
 */
export const orderQueueMessagesWorker = bindQueue(orderQueueMessagesQueue, async (ctx) => {
  if (!ctx.telegram) return { skipped: 'bot not configured' };
  const { edits, again } = await queueMessageEdits(ctx.db);
  let edited = 0;
  for (const edit of edits) {
    if (!(await slotNow(ctx, edit.chatId))) continue;
    try {
      await ctx.telegram.editMessage({
        chatId: edit.chatId,
        messageId: edit.messageId,
        text: { lines: edit.lines },
        ...(edit.locale ? { locale: edit.locale } : {}),
      });
      await markQueueMessageShown(ctx.db, edit);
      edited += 1;
    } catch (error) {
      if (error instanceof TelegramPermanentError) {
        await markQueueMessageShown(ctx.db, edit, { closed: true });
        continue;
      }
      if (error instanceof TelegramRateLimitedError) {
        await ctx.telegramLimiters.global.block('all', error.retryAfterSeconds * 1000);
        break;
      }
      ctx.logger.warn({ err: error, chatId: edit.chatId }, 'queue message not edited; tried again on the next run');
    }
  }
  if (again || edited < edits.length) await ctx.jobs.enqueue(orderQueueMessagesQueue, {}, { startAfter: QUEUE_MESSAGES_EVERY_SECONDS });
  return { edited, waiting: edits.length - edited };
});

export const telegramDeleteWorker = bindQueue(telegramDeleteQueue, async (ctx, data) => {
  if (!ctx.telegram) return { skipped: 'bot not configured' };
  await ctx.telegram.deleteMessage(data.chatId, data.messageId);
  return { deleted: true };
});

export const telegramSendWorker = bindQueue(telegramSendQueue, async (ctx, message) => {
  if (!ctx.telegram) {
    ctx.logger.warn({ chatId: message.chatId }, 'telegram message dropped: TELEGRAM_BOT_TOKEN is not set');
    return { skipped: 'bot not configured' };
  }
  await takeSlot(ctx, message.chatId);
  try {
    const sent = await ctx.telegram.send(message);
    if (message.orderMessageId) await markSent(ctx, message.orderMessageId, { sent: new Date() });
    if (message.deleteAfterSeconds) {
      await ctx.jobs.enqueue(telegramDeleteQueue, { chatId: sent.chatId, messageId: sent.messageId }, { startAfter: message.deleteAfterSeconds });
    }
    return { messageId: sent.messageId };
  } catch (error) {
    if (error instanceof TelegramRateLimitedError) {
      await ctx.telegramLimiters.global.block('all', error.retryAfterSeconds * 1000);
    }
    if (error instanceof TelegramPermanentError) {
      ctx.logger.warn({ chatId: message.chatId, reason: error.message }, 'telegram message not deliverable');
      if (message.orderMessageId) await markSent(ctx, message.orderMessageId, { undeliverable: error.message });
      return { undeliverable: error.message };
    }
    throw error;
  }
});
