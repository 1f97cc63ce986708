// Messages to Telegram users leave through one pg-boss queue, so they survive restarts, respect
// Telegram's flood limits (≈1 message/s per chat, ≈30/s overall) and retry on 429. The domain only
// describes a message (a text key of the bot's locale files, or text it already rendered); the bot
// adapter (bot/notifier.ts) renders and sends it through the TelegramGateway port.
import { z } from 'zod';
import type { RateLimiter, SharedState } from '../shared-state/index.ts';

const keyTextSchema = z.object({ key: z.string().min(1), vars: z.record(z.string(), z.union([z.string(), z.number()])).default({}) });

export const textSchema = z.union([
  keyTextSchema,
  z.object({ raw: z.string().min(1).max(4096) }),
  /** Several texts of the locale files, one per line (a message that lists its orders). */
  z.object({ lines: z.array(keyTextSchema).min(1).max(30) }),
]);

export const buttonSchema = z.object({ text: textSchema, callbackData: z.string().min(1).max(64) });

export const telegramMessageSchema = z.object({
  chatId: z.string().regex(/^-?\d+$/),
  text: textSchema,
  /** Locale of the recipient; the bot's default when absent. */
  locale: z.string().min(2).max(8).optional(),
  buttons: z.array(z.array(buttonSchema)).max(20).optional(),
  /** A Telegram file id (a top-up proof): sent as a photo, with the text as its caption. */
  photo: z.string().min(1).max(256).optional(),
  /** Telegram's content protection (no forwarding or saving), for card codes. */
  protectContent: z.boolean().default(false),
  /** The recorded order message this is (order_messages, src/domain/orders/order-messages.ts): marked sent or undeliverable. */
  orderMessageId: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
  /** Deletes the message after this many seconds (revealed card codes). */
  deleteAfterSeconds: z
    .number()
    .int()
    .min(1)
    .max(48 * 3600)
    .optional(),
});
export type TelegramMessage = z.input<typeof telegramMessageSchema>;

export interface SentMessage {
  chatId: string;
  messageId: number;
}

/** Telegram said "too many requests": wait this long before the next call. */
export class TelegramRateLimitedError extends Error {
  override name = 'TelegramRateLimitedError';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(`Telegram rate limit: retry after ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Telegram refused for good (blocked by the user, chat not found): retrying cannot help. */
export class TelegramPermanentError extends Error {
  override name = 'TelegramPermanentError';
}

/** A message sent earlier, its text replaced (its buttons become the Menu button). */
export interface TelegramEdit {
  chatId: string;
  messageId: number;
  text: z.input<typeof textSchema>;
  locale?: string;
}

export interface TelegramGateway {
  send(message: z.output<typeof telegramMessageSchema>): Promise<SentMessage>;
  /** Telegram's "message is not modified" is success: the message already says it. */
  editMessage(edit: TelegramEdit): Promise<void>;
  deleteMessage(chatId: string, messageId: number): Promise<void>;
}

/** Telegram's flood limits, shared by every process sending (AppContext.telegramLimiters). */
export interface TelegramLimiters {
  chat: RateLimiter;
  global: RateLimiter;
}

const PER_CHAT_PER_SECOND = 1;
const GLOBAL_PER_SECOND = 30;

export function createTelegramLimiters(state: SharedState): TelegramLimiters {
  return {
    chat: state.createRateLimiter({ name: 'telegram:chat', points: PER_CHAT_PER_SECOND, durationMs: 1_000 }),
    global: state.createRateLimiter({ name: 'telegram:global', points: GLOBAL_PER_SECOND, durationMs: 1_000 }),
  };
}
