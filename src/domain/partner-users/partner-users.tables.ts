// Tables of the partner users area (migration 2026_11_28_110000_create_partner_users).
import type { Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export type PartnerUserRole = 'developer' | 'finance';

export interface PartnerUsersTable {
  id: Generated<string>;
  /** The real partner account (never its sandbox). */
  account_id: string;
  name: string;
  email: string;
  role: PartnerUserRole;
  created_at: Timestamp;
  created_by: string | null;
  removed_at: NullableTimestamp;
  removed_by: string | null;
}
export type PartnerUserRow = Selectable<PartnerUsersTable>;

export interface PartnerUsersTables {
  partner_users: PartnerUsersTable;
}
