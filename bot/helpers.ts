// Small helpers every feature uses: who is acting, money as text, domain errors as friendly
// messages, entering flows. Notifications: src/notifications/notify.ts (shared with src/).
import type { Account } from '#src/domain/accounts/accounts.ts';
import type { Actor } from '#src/domain/actor.ts';
import type { InlineKeyboard } from 'grammy';
import { ERROR_CODES, type ErrorCode } from '#src/shared/error-codes.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import { MoneyError, formatMoney, parseMoney, type Money } from '#src/shared/money.ts';
import type { BaseContext, BotContext } from './context.ts';

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

/** The locale message of a code the bot explains (`botExplains` in the registry): `error-<code-with-dashes>`. */
export const errorMessageId = (code: ErrorCode): string => `error-${code.replaceAll('_', '-')}`;

/** The localized message for an error, or undefined when it is not one the user can act on. */
export function errorText(ctx: BaseContext, error: unknown): string | undefined {
  if (!isDomainError(error) || !ERROR_CODES[error.code].botExplains) return undefined;
  const vars: Record<string, string> = {};
  // insufficient_funds carries the balance as money leaves the domain ({amount, currency}).
  const balance = error.details.balance as { amount?: unknown; currency?: unknown } | undefined;
  if (typeof balance?.amount === 'string' && typeof balance.currency === 'string') vars.balance = formatMoney(parseMoney(balance.amount, balance.currency));
  return ctx.t(errorMessageId(error.code), vars);
}

export const isRole = (ctx: BaseContext, ...roles: Account['role'][]): boolean => ctx.user !== undefined && roles.includes(ctx.user.account.role);

/**
 * The guard of every admin menu and button: an admin account that is active. A demoted admin keeps
 * the role but is paused, and sees none of it (the domain refuses it again: requireAdmin).
 */
export const isActiveAdmin = (ctx: BaseContext): boolean => isRole(ctx, 'admin') && ctx.user?.account.status === 'active';

/**
 * Starts a flow, leaving any other first (a menu button pressed in the middle of another flow).
 * Every flow moves money or rights, which a paused account cannot: refused before the first question
 * (the domain refuses again at the end). Callers answer the button after entering, so that a
 * refusal can be the button's answer.
 */
export async function enterFlow(ctx: BotContext, id: string, ...args: (string | number)[]): Promise<void> {
  if (ctx.user?.account.status === 'paused') throw new DomainError('account_paused', 'a paused account cannot start this');
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, ...args);
}

/** Starts a new keyboard row unless the current one is still empty (no empty rows reach Telegram). */
export function newRow(keyboard: InlineKeyboard): InlineKeyboard {
  return keyboard.inline_keyboard.at(-1)?.length ? keyboard.row() : keyboard;
}
