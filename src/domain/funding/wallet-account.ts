import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, type Money } from '../../shared/money.ts';
import { getAccount, type Account } from '../accounts/accounts.ts';
import type { LowBalanceContext } from '../ledger/low-balance.ts';

/**
 * Where a funding service works: a database, or the app context. Given the context, a service also
 * publishes its wallet events (ctx.events) once its transaction committed; inside a caller's
 * transaction, or given only a database, it publishes nothing.
 */
export type FundingTarget = Kysely<DB> | LowBalanceContext;

export function fundingTarget(target: FundingTarget): { db: Kysely<DB>; events: LowBalanceContext | undefined } {
  if (!('events' in target)) return { db: target, events: undefined };
  return { db: target.db, events: target.db.isTransaction ? undefined : target };
}

/** Loads an account that has a wallet, and checks an amount is positive and in its currency. */
export async function getWalletAccount(db: Kysely<DB>, accountId: string, amount: Money): Promise<Account> {
  const account = await getAccount(db, accountId);
  if (account.role === 'admin') throw new DomainError('no_wallet', 'admin accounts have no wallet', { accountId });
  assertAmountFor(account, amount);
  return account;
}

export function assertAmountFor(account: Account, amount: Money): void {
  if (amount.currency !== account.currency) {
    throw new DomainError('currency_mismatch', `this wallet holds ${account.currency}, not ${amount.currency}`, { currency: account.currency });
  }
  if (amount.amount <= 0n) throw new DomainError('invalid_amount', `the amount must be positive, not ${formatMoney(amount)}`);
}

export function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (!trimmed) throw new DomainError('reason_required', 'a reason is required');
  if (trimmed.length > 500) throw new DomainError('reason_too_long', 'a reason has at most 500 characters');
  return trimmed;
}
