// The user's bot language lives on the account (docs/product.md#the-telegram-bot), so every process and every channel that
// writes to the user (the bot, notifications from jobs) uses the same choice.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { toAccount, type Account } from './accounts.ts';

const LOCALE = /^[a-z]{2,3}$/;

export async function accountLanguage(db: Kysely<DB>, accountId: string): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('language').where('id', '=', accountId).executeTakeFirst();
  return row?.language ?? null;
}

/** Sets the language (a user's own preference: not audited, it moves no money and no rights). */
export async function setAccountLanguage(db: Kysely<DB>, accountId: string, language: string): Promise<void> {
  if (!LOCALE.test(language)) throw new DomainError('invalid_language', `not a language code: ${language}`);
  await db.updateTable('accounts').set({ language, updated_at: new Date() }).where('id', '=', accountId).execute();
}

/** Sets the language only when none is stored yet (the default taken from Telegram at first contact). */
export async function defaultAccountLanguage(db: Kysely<DB>, accountId: string, language: string): Promise<void> {
  if (!LOCALE.test(language)) return;
  await db.updateTable('accounts').set({ language }).where('id', '=', accountId).where('language', 'is', null).execute();
}

/** The languages of many accounts at once (notifications to every admin). */
export async function languagesOf(db: Kysely<DB>, accountIds: readonly string[]): Promise<Map<string, string | null>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['id', 'language']).where('id', 'in', accountIds).execute();
  return new Map(rows.map((row) => [row.id, row.language]));
}

/** The account bound to a Telegram user, with its bot language (one read per update in the bot). */
export async function findTelegramUser(
  db: Kysely<DB>,
  telegramUserId: string | bigint | number,
): Promise<{ account: Account; language: string | null } | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('telegram_user_id', '=', BigInt(telegramUserId)).executeTakeFirst();
  return row && { account: toAccount(row), language: row.language };
}

/** Active admins bound to Telegram, with their language: who hears about top-ups and ledger drift. */
export async function telegramAdmins(db: Kysely<DB>): Promise<{ account: Account; language: string | null }[]> {
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .where('telegram_user_id', 'is not', null)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ account: toAccount(row), language: row.language }));
}
