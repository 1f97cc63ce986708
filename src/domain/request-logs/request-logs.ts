// API request logs (GET /v1/request-logs): one row per authenticated partner request, written in
// batches by the buffer (buffer.ts), read newest first by the partner, deleted after the retention.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { ApiKeyMode } from '../api-keys/api-keys.tables.ts';
import type { ApiRequestLogRow } from './request-logs.tables.ts';

export interface RequestLogEntry {
  /** The partner (or admin) behind the key. */
  accountId: string;
  keyId: string;
  keyMode: ApiKeyMode;
  method: string;
  /** Route template such as `/v1/orders/:id`. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  at: Date;
}

export interface RequestLog extends RequestLogEntry {
  id: string;
}

/** A status class such as `4xx`, or one status such as `404`. */
export const STATUS_FILTER = /^([1-5])(xx|\d\d)$/;

export interface RequestLogQuery {
  status?: string;
  path?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export const MAX_REQUEST_LOG_PAGE = 200;

/** Writes a batch with one multi-row insert. */
export async function insertRequestLogs(db: Kysely<DB>, entries: readonly RequestLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('api_request_logs')
    .values(
      entries.map((entry) => ({
        account_id: entry.accountId,
        key_id: entry.keyId,
        key_mode: entry.keyMode,
        method: entry.method,
        path: entry.path,
        status: entry.status,
        duration_ms: entry.durationMs,
        request_id: entry.requestId,
        created_at: entry.at,
      })),
    )
    .execute();
}

function toRequestLog(row: ApiRequestLogRow): RequestLog {
  return {
    id: String(row.id),
    accountId: row.account_id,
    keyId: row.key_id,
    keyMode: row.key_mode,
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: row.duration_ms,
    requestId: row.request_id,
    at: row.created_at,
  };
}

// The cursor is the last row's time (epoch ms) and id: rows are ordered by (created_at, id) desc.
const CURSOR = /^(\d{1,15})\.(\d{1,18})$/;
const encodeCursor = (log: RequestLog) => `${log.at.getTime()}.${log.id}`;

/** One account's logs, newest first, keyset-paginated. */
export async function listRequestLogs(
  db: Kysely<DB>,
  accountId: string,
  query: RequestLogQuery = {},
): Promise<{ logs: RequestLog[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), MAX_REQUEST_LOG_PAGE);
  const cursor = query.cursor === undefined ? undefined : CURSOR.exec(query.cursor);
  if (cursor === null) throw new DomainError('invalid_cursor', 'not a cursor from this list');
  const status = query.status === undefined ? undefined : STATUS_FILTER.exec(query.status);
  if (status === null) throw new DomainError('invalid_status_filter', 'status must be a status code such as 404 or a class such as 4xx');
  let select = db.selectFrom('api_request_logs').selectAll().where('account_id', '=', accountId);
  if (status) {
    const [, first, rest] = status;
    select =
      rest === 'xx'
        ? select.where('status', '>=', Number(first) * 100).where('status', '<', Number(first) * 100 + 100)
        : select.where('status', '=', Number(`${first}${rest}`));
  }
  if (query.path !== undefined) select = select.where('path', '=', query.path);
  if (query.from) select = select.where('created_at', '>=', query.from);
  if (query.to) select = select.where('created_at', '<', query.to);
  if (cursor) {
    const [, ms, id] = cursor;
    select = select.where(sql<boolean>`(created_at, id) < (${new Date(Number(ms))}, ${id}::bigint)`);
  }
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const logs = rows.slice(0, limit).map(toRequestLog);
  const last = logs[logs.length - 1];
  return { logs, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Deletes logs older than `before`, `batchSize` rows per statement (short locks); returns how many. */
export async function deleteRequestLogsBefore(db: Kysely<DB>, before: Date, options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 1_000;
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const result = await db
      .deleteFrom('api_request_logs')
      .where('id', 'in', (sub) => sub.selectFrom('api_request_logs').select('id').where('created_at', '<', before).limit(batchSize))
      .executeTakeFirst();
    const count = Number(result.numDeletedRows);
    removed += count;
    if (count < batchSize) break;
  }
  return removed;
}
