import { sql, type Kysely } from 'kysely';

// The Bamboo simulator's sandbox fault triggers that spoil only the first checkout of an order (a
// 429, a 5xx, an answer that never comes; docs/api.md, Sandbox) remember here which RequestIds had
// their first answer, so a retry goes through whichever process receives it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table bamboo_sim.trigger_answers (request_id text primary key, answered_at timestamptz not null default now())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table bamboo_sim.trigger_answers`.execute(db);
}
