import { sql, type Kysely } from 'kysely';

// Re-engagement notices: one row per account and spell of inactivity, keyed by when the spell began
// (the account's last activity, or its creation when it never did anything). The primary key makes a
// second run of the daily job, or two workers at once, record and send nothing more.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reengagement_notices')
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('inactive_since', 'timestamptz', (column) => column.notNull())
    .addColumn('last_activity_at', 'timestamptz')
    .addColumn('channel', 'text', (column) => column.notNull().check(sql`channel in ('webhook', 'telegram')`))
    .addColumn('inactive_days', 'integer', (column) => column.notNull())
    .addColumn('notified_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('reengagement_notices_pkey', ['account_id', 'inactive_since'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reengagement_notices').execute();
}
