// Small helpers every feature uses: who is acting, money as text, domain errors as friendly
// messages, and notifications through the telegram.send queue.
import type { AppContext } from '#src/context.ts';
import type { Account } from '#src/domain/accounts/accounts.ts';
import { findTelegramUser } from '#src/domain/accounts/language.ts';
import type { Actor } from '#src/domain/actor.ts';
import { telegramSendQueue } from '#src/jobs/handlers/telegram.ts';
import type { TelegramMessage } from '#src/notifications/telegram.ts';
import { isDomainError } from '#src/shared/errors.ts';
import { MoneyError, formatMoney, parseMoney, type Money } from '#src/shared/money.ts';
import type { BaseContext, BotContext, BotUser } from './context.ts';

export const telegramActor = (account: Account): Actor => ({ accountId: account.id, channel: 'telegram' });

/** Money as people read it: always with the currency and its decimals. */
export const showMoney = (value: Money): string => formatMoney(value);

/** A typed amount in the account's currency, or undefined when it is not a positive amount. */
export function parseAmount(text: string, currency: string): Money | undefined {
  try {
    const amount = parseMoney(text.replace(',', '.'), currency);
    return amount.amount > 0n ? amount : undefined;
  } catch (error) {
    if (error instanceof MoneyError) return undefined;
    throw error;
  }
}

/** Domain error codes with their own message in the locale files (`error-<code>`); the rest are generic. */
const EXPLAINED_ERRORS = new Set([
  'account_paused',
  'parent_paused',
  'forbidden',
  'insufficient_funds',
  'not_direct_child',
  'topup_already_decided',
  'fund_request_already_decided',
  'fund_request_not_found',
  'topup_not_found',
  'invite_not_found',
  'invite_used',
  'invite_revoked',
  'invite_expired',
  'telegram_id_taken',
  'month_not_over',
  'account_not_found',
  'not_an_admin',
  'cannot_demote_self',
  'reason_too_long',
  'proof_too_long',
]);

/** The localized message for an error, or undefined when it is not one the user can act on. */
export function errorText(ctx: BaseContext, error: unknown): string | undefined {
  if (!isDomainError(error) || !EXPLAINED_ERRORS.has(error.code)) return undefined;
  const vars: Record<string, string> = {};
  // insufficient_funds carries the balance already formatted with its currency.
  if (typeof error.details.balance === 'string') vars.balance = error.details.balance;
  return ctx.t(`error-${error.code.replaceAll('_', '-')}`, vars);
}

/** The locale a notification to this user is rendered in. */
export const localeOf = (user: { language: string | null }) => user.language ?? undefined;

/** Queues a message to a Telegram user (throttled and retried by the telegram.send queue). */
export async function notify(app: AppContext, user: BotUser, message: Omit<TelegramMessage, 'chatId' | 'locale'>): Promise<void> {
  const chatId = user.account.telegramUserId;
  if (chatId === null) return; // not bound to Telegram: nobody to tell
  const locale = localeOf(user);
  await app.jobs.enqueue(telegramSendQueue, { ...message, chatId, ...(locale ? { locale } : {}) });
}

export const isRole = (ctx: BaseContext, ...roles: Account['role'][]): boolean =>
  ctx.user !== undefined && roles.includes(ctx.user.account.role);

/** Starts a flow, leaving any other first (a menu button pressed in the middle of another flow). */
export async function enterFlow(ctx: BotContext, id: string, ...args: (string | number)[]): Promise<void> {
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, ...args);
}

/** Tells the wallet's owner when money left it and the balance is now below LOW_BALANCE_THRESHOLD. */
export async function warnIfLowBalance(app: AppContext, user: BotUser | undefined, balance: Money): Promise<void> {
  if (!user) return;
  const threshold = parseMoney(app.config.LOW_BALANCE_THRESHOLD, balance.currency, 'half-up');
  if (balance.amount >= threshold.amount) return;
  await notify(app, user, { text: { key: 'low-balance', vars: { balance: showMoney(balance), threshold: showMoney(threshold) } } });
}

/** The Telegram side of an account (for notifications), if it is bound to a Telegram user. */
export async function telegramUserOf(app: AppContext, accountId: string): Promise<BotUser | undefined> {
  const row = await app.db.selectFrom('accounts').select('telegram_user_id').where('id', '=', accountId).executeTakeFirst();
  return row?.telegram_user_id == null ? undefined : findTelegramUser(app.db, row.telegram_user_id);
}
