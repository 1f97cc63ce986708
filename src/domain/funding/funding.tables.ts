import type { Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export interface TopupRequestsTable {
  id: Generated<string>;
  account_id: string;
  amount: Int8;
  currency: string;
  proof_kind: 'photo' | 'reference';
  proof_value: string;
  proof_fingerprint: string;
  duplicate_of: string | null;
  status: Generated<'pending' | 'approved' | 'rejected'>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  reason: string | null;
  transfer_id: string | null;
  created_at: Timestamp;
}
export type TopupRequestRow = Selectable<TopupRequestsTable>;

export interface FundRequestsTable {
  id: Generated<string>;
  sub_agent_id: string;
  agent_id: string;
  amount: Int8;
  currency: string;
  note: string | null;
  status: Generated<'pending' | 'fulfilled' | 'declined'>;
  decided_at: NullableTimestamp;
  reason: string | null;
  transfer_id: string | null;
  created_at: Timestamp;
}
export type FundRequestRow = Selectable<FundRequestsTable>;

export interface FundingTables {
  topup_requests: TopupRequestsTable;
  fund_requests: FundRequestsTable;
}
