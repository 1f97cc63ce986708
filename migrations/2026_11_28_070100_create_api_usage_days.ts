import { type Kysely } from 'kysely';

// API requests per account (the account a key acts on) and UTC day, for GET /v1/usage. API
// processes count in memory and add their counts here every few seconds.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_usage_days')
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('day', 'date', (column) => column.notNull())
    .addColumn('requests', 'bigint', (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('api_usage_days_pkey', ['account_id', 'day'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_usage_days').execute();
}
