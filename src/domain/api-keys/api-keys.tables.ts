// Tables of the API keys area (migration 2026_11_28_050000_create_api_keys).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export type ApiKeyMode = 'live' | 'test';
/** What a key may do (docs/api.md, scopes): `owner` everything; a partner user's key its user's role. */
export type ApiKeyScope = 'owner' | 'manager' | 'developer' | 'finance';

export interface ApiKeysTable {
  id: Generated<string>;
  account_id: string;
  mode: ApiKeyMode;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  ip_allowlist: string[] | null;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  replaced_by: string | null;
  /** Migration 2026_11_28_110000: `owner` by default; a user's key has the user's role. */
  scope: ColumnType<ApiKeyScope, ApiKeyScope | undefined, ApiKeyScope>;
  partner_user_id: ColumnType<string | null, string | null | undefined, string | null>;
}
export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface ApiSandboxAccountsTable {
  partner_id: string;
  sandbox_account_id: string;
  created_at: Timestamp;
}

/** Requests per account and UTC day (migration 2026_11_28_070100), for usage stats. */
export interface ApiUsageDaysTable {
  account_id: string;
  /** YYYY-MM-DD (UTC). */
  day: ColumnType<string, string, string>;
  requests: ColumnType<bigint, bigint | number, bigint | number>;
}

export interface ApiKeysTables {
  api_keys: ApiKeysTable;
  api_sandbox_accounts: ApiSandboxAccountsTable;
  api_usage_days: ApiUsageDaysTable;
}
