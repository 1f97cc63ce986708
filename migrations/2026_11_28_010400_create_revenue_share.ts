import { sql, type Kysely } from 'kysely';

// Revenue share (docs/product.md#pricing-and-revenue-share): one accrual per completed sub-agent order, paid to the parent agent when
// an admin closes the month (one payout per agent and month).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('revenue_share_accruals')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The order engine's order id; one accrual per order.
    .addColumn('order_id', 'text', (column) => column.notNull().unique())
    .addColumn('agent_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('sub_agent_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('amount', 'int8', (column) => column.notNull().check(sql`amount >= 0`))
    .addColumn('currency', 'text', (column) => column.notNull())
    // First day of the (UTC) month the order completed in.
    .addColumn('month', 'date', (column) => column.notNull())
    .addColumn('transfer_id', 'uuid', (column) => column.references('transfers.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('revenue_share_accruals_agent_month_idx').on('revenue_share_accruals').columns(['agent_id', 'month']).execute();
  await db.schema.createIndex('revenue_share_accruals_month_idx').on('revenue_share_accruals').column('month').execute();

  await db.schema
    .createTable('revenue_share_payouts')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('agent_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('month', 'date', (column) => column.notNull())
    .addColumn('amount', 'int8', (column) => column.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('transfer_id', 'uuid', (column) => column.notNull().references('transfers.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('revenue_share_payouts_agent_month_key', ['agent_id', 'month'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revenue_share_payouts').execute();
  await db.schema.dropTable('revenue_share_accruals').execute();
}
