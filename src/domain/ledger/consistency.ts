// The invariants of docs/product.md#money-and-the-ledger, checked against the whole ledger (hourly job and `steller ledger check`):
//   1. each transfer's entries sum to zero per currency (and it has at least two); so does everything;
//      each entry names an existing ledger account in that account's currency;
//   2. each wallet's stored balance equals the sum of its entries;
//   3. no wallet balance is negative (the CHECK makes this unreachable; checked anyway).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

export type Invariant =
  'transfer_unbalanced' | 'transfer_too_few_entries' | 'ledger_unbalanced' | 'entry_account_mismatch' | 'wallet_balance_mismatch' | 'negative_wallet';

export interface LedgerDrift {
  invariant: Invariant;
  /** Customer accounts involved (wallet owners), for the alert and the log. */
  accountIds: string[];
  ledgerAccountIds: string[];
  transferIds: string[];
  details: Record<string, string>;
}

export interface ConsistencyReport {
  ok: boolean;
  checkedAt: Date;
  transfers: number;
  wallets: number;
  drifts: LedgerDrift[];
}

/** Each query reports at most this many offenders: enough to act on, bounded output. */
const LIMIT = 100;

export async function checkLedgerConsistency(db: Kysely<DB>): Promise<ConsistencyReport> {
  const drifts: LedgerDrift[] = [];
  const drift = (invariant: Invariant, parts: Partial<Omit<LedgerDrift, 'invariant'>>) =>
    drifts.push({ invariant, accountIds: [], ledgerAccountIds: [], transferIds: [], details: {}, ...parts });

  const unbalanced = await sql<{ transfer_id: string; currency: string; sum: string }>`
    select transfer_id, currency, sum(amount)::text as sum from entries
    group by transfer_id, currency having sum(amount) <> 0 limit ${LIMIT}`.execute(db);
  for (const row of unbalanced.rows) {
    drift('transfer_unbalanced', { transferIds: [row.transfer_id], details: { currency: row.currency, sum: row.sum } });
  }

  const thin = await sql<{ id: string; entries: string }>`
    select t.id, count(e.id)::text as entries from transfers t left join entries e on e.transfer_id = t.id
    group by t.id having count(e.id) < 2 limit ${LIMIT}`.execute(db);
  for (const row of thin.rows) drift('transfer_too_few_entries', { transferIds: [row.id], details: { entries: row.entries } });

  const total = await sql<{ currency: string; sum: string }>`
    select currency, sum(amount)::text as sum from entries group by currency having sum(amount) <> 0`.execute(db);
  for (const row of total.rows) drift('ledger_unbalanced', { details: { currency: row.currency, sum: row.sum } });

  const orphans = await sql<{ transfer_id: string; ledger_account_id: string; currency: string }>`
    select e.transfer_id, e.ledger_account_id, e.currency from entries e
    left join ledger_accounts la on la.id = e.ledger_account_id
    where la.id is null or la.currency <> e.currency limit ${LIMIT}`.execute(db);
  for (const row of orphans.rows) {
    drift('entry_account_mismatch', { transferIds: [row.transfer_id], ledgerAccountIds: [row.ledger_account_id], details: { currency: row.currency } });
  }

  const mismatched = await sql<{ id: string; account_id: string; balance: string; entries: string }>`
    select la.id, la.account_id, la.balance::text as balance, coalesce(sum(e.amount), 0)::text as entries
    from ledger_accounts la left join entries e on e.ledger_account_id = la.id
    where la.kind = 'wallet'
    group by la.id having la.balance <> coalesce(sum(e.amount), 0) limit ${LIMIT}`.execute(db);
  for (const row of mismatched.rows) {
    drift('wallet_balance_mismatch', {
      accountIds: [row.account_id],
      ledgerAccountIds: [row.id],
      details: { storedBalance: row.balance, sumOfEntries: row.entries },
    });
  }

  const negative = await db.selectFrom('ledger_accounts').select(['id', 'account_id', 'balance']).where('balance', '<', 0n).limit(LIMIT).execute();
  for (const row of negative) {
    drift('negative_wallet', { accountIds: row.account_id ? [row.account_id] : [], ledgerAccountIds: [row.id], details: { balance: String(row.balance) } });
  }

  const counts = await sql<{ transfers: string; wallets: string }>`
    select (select count(*) from transfers)::text as transfers,
           (select count(*) from ledger_accounts where kind = 'wallet')::text as wallets`.execute(db);
  return {
    ok: drifts.length === 0,
    checkedAt: new Date(),
    transfers: Number(counts.rows[0]?.transfers ?? 0),
    wallets: Number(counts.rows[0]?.wallets ?? 0),
    drifts,
  };
}

/** Every customer account named by any drift (what the alert and the log list). */
export function accountsInvolved(report: ConsistencyReport): string[] {
  return [...new Set(report.drifts.flatMap((entry) => entry.accountIds))];
}
