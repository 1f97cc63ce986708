import { sql, type Kysely } from 'kysely';

// A webhook endpoint's failing spell: since when every counted delivery attempt failed (null after a
// success or a new URL), and when the partner was told it had been failing for an hour (once per spell).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table webhook_endpoints add column failing_since timestamptz, add column failing_notified_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table webhook_endpoints drop column failing_since, drop column failing_notified_at`.execute(db);
}
