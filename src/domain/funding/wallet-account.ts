import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, type Money } from '../../shared/money.ts';
import { getAccount, type Account } from '../accounts/accounts.ts';

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
