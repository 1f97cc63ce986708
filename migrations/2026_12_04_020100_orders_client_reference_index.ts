import { sql, type Kysely } from 'kysely';

// Admin order tools (issue 20): operators find an order by a partner's reference without knowing
// the partner (`findOrders`); the unique (buyer_id, client_reference) index cannot serve that.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index orders_client_reference_idx on orders (client_reference)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_client_reference_idx`.execute(db);
}
