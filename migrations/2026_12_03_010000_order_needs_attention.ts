import { sql, type Kysely } from 'kysely';

// A new order status, `needs_attention`: the vendor's answers contradict each other, or it says "no
// such order" for an order whose checkout may have reached it. The money stays held in order
// clearing until an operator resolves the order (back to polling, or failed and refunded). The
// partial index keeps the operations views' list of such orders cheap.
const STATUSES = ['pending', 'placing', 'processing', 'completed', 'partially_completed', 'failed', 'needs_attention'];
const PREVIOUS = STATUSES.filter((status) => status !== 'needs_attention');

const statusCheck = (statuses: string[]) => sql.raw(`status in (${statuses.map((status) => `'${status}'`).join(', ')})`);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (${statusCheck(STATUSES)})`.execute(db);
  await sql`create index orders_needs_attention_idx on orders (updated_at) where status = 'needs_attention'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_needs_attention_idx`.execute(db);
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (${statusCheck(PREVIOUS)})`.execute(db);
}
