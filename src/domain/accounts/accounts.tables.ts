import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export const ACCOUNT_ROLES = ['admin', 'agent', 'sub_agent', 'partner'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export type AccountStatus = 'active' | 'paused';

/** Telegram user ids are int8 (they exceed 2^31); bigint out, bigint/string/number in. */
type TelegramId = ColumnType<bigint | null, bigint | string | number | null | undefined, bigint | string | number | null>;

export interface AccountsTable {
  id: Generated<string>;
  role: AccountRole;
  name: string;
  parent_id: string | null;
  status: Generated<AccountStatus>;
  telegram_user_id: TelegramId;
  currency: string;
  /** The bot's language for this user (a locale code); null follows Telegram's language code. */
  language: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type AccountRow = Selectable<AccountsTable>;

export interface InvitesTable {
  id: Generated<string>;
  token_hash: string;
  role: 'agent' | 'sub_agent';
  parent_id: string | null;
  created_by: string | null;
  name: string | null;
  currency: string;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  redeemed_at: NullableTimestamp;
  redeemed_account_id: string | null;
  created_at: Timestamp;
}
export type InviteRow = Selectable<InvitesTable>;

export interface AccountsTables {
  accounts: AccountsTable;
  invites: InvitesTable;
}
