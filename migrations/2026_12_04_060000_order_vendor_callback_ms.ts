import { sql, type Kysely } from 'kysely';

// How long after we recorded an order as `processing` Bamboo's completion callback arrived, in ms
// (set by the first callback only). The recent values time the first poll (fulfilment.ts,
// `firstPollDelaySeconds`): the callback is the primary signal, a poll only when it is late. The
// partial index serves "the last orders with a callback", newest first (ids are time-ordered).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column vendor_callback_ms integer`.execute(db);
  await sql`create index orders_recent_vendor_callbacks on orders (sandbox, id desc) where vendor_callback_ms is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_recent_vendor_callbacks`.execute(db);
  await sql`alter table orders drop column vendor_callback_ms`.execute(db);
}
