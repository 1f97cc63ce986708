import { sql, type Kysely } from 'kysely';

// Pricing (docs/product.md#pricing-and-revenue-share): price plans with discounts in basis points (per product, or the plan's
// default), assigned per account or per role; and the Telegram card list (docs/product.md#catalog-and-the-card-list).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_plans')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (column) => column.notNull().unique())
    // Basis points off face value; negative is a markup. 10000 would make cards free.
    .addColumn('default_discount_bps', 'integer', (column) => column.notNull().check(sql`default_discount_bps > -10000 and default_discount_bps < 10000`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('price_plan_discounts')
    .addColumn('plan_id', 'uuid', (column) => column.notNull().references('price_plans.id').onDelete('cascade'))
    .addColumn('product_id', 'int8', (column) => column.notNull().references('catalog_products.id'))
    .addColumn('discount_bps', 'integer', (column) => column.notNull().check(sql`discount_bps > -10000 and discount_bps < 10000`))
    .addPrimaryKeyConstraint('price_plan_discounts_pkey', ['plan_id', 'product_id'])
    .execute();

  await db.schema
    .createTable('role_price_plans')
    .addColumn('role', 'text', (column) => column.primaryKey().check(sql`role in ('agent', 'sub_agent', 'partner')`))
    .addColumn('plan_id', 'uuid', (column) => column.notNull().references('price_plans.id'))
    .execute();

  await db.schema
    .createTable('account_price_plans')
    .addColumn('account_id', 'uuid', (column) => column.primaryKey().references('accounts.id'))
    .addColumn('plan_id', 'uuid', (column) => column.notNull().references('price_plans.id'))
    .execute();

  await db.schema
    .createTable('card_list_entries')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('position', 'integer', (column) => column.notNull().unique())
    .addColumn('product_id', 'int8', (column) => column.notNull().references('catalog_products.id'))
    // Either fixed denominations (face minor units) or a range; never both.
    .addColumn('denominations', sql`int8[]`)
    .addColumn('range_min_minor', 'int8')
    .addColumn('range_max_minor', 'int8')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'card_list_entries_shape',
      sql`(denominations is not null and cardinality(denominations) > 0 and range_min_minor is null and range_max_minor is null)
        or (denominations is null and range_min_minor is not null and range_max_minor is not null and range_min_minor <= range_max_minor)`,
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('card_list_entries').execute();
  await db.schema.dropTable('account_price_plans').execute();
  await db.schema.dropTable('role_price_plans').execute();
  await db.schema.dropTable('price_plan_discounts').execute();
  await db.schema.dropTable('price_plans').execute();
}
