// Tables of the partner users area (migration 2026_11_28_110000_create_partner_users).
import type { Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

/** `manager`: everything an owner key may do, managing the partner's users included. */
export type PartnerUserRole = 'manager' | 'developer' | 'finance';

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
  /** argon2id (PHC string) of the user's web password; null: no web sign-in yet. */
  password_hash: Generated<string | null>;
  password_set_at: NullableTimestamp;
  /** The TOTP secret, encrypted like card codes (bound to the user id), and its key id; null: no TOTP. */
  totp_secret: Generated<string | null>;
  totp_key_id: Generated<string | null>;
  /** The TOTP time step (30 s periods since the epoch) of the last code accepted: only a later one is accepted. */
  totp_last_step: Generated<bigint | null>;
}
export type PartnerUserRow = Selectable<PartnerUsersTable>;

export interface PartnerUsersTables {
  partner_users: PartnerUsersTable;
}
