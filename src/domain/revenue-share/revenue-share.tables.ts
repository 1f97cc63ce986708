import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { Timestamp } from '../columns.ts';

/** A `date` column: pg returns a Date at local midnight, so we always select it as text (YYYY-MM-DD). */
type DateColumn = ColumnType<Date | string, string, string>;

export interface RevenueShareAccrualsTable {
  id: Generated<string>;
  order_id: string;
  agent_id: string;
  sub_agent_id: string;
  amount: Int8;
  currency: string;
  month: DateColumn;
  transfer_id: string | null;
  created_at: Timestamp;
}
export type RevenueShareAccrualRow = Selectable<RevenueShareAccrualsTable>;

export interface RevenueSharePayoutsTable {
  id: Generated<string>;
  agent_id: string;
  month: DateColumn;
  amount: Int8;
  currency: string;
  transfer_id: string;
  created_at: Timestamp;
}

export interface RevenueShareTables {
  revenue_share_accruals: RevenueShareAccrualsTable;
  revenue_share_payouts: RevenueSharePayoutsTable;
}
