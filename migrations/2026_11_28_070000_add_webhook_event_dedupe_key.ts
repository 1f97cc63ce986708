import { sql, type Kysely } from 'kysely';

// An event may carry a key naming the change it reports (e.g. `order.completed:<orderId>`), so a
// producer that runs twice (a retried job) records it once per account.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('dedupe_key', 'text').execute();
  await db.schema
    .createIndex('webhook_events_dedupe_idx')
    .unique()
    .on('webhook_events')
    .columns(['account_id', 'dedupe_key'])
    .where(sql.ref('dedupe_key'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_events_dedupe_idx').execute();
  await db.schema.alterTable('webhook_events').dropColumn('dedupe_key').execute();
}
