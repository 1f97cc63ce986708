import { sql, type Kysely } from 'kysely';

// Buyers see the queue in Telegram (docs/orders.md, Buyers see the queue): the bot message that
// accepted an order or a cart, with its orders, so the `order.queue-messages` job can edit it in
// place while they wait for a checkout turn. `shown` holds the status lines last written into it
// (null: never edited); `closed_at` is set once nothing more will be written.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('order_status_messages')
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('chat_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'integer', (column) => column.notNull())
    .addColumn('locale', 'text')
    .addColumn('header', 'jsonb', (column) => column.notNull())
    .addColumn('order_ids', sql`uuid[]`, (column) => column.notNull())
    .addColumn('shown', 'jsonb')
    .addColumn('edited_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('order_status_messages_chat_message_key', ['chat_id', 'message_id'])
    .execute();
  await sql`create index order_status_messages_open_idx on order_status_messages (id) where closed_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('order_status_messages').execute();
}
