import { sql, type Kysely } from 'kysely';

// Vendor call outcomes per minute, shared by every process (the vendor error rate of the ops view):
// one upsert per Bamboo call, which the vendor's own rate limits keep to a few per second.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('vendor_call_minutes')
    .addColumn('vendor', 'text', (column) => column.notNull())
    .addColumn('minute', 'timestamptz', (column) => column.notNull())
    .addColumn('calls', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('failures', 'integer', (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('vendor_call_minutes_pkey', ['vendor', 'minute'])
    .execute();
  await sql`comment on table vendor_call_minutes is 'Vendor calls and failed calls (transport error, timeout, 429 or 5xx) per minute'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('vendor_call_minutes').execute();
}
