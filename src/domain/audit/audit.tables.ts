import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Timestamp } from '../columns.ts';

export type Json = ColumnType<unknown, string | null | undefined, never>;

export interface AuditLogTable {
  id: Generated<bigint>;
  at: Timestamp;
  actor_account_id: string | null;
  channel: 'telegram' | 'api' | 'cli' | 'system' | 'web';
  action: string;
  subject_type: string;
  subject_id: string;
  before: Json;
  after: Json;
}
export type AuditLogRow = Selectable<AuditLogTable>;

export interface AuditTables {
  audit_log: AuditLogTable;
}
