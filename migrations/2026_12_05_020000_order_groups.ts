import { sql, type Kysely } from 'kysely';

// Carts (issue 19): several products and face values ordered together. A cart is an `order_groups`
// row (its own number, the buyer's reference and the request's fingerprint for idempotency, the
// total held) whose items are ordinary orders (`orders.group_id`, `group_position`), so fulfilment,
// refunds, reconciliation and card delivery stay per order. The items and their holds are written
// in the transaction that writes the group: all of the cart or none of it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence order_group_number_seq`.execute(db);
  await sql`
    create table order_groups (
      id uuid primary key default uuid_v7(),
      number bigint not null unique default nextval('order_group_number_seq'),
      buyer_id uuid not null references accounts(id),
      channel text not null,
      client_reference text not null check (length(client_reference) between 1 and 255),
      request_fingerprint text not null,
      currency text not null,
      total_minor bigint not null check (total_minor > 0),
      item_count integer not null check (item_count between 1 and 20),
      created_at timestamptz not null default now(),
      unique (buyer_id, client_reference)
    )`.execute(db);
  await sql`alter sequence order_group_number_seq owned by order_groups.number`.execute(db);
  await sql`alter table orders add column group_id uuid references order_groups(id), add column group_position smallint`.execute(db);
  await sql`alter table orders add constraint orders_group_position check ((group_id is null) = (group_position is null))`.execute(db);
  await sql`create unique index orders_group_items on orders (group_id, group_position) where group_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_group_items`.execute(db);
  await sql`alter table orders drop constraint orders_group_position, drop column group_position, drop column group_id`.execute(db);
  await sql`drop table order_groups`.execute(db);
}
