// KeyValueStore on PostgreSQL: the durable fallback when Redis is not configured (state that must
// survive a restart, such as bot conversations). Same contract as the Redis and memory stores.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { KeyValueStore } from './types.ts';

const expiry = (ttlMs: number | undefined) => (ttlMs ? new Date(Date.now() + ttlMs) : null);

export function createPostgresKeyValueStore(db: Database): KeyValueStore {
  return {
    async get(key) {
      const row = await db
        .selectFrom('kv_store')
        .select('value')
        .where('key', '=', key)
        .where((where) => where.or([where('expires_at', 'is', null), where('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      return row?.value;
    },
    async set(key, value, ttlMs) {
      const expires_at = expiry(ttlMs);
      await db
        .insertInto('kv_store')
        .values({ key, value, expires_at })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, expires_at, updated_at: sql`now()` }))
        .execute();
    },
    async setIfAbsent(key, value, ttlMs) {
      // Takes over an expired row; a live row wins.
      const result = await db
        .insertInto('kv_store')
        .values({ key, value, expires_at: expiry(ttlMs) })
        .onConflict((conflict) =>
          conflict
            .column('key')
            .doUpdateSet({ value, expires_at: expiry(ttlMs), updated_at: sql`now()` })
            .where('kv_store.expires_at', '<=', sql<Date>`now()`),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async delete(key) {
      await db.deleteFrom('kv_store').where('key', '=', key).execute();
    },
  };
}

/** Deletes expired entries; run by the maintenance job. Returns how many were removed. */
export async function sweepExpiredEntries(db: Database): Promise<number> {
  const result = await db
    .deleteFrom('kv_store')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
