import type { Kysely, Transaction } from 'kysely';

/**
 * Runs `fn` in a transaction. When `db` already is a transaction, `fn` runs inside it, so a
 * service can be composed into a bigger unit of work (and tests can wrap everything in one).
 */
export async function withTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<DB>);
  return db.transaction().execute(fn);
}
