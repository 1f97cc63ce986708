import { sql, type Kysely } from 'kysely';

// Who may talk to the vendor about an order right now: a lease (a token and its end) taken in a
// short transaction before a vendor call and given back when its answer is recorded, so no
// transaction or row lock is held across the call. A worker that dies leaves the lease to run out;
// a retry of the same job holds the same token and takes it back at once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column vendor_lease_token text, add column vendor_lease_until timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop column vendor_lease_token, drop column vendor_lease_until`.execute(db);
}
