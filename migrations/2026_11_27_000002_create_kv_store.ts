import { sql, type Kysely } from 'kysely';

// Durable key/value entries for state that must survive a restart when Redis is not configured
// (bot conversations, language choices). Expired rows are ignored on read and swept by a job.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kv_store')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('kv_store_expires_at_idx').on('kv_store').column('expires_at').where(sql.ref('expires_at'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kv_store').execute();
}
