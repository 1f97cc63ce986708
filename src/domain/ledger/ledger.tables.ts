import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { Timestamp } from '../columns.ts';

export interface LedgerAccountsTable {
  /** `wallet:<account id>` or `system:<code>:<currency>`. */
  id: string;
  kind: 'wallet' | 'system';
  account_id: string | null;
  system_code: string | null;
  currency: string;
  /** Stored for wallets only (never negative); null for system accounts (sum of entries). */
  balance: ColumnType<bigint | null, bigint | string | number | null, bigint | string | number | null>;
  /** Customer wallets: below this (minor units) a debit raises a low-balance event; null: none. */
  low_balance_threshold: ColumnType<bigint | null, bigint | string | null | undefined, bigint | string | null>;
  /** The currency's minor-unit digits, set with the threshold (the ledger function formats amounts with it). */
  low_balance_scale: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}
export type LedgerAccountRow = Selectable<LedgerAccountsTable>;

export interface TransfersTable {
  id: Generated<string>;
  idempotency_key: string;
  kind: string;
  metadata: ColumnType<Record<string, unknown>, string | undefined, never>;
  actor_account_id: string | null;
  created_at: Timestamp;
}
export type TransferRow = Selectable<TransfersTable>;

export interface EntriesTable {
  id: Generated<bigint>;
  transfer_id: string;
  ledger_account_id: string;
  currency: string;
  /** What the entry adds to its account's balance (credit > 0, debit < 0). */
  amount: Int8;
  created_at: Timestamp;
}
export type EntryRow = Selectable<EntriesTable>;

export interface LedgerTables {
  ledger_accounts: LedgerAccountsTable;
  transfers: TransfersTable;
  entries: EntriesTable;
}
