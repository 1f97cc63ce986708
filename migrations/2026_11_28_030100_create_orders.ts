import { sql, type Kysely } from 'kysely';

// Orders (docs/product.md#orders): the order with its price snapshot, its transitions, its cards (code and PIN
// encrypted), and per-account / per-role risk limits.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence order_number_seq`.execute(db);
  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Shown to people as ST-000123.
    .addColumn('number', 'int8', (column) =>
      column
        .notNull()
        .unique()
        .defaultTo(sql`nextval('order_number_seq')`),
    )
    .addColumn('buyer_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('channel', 'text', (column) => column.notNull())
    .addColumn('client_reference', 'text', (column) => column.notNull())
    // Fingerprint of what was asked (product, face, quantity, maxPrice): a replay must match it.
    .addColumn('request_fingerprint', 'text', (column) => column.notNull())
    .addColumn('product_id', 'int8', (column) => column.notNull().references('catalog_products.id'))
    .addColumn('face_currency', 'text', (column) => column.notNull())
    .addColumn('face_minor', 'int8', (column) => column.notNull())
    .addColumn('quantity', 'integer', (column) => column.notNull().check(sql`quantity between 1 and 500`))
    // Price snapshot, in the wallet currency.
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('unit_price_minor', 'int8', (column) => column.notNull().check(sql`unit_price_minor > 0`))
    .addColumn('total_minor', 'int8', (column) => column.notNull())
    .addColumn('platform_unit_price_minor', 'int8', (column) => column.notNull())
    .addColumn('revenue_share_unit_minor', 'int8', (column) => column.notNull().check(sql`revenue_share_unit_minor >= 0`))
    .addColumn('discount_bps', 'integer', (column) => column.notNull())
    .addColumn('price_plan_id', 'uuid')
    .addColumn('fx_rate', 'numeric')
    .addColumn('fx_source_time', 'timestamptz')
    .addColumn('status', 'text', (column) =>
      column.notNull().check(sql`status in ('pending', 'placing', 'processing', 'completed', 'partially_completed', 'failed')`),
    )
    // Generated and stored before the first vendor call; never the client's reference.
    .addColumn('vendor_request_id', 'uuid', (column) => column.unique())
    .addColumn('vendor_order_id', 'int8')
    .addColumn('vendor_total_minor', 'int8')
    .addColumn('vendor_currency', 'text')
    .addColumn('cards_delivered', 'integer')
    .addColumn('failure_reason', 'text')
    .addColumn('poll_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('deadline_at', 'timestamptz', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('orders_buyer_reference_key', ['buyer_id', 'client_reference'])
    .addCheckConstraint('orders_total', sql`total_minor = unit_price_minor * quantity`)
    .execute();
  await db.schema.createIndex('orders_buyer_created_idx').on('orders').columns(['buyer_id', 'created_at']).execute();
  await sql`create index orders_open_idx on orders (deadline_at) where status in ('pending', 'placing', 'processing')`.execute(db);

  await db.schema
    .createTable('order_transitions')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('order_id', 'uuid', (column) => column.notNull().references('orders.id'))
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('detail', 'jsonb')
    .addColumn('at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('order_transitions_order_idx').on('order_transitions').column('order_id').execute();

  await db.schema
    .createTable('order_cards')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('order_id', 'uuid', (column) => column.notNull().references('orders.id'))
    .addColumn('vendor_card_id', 'int8', (column) => column.notNull())
    .addColumn('serial_number', 'text')
    // AES-256-GCM, "iv.tag.ciphertext" in base64; key_id names the key for rotation.
    .addColumn('code_encrypted', 'text')
    .addColumn('pin_encrypted', 'text')
    .addColumn('key_id', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('order_cards_order_card_key', ['order_id', 'vendor_card_id'])
    .execute();

  // One row per role (defaults) or per account (admin override); null = no limit.
  await db.schema
    .createTable('risk_limits')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('role', 'text', (column) => column.unique())
    .addColumn('account_id', 'uuid', (column) => column.unique().references('accounts.id'))
    .addColumn('daily_spend_minor', 'int8', (column) => column.check(sql`daily_spend_minor >= 0`))
    .addColumn('daily_order_count', 'integer', (column) => column.check(sql`daily_order_count >= 0`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('risk_limits_scope', sql`(role is null) <> (account_id is null)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('risk_limits').execute();
  await db.schema.dropTable('order_cards').execute();
  await db.schema.dropTable('order_transitions').execute();
  await db.schema.dropTable('orders').execute();
  await sql`drop sequence order_number_seq`.execute(db);
}
