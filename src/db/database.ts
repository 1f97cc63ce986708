// Kysely over node-postgres. Type parsing is decided here, once, for our pool only
// (pg-boss keeps its own pool and the library defaults):
//   int8 (money in minor units, count(*))  -> bigint
//   numeric (vendor decimals, FX rates)   -> string, converted with a decimal library at the edge
//   timestamptz                            -> Date (pg default)
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { isDependencyUnavailable } from '../shared/unavailable.ts';
import type { DB } from './schema.ts';

const INT8_OID = 20;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export type Database = Kysely<DB>;

/**
 * A statement whose text contains this comment runs as a named prepared statement: PostgreSQL
 * parses and plans it once per connection instead of on every call. For the hot statements of
 * order intake, whose texts are fixed: each marked text becomes one prepared statement on each
 * pooled connection, so a text built per call (an `in` list of varying length) must not be marked.
 */
export const PREPARED = '/* prepared */';
/** `PREPARED` for Kysely: sql`${prepared} select …` or `.modifyFront(prepared)`. */
export const prepared = sql.raw(PREPARED);
const statementNames = new Map<string, string>();

/** Routes a client's marked statements through node-postgres's named (prepared) statements. */
function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text !== 'string' || !text.includes(PREPARED)) return query(text, values, callback);
    let name = statementNames.get(text);
    if (!name) statementNames.set(text, (name = `steller_${statementNames.size + 1}`));
    return query({ name, text, values }, callback);
  }) as typeof client.query;
}

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
}

export function createDatabase(connectionString: string, options: { poolSize?: number; applicationName?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    types,
    application_name: options.applicationName ?? 'steller',
    connectionTimeoutMillis: 5_000,
  });
  // A connection lost while idle (the pool's 'error') or in use (the client's own 'error', which
  // the pool does not listen to while a client is checked out) must not crash the process: the
  // query in flight rejects with the error, the pool drops the client, the next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareMarkedStatements(client);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

/** Replaces the database name in a connection URL (used for admin and per-test databases). */
export function withDatabaseName(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Waits until PostgreSQL accepts connections (it may be restarting or recovering), retrying with
 * backoff up to `timeoutMs`; other errors (a wrong password, a bad URL) fail at once.
 */
export async function waitForDatabase(
  connectionString: string,
  options: { timeoutMs: number; onRetry?: (error: Error, waitMs: number) => void },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ensureDatabaseExists(connectionString);
      return;
    } catch (error) {
      const waitMs = Math.min(100 * 2 ** (attempt - 1), 2_000);
      if (!isDependencyUnavailable(error) || Date.now() + waitMs > deadline) throw error;
      options.onRetry?.(error as Error, waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** Creates a database if it does not exist yet (connects to the `postgres` maintenance db). */
export async function ensureDatabaseExists(connectionString: string): Promise<void> {
  const name = decodeURIComponent(new URL(connectionString).pathname.slice(1));
  const admin = new pg.Client({ connectionString: withDatabaseName(connectionString, 'postgres') });
  await admin.connect();
  try {
    const existing = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (existing.rowCount === 0) {
      await admin.query(`create database ${admin.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  } finally {
    await admin.end();
  }
}
