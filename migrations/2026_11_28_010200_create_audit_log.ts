import { sql, type Kysely } from 'kysely';

// Who did what to whom, when and through which channel (docs/product.md#roles-and-the-hierarchy): every money movement and every
// change of rights or status. Append-only like the ledger (uses its append_only_guard()).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    // Null actor: the platform itself (CLI operator, scheduled job).
    .addColumn('actor_account_id', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('channel', 'text', (column) => column.notNull().check(sql`channel in ('telegram', 'api', 'cli', 'system')`))
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('subject_type', 'text', (column) => column.notNull())
    .addColumn('subject_id', 'text', (column) => column.notNull())
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .execute();
  await db.schema.createIndex('audit_log_actor_at_idx').on('audit_log').columns(['actor_account_id', 'at']).execute();
  await db.schema.createIndex('audit_log_subject_at_idx').on('audit_log').columns(['subject_type', 'subject_id', 'at']).execute();
  await db.schema.createIndex('audit_log_action_at_idx').on('audit_log').columns(['action', 'at']).execute();
  // Rows arrive in time order: a BRIN index serves date ranges at almost no write cost.
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').using('brin').column('at').execute();
  await sql`create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function append_only_guard()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
}
