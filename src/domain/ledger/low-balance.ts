// Low-balance events (SPEC: partners' `wallet.low_balance` webhook). A customer wallet may have a
// threshold; a debit that takes its balance from ≥ threshold to < threshold is a crossing and
// records one event in the debit's transaction. Comparing the balance before and after each debit
// makes it "once per crossing" without any state: to cross again, the balance must first be back at
// or above the threshold (re-armed by whatever credit got it there).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, toJsonMoney, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { enqueueWebhookEvent } from '../webhooks/webhooks.ts';

export interface LowBalanceCrossing {
  accountId: string;
  balance: Money;
  threshold: Money;
}

/** True when a debit took the balance from at or above the threshold to below it. */
export const crossesBelow = (before: bigint, after: bigint, threshold: bigint): boolean => before >= threshold && after < threshold;

/**
 * Call in the transaction of every debit of a customer wallet (the ledger's `transfer` does; a path
 * that calls the `ledger_transfer` SQL function directly must too). `threshold` when the caller
 * already read it (undefined: read here; null: the wallet has none). Records the partner's
 * `wallet.low_balance` webhook event on a crossing; returns the crossing, if any.
 */
export async function afterWalletDebit(
  trx: Kysely<DB>,
  accountId: string,
  balanceBefore: Money,
  balanceAfter: Money,
  options: { threshold?: bigint | null; transferId?: string } = {},
): Promise<LowBalanceCrossing | undefined> {
  let threshold = options.threshold;
  if (threshold === undefined) {
    const row = await trx.selectFrom('ledger_accounts').select('low_balance_threshold').where('id', '=', `wallet:${accountId}`).executeTakeFirst();
    threshold = row?.low_balance_threshold ?? null;
  }
  if (threshold === null || !crossesBelow(balanceBefore.amount, balanceAfter.amount, threshold)) return undefined;
  const crossing = { accountId, balance: balanceAfter, threshold: money(threshold, balanceAfter.currency) };
  const owner = await trx.selectFrom('accounts').select('role').where('id', '=', accountId).executeTakeFirst();
  if (owner?.role === 'partner') {
    await enqueueWebhookEvent(
      trx,
      accountId,
      'wallet.low_balance',
      { accountId, balance: toJsonMoney(crossing.balance), threshold: toJsonMoney(crossing.threshold), ...(options.transferId ? { transferId: options.transferId } : {}) },
      // A replayed or repeated recording of the same debit keeps one event.
      ...(options.transferId ? [{ dedupeKey: `low_balance:${options.transferId}` }] : []),
    );
  }
  return crossing;
}

/** Debited wallets of a transfer that have a threshold, with their balance now (one indexed read). */
export async function checkDebitedWallets(
  trx: Kysely<DB>,
  transferId: string,
  debits: readonly { ledgerAccountId: string; amount: Money }[],
): Promise<LowBalanceCrossing[]> {
  if (debits.length === 0) return [];
  const wallets = await trx
    .selectFrom('ledger_accounts')
    .select(['id', 'account_id', 'balance', 'currency', 'low_balance_threshold'])
    .where('id', 'in', debits.map((debit) => debit.ledgerAccountId))
    .where('low_balance_threshold', 'is not', null)
    .execute();
  const crossings: LowBalanceCrossing[] = [];
  for (const wallet of wallets) {
    const debit = debits.find((candidate) => candidate.ledgerAccountId === wallet.id);
    if (!debit || wallet.account_id === null || wallet.balance === null) continue;
    const after = money(wallet.balance, wallet.currency);
    const before = money(wallet.balance - debit.amount.amount, wallet.currency); // the debit is negative
    const crossing = await afterWalletDebit(trx, wallet.account_id, before, after, { threshold: wallet.low_balance_threshold, transferId });
    if (crossing) crossings.push(crossing);
  }
  return crossings;
}

/** Sets (or with null removes) a wallet's threshold, in the wallet's currency; audited. */
export async function setLowBalanceThreshold(db: Kysely<DB>, actor: Actor, accountId: string, threshold: Money | null): Promise<Money | null> {
  const wallet = await db.selectFrom('ledger_accounts').select(['currency', 'low_balance_threshold']).where('id', '=', `wallet:${accountId}`).executeTakeFirst();
  if (!wallet) throw new DomainError('account_not_found', `no wallet for account ${accountId}`);
  if (threshold && threshold.currency !== wallet.currency) {
    throw new DomainError('currency_mismatch', `the wallet is in ${wallet.currency}, not ${threshold.currency}`);
  }
  if (threshold && threshold.amount <= 0n) throw new DomainError('invalid_amount', 'the threshold must be positive');
  await db
    .updateTable('ledger_accounts')
    .set({ low_balance_threshold: threshold?.amount ?? null })
    .where('id', '=', `wallet:${accountId}`)
    .execute();
  const show = (value: bigint | null) => (value === null ? null : toJsonMoney(money(value, wallet.currency)));
  await writeAudit(db, {
    actor,
    action: 'wallet.low_balance_threshold_set',
    subject: { type: 'account', id: accountId },
    before: { threshold: show(wallet.low_balance_threshold) },
    after: { threshold: show(threshold?.amount ?? null) },
  });
  return threshold;
}

/** A wallet's threshold, or null. */
export async function lowBalanceThreshold(db: Kysely<DB>, accountId: string): Promise<Money | null> {
  const wallet = await db.selectFrom('ledger_accounts').select(['currency', 'low_balance_threshold']).where('id', '=', `wallet:${accountId}`).executeTakeFirst();
  return wallet?.low_balance_threshold == null ? null : money(wallet.low_balance_threshold, wallet.currency);
}
