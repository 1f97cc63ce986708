import { sql, type Kysely } from 'kysely';

// The vendor catalog as our last good copy (brands, products, categories), each sync run's record,
// the pages a running full sync has fetched so far (so a crash resumes; nothing is visible until
// the run commits), and FX rates with the time they were fetched.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalog_categories')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('catalog_brands')
    // Bamboo's internalId, or name|country|currency when it sends none.
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('country_code', 'text', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('disclaimer', 'text')
    .addColumn('redemption_instructions', 'text')
    .addColumn('terms', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('category_ids', sql`integer[]`, (column) => column.notNull().defaultTo(sql`'{}'`))
    .addColumn('vendor_modified_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('catalog_products')
    .addColumn('id', 'bigint', (column) => column.primaryKey()) // Bamboo's ProductId
    .addColumn('brand_key', 'text', (column) => column.notNull().references('catalog_brands.key'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull().check(sql`kind in ('fixed', 'range')`))
    .addColumn('face_currency', 'text', (column) => column.notNull())
    .addColumn('min_face_minor', 'bigint', (column) => column.notNull())
    .addColumn('max_face_minor', 'bigint', (column) => column.notNull())
    .addColumn('cost_currency', 'text', (column) => column.notNull())
    .addColumn('cost_min_minor', 'bigint', (column) => column.notNull())
    .addColumn('cost_max_minor', 'bigint', (column) => column.notNull())
    .addColumn('stock', 'integer') // null: unlimited
    .addColumn('active', 'boolean', (column) => column.notNull().defaultTo(true))
    .addColumn('vendor_modified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('catalog_products_brand_idx').on('catalog_products').column('brand_key').execute();
  await db.schema.createIndex('catalog_products_active_idx').on('catalog_products').columns(['active', 'face_currency']).execute();

  await db.schema
    .createTable('catalog_sync_runs')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('kind', 'text', (column) => column.notNull().check(sql`kind in ('full', 'delta')`))
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('running', 'succeeded', 'failed')`))
    // The YYYY-MM-DD a delta asked Bamboo for, as sent (text: pg would turn a date into local midnight).
    .addColumn('modified_since', 'text')
    .addColumn('started_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    // Pages are counted in the page size Bamboo actually used (it may cap what we ask for).
    .addColumn('page_size', 'integer')
    .addColumn('next_page', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('total_pages', 'integer')
    .addColumn('pages', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('products_seen', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('products_added', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('products_changed', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('products_removed', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('errors', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'`))
    .execute();

  await db.schema
    .createTable('catalog_sync_pages')
    .addColumn('run_id', 'bigint', (column) => column.notNull().references('catalog_sync_runs.id').onDelete('cascade'))
    .addColumn('page_index', 'integer', (column) => column.notNull())
    .addColumn('brands', 'jsonb', (column) => column.notNull())
    .addPrimaryKeyConstraint('catalog_sync_pages_pk', ['run_id', 'page_index'])
    .execute();

  await db.schema
    .createTable('fx_rates')
    .addColumn('base_currency', 'text', (column) => column.notNull())
    .addColumn('quote_currency', 'text', (column) => column.notNull())
    .addColumn('rate', sql`numeric(30, 10)`, (column) => column.notNull())
    // Bamboo refreshes hourly and sends no timestamp: the source time is when we fetched it.
    .addColumn('source_time', 'timestamptz', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('fx_rates_pk', ['base_currency', 'quote_currency', 'source_time'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['fx_rates', 'catalog_sync_pages', 'catalog_sync_runs', 'catalog_products', 'catalog_brands', 'catalog_categories']) {
    await db.schema.dropTable(table).execute();
  }
}
