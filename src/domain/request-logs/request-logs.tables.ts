// Tables of the request logs area (migration 2026_11_28_100000_create_api_request_logs).
import type { Generated, Selectable } from 'kysely';
import type { ApiKeyMode } from '../api-keys/api-keys.tables.ts';
import type { Timestamp } from '../columns.ts';

export interface ApiRequestLogsTable {
  id: Generated<bigint>;
  /** The partner (or admin) behind the key: a test key's requests belong to its partner too. */
  account_id: string;
  key_id: string;
  key_mode: ApiKeyMode;
  method: string;
  /** The route template (`/v1/orders/:id`), never the raw path. */
  path: string;
  status: number;
  duration_ms: number;
  request_id: string;
  created_at: Timestamp;
}
export type ApiRequestLogRow = Selectable<ApiRequestLogsTable>;

export interface RequestLogsTables {
  api_request_logs: ApiRequestLogsTable;
}
