import { sql, type Kysely } from 'kysely';

// One-time claim links for a delivered card (an agent shares it with its end customer): the link's
// token is never stored, only its SHA-256 in hex (the token is 256 random bits, so a plain hash is enough);
// the page shows the card once (`opened_at` is set by one conditional update) and expires.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('card_claims')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('order_card_id', 'uuid', (column) => column.notNull().references('order_cards.id'))
    .addColumn('created_by', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('language', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('opened_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('card_claims_order_card_idx').on('card_claims').column('order_card_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('card_claims').execute();
}
