// Messages to one user of an account, through the telegram.send queue, in the account's language.
// Used by the bot and by the sinks of domain events that tell a user something (order results,
// wallet messages in wallet-alerts.ts).
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { Account } from '../domain/accounts/accounts.ts';
import { findTelegramUser } from '../domain/accounts/language.ts';
import { telegramSendQueue } from './telegram-queues.ts';
import type { TelegramMessage } from './telegram.ts';

/** An account with its bot language (null: the bot's default). */
export interface Recipient {
  account: Account;
  language: string | null;
}

/**
 * Queues a message to the account's Telegram user; nothing when the account is not bound to Telegram.
 * With `db` (a transaction) the message is queued only if that transaction commits.
 */
export async function notify(
  app: Pick<AppContext, 'jobs'>,
  recipient: Recipient,
  message: Omit<TelegramMessage, 'chatId' | 'locale'>,
  options: { db?: Kysely<DB> } = {},
): Promise<void> {
  const chatId = recipient.account.telegramUserId;
  if (chatId === null) return;
  await app.jobs.enqueue(
    telegramSendQueue,
    { ...message, chatId, ...(recipient.language ? { locale: recipient.language } : {}) },
    options.db ? { db: options.db } : {},
  );
}

/** The recipient behind an account id, if it is bound to a Telegram user. */
export async function recipientOf(app: AppContext, accountId: string): Promise<Recipient | undefined> {
  const row = await app.db.selectFrom('accounts').select('telegram_user_id').where('id', '=', accountId).executeTakeFirst();
  return row?.telegram_user_id == null ? undefined : findTelegramUser(app.db, row.telegram_user_id);
}
