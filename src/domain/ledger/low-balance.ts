// Low-balance thresholds of customer wallets (partners' `wallet.low_balance` webhook). The check
// itself lives in the `ledger_transfer` SQL function (migration 2026_11_28_130200), so every path
// that moves money (transfer(), or a caller of the function) gets it: with the wallet row locked, a
// debit that takes the balance from ≥ threshold to < threshold records one event in the same
// statement. Comparing before and after makes it "once per crossing" without state: to cross again,
// the balance must first be back at or above the threshold (re-armed by whatever credit got it there).
//
// The bot's users get the same crossing rule against one platform-wide LOW_BALANCE_THRESHOLD: the
// debiting service calls `recordLowBalanceCrossing` in its own transaction (the wallet row is locked
// by the transfer, so the balance read there is exact), which decides with `crossedBelow` and records
// a `wallet.low_balance` domain event; the root's Telegram sink tells the wallet's owner.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { currencyExponent, money, parseMoney, toJsonMoney, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { eventMoney, type EventContext } from '../events.ts';
import { writeAudit } from '../audit/audit.ts';
import { walletBalance, walletId } from './ledger.ts';

/**
 * Did a debit of `debited`, which left the wallet at `balance`, take it from at or above `threshold`
 * to below it? Comparing before and after makes it once per crossing without state (the SQL
 * functions apply the same comparison to partners' own thresholds).
 */
export function crossedBelow(balance: Money, debited: Money, threshold: Money): boolean {
  const before = balance.amount + debited.amount;
  return before >= threshold.amount && balance.amount < threshold.amount;
}

/**
 * In the transaction `trx` that just debited `debited` from the account's wallet: records
 * `wallet.low_balance` when that debit crossed LOW_BALANCE_THRESHOLD (in the wallet's currency).
 * Only debits made in the bot count: partners have their own threshold's webhook, and a debit over
 * the API or the CLI tells nobody.
 */
export async function recordLowBalanceCrossing(ctx: EventContext, trx: Kysely<DB>, actor: Actor, accountId: string, debited: Money): Promise<void> {
  if (actor.channel !== 'telegram') return;
  const balance = await walletBalance(trx, accountId);
  const threshold = parseMoney(ctx.config.LOW_BALANCE_THRESHOLD, balance.currency, 'half-up');
  if (!crossedBelow(balance, debited, threshold)) return;
  await ctx.events.record(trx, { type: 'wallet.low_balance', accountId, balance: eventMoney(balance), threshold: eventMoney(threshold) });
}

/** Sets (or with null removes) a wallet's threshold, in the wallet's currency; audited. */
export async function setLowBalanceThreshold(db: Kysely<DB>, actor: Actor, accountId: string, threshold: Money | null): Promise<Money | null> {
  // The change and its audit row commit together.
  return withTransaction(db, async (trx) => {
    const wallet = await trx
      .selectFrom('ledger_accounts')
      .select(['currency', 'low_balance_threshold'])
      .where('id', '=', walletId(accountId))
      .executeTakeFirst();
    if (!wallet) throw new DomainError('account_not_found', `no wallet for account ${accountId}`);
    if (threshold && threshold.currency !== wallet.currency) {
      throw new DomainError('currency_mismatch', `the wallet is in ${wallet.currency}, not ${threshold.currency}`);
    }
    if (threshold && threshold.amount <= 0n) throw new DomainError('invalid_amount', 'the threshold must be positive');
    await trx
      .updateTable('ledger_accounts')
      .set({ low_balance_threshold: threshold?.amount ?? null, low_balance_scale: threshold ? currencyExponent(threshold.currency) : null })
      .where('id', '=', walletId(accountId))
      .execute();
    const show = (value: bigint | null) => (value === null ? null : toJsonMoney(money(value, wallet.currency)));
    await writeAudit(trx, {
      actor,
      action: 'wallet.low_balance_threshold_set',
      subject: { type: 'account', id: accountId },
      before: { threshold: show(wallet.low_balance_threshold) },
      after: { threshold: show(threshold?.amount ?? null) },
    });
    return threshold;
  });
}

/** A wallet's balance and low-balance threshold from one read of its row (GET /v1/wallet). */
export async function walletWithThreshold(db: Kysely<DB>, accountId: string): Promise<{ balance: Money; lowBalanceThreshold: Money | null }> {
  const wallet = await db
    .selectFrom('ledger_accounts')
    .select(['balance', 'currency', 'low_balance_threshold'])
    .where('id', '=', walletId(accountId))
    .executeTakeFirst();
  // Wallets store their balance; anything else takes the general path (and its errors).
  if (!wallet || wallet.balance === null) return { balance: await walletBalance(db, accountId), lowBalanceThreshold: await lowBalanceThreshold(db, accountId) };
  return {
    balance: money(wallet.balance, wallet.currency),
    lowBalanceThreshold: wallet.low_balance_threshold == null ? null : money(wallet.low_balance_threshold, wallet.currency),
  };
}

/** A wallet's threshold, or null. */
export async function lowBalanceThreshold(db: Kysely<DB>, accountId: string): Promise<Money | null> {
  const wallet = await db.selectFrom('ledger_accounts').select(['currency', 'low_balance_threshold']).where('id', '=', walletId(accountId)).executeTakeFirst();
  return wallet?.low_balance_threshold == null ? null : money(wallet.low_balance_threshold, wallet.currency);
}
