// Messages to one user of an account, through the telegram.send queue, in the account's language.
// Used by the bot and by anything in src/ that must tell a user something (the order engine's
// results, low balance after a purchase).
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { Account } from '../domain/accounts/accounts.ts';
import { findTelegramUser } from '../domain/accounts/language.ts';
import { telegramSendQueue } from './telegram-queues.ts';
import { formatMoney, parseMoney, type Money } from '../shared/money.ts';
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

/**
 * After `debited` left a Telegram user's wallet (now `balance`): tells its owner once per crossing of
 * LOW_BALANCE_THRESHOLD, i.e. when this debit took the balance from at or above it to below it. The
 * same rule as partners' `wallet.low_balance` event in `ledger_transfer` (docs/money.md); a debit
 * that leaves an already low wallet lower says nothing again.
 */
export async function warnIfLowBalance(app: AppContext, recipient: Recipient | undefined, balance: Money, debited: Money): Promise<void> {
  if (!recipient) return;
  const threshold = parseMoney(app.config.LOW_BALANCE_THRESHOLD, balance.currency, 'half-up');
  const before = balance.amount + debited.amount;
  if (balance.amount >= threshold.amount || before < threshold.amount) return;
  await notify(app, recipient, { text: { key: 'low-balance', vars: { balance: formatMoney(balance), threshold: formatMoney(threshold) } } });
}
