import { sql, type Kysely } from 'kysely';

// One row per authenticated partner API request (method, route template, status, duration), written
// in batches from a buffer. `account_id` is the partner behind the key (live or test), so a partner
// reads all its logs with one index scan. No foreign keys: a log row must never make a batch fail.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_request_logs')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('account_id', 'uuid', (column) => column.notNull())
    .addColumn('key_id', 'uuid', (column) => column.notNull())
    .addColumn('key_mode', 'text', (column) => column.notNull().check(sql`key_mode in ('live', 'test')`))
    .addColumn('method', 'text', (column) => column.notNull())
    .addColumn('path', 'text', (column) => column.notNull())
    .addColumn('status', 'smallint', (column) => column.notNull())
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();
  // The partner's list: newest first, keyset (created_at, id).
  await db.schema
    .createIndex('api_request_logs_account_created_idx')
    .on('api_request_logs')
    .expression(sql`account_id, created_at desc, id desc`)
    .execute();
  // The retention job deletes by age.
  await db.schema.createIndex('api_request_logs_created_idx').on('api_request_logs').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_request_logs').execute();
}
