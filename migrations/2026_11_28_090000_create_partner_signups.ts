import { sql, type Kysely } from 'kysely';

// Partners that signed up themselves (POST /v1/signup): what they told us, the admin's decision,
// and their onboarding stage with the time each stage was reached. Partners created by an operator
// have no row here (they count as approved).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partner_signups')
    .addColumn('account_id', 'uuid', (column) => column.primaryKey().references('accounts.id'))
    .addColumn('company_name', 'text', (column) => column.notNull())
    // Lower-cased by the API; unique, so two concurrent signups with one email make one partner.
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('use_case', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) =>
      column
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('reject_reason', 'text')
    .addColumn('stage', 'text', (column) =>
      column
        .notNull()
        .defaultTo('signed_up')
        .check(sql`stage in ('signed_up', 'first_test_order', 'approved', 'first_live_order', 'active')`),
    )
    .addColumn('signed_up_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('first_test_order_at', 'timestamptz')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('first_live_order_at', 'timestamptz')
    .addColumn('active_at', 'timestamptz')
    .addCheckConstraint('partner_signups_decision', sql`(status = 'pending') = (decided_at is null)`)
    .execute();
  await db.schema.createIndex('partner_signups_status_idx').on('partner_signups').columns(['status', 'signed_up_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('partner_signups').execute();
}
