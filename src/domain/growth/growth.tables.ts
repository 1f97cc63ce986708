// Tables of the growth area (migration 2026_11_28_120000_create_reengagement_notices).
import type { Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export interface ReengagementNoticesTable {
  account_id: string;
  /** The start of the inactive spell: the last activity, or the account's creation. */
  inactive_since: Timestamp;
  last_activity_at: NullableTimestamp;
  channel: 'webhook' | 'telegram';
  inactive_days: number;
  notified_at: Timestamp;
}
export type ReengagementNoticeRow = Selectable<ReengagementNoticesTable>;

export interface GrowthTables {
  reengagement_notices: ReengagementNoticesTable;
}
