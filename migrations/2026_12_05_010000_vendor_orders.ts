import { sql, type Kysely } from 'kysely';

// Coalescing (issue 17, docs/decisions/0014-coalescing.md): one vendor order (one RequestId at
// Bamboo) buys the cards of one or more buyers' orders of the same product, face value and
// sandbox-ness. `vendor_orders` is what was sent to Bamboo; `vendor_order_members` maps it to its
// buyers' orders, oldest first (`position`, the order in which delivered cards are allocated), and
// its unique `order_id` keeps a buyer's order out of a second vendor order. The members share the
// vendor order's RequestId (`orders.vendor_request_id`, so it is no longer unique there). Orders
// sent before this migration become vendor orders of one member each.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table vendor_orders (
      id uuid primary key default uuid_v7(),
      request_id uuid not null unique,
      product_id bigint not null,
      face_minor bigint not null,
      face_currency text not null,
      sandbox boolean not null,
      quantity integer not null check (quantity between 1 and 500),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table vendor_order_members (
      vendor_order_id uuid not null references vendor_orders (id),
      order_id uuid not null unique references orders (id),
      position integer not null check (position >= 0),
      primary key (vendor_order_id, position)
    )`.execute(db);
  await sql`
    insert into vendor_orders (id, request_id, product_id, face_minor, face_currency, sandbox, quantity, created_at)
    select uuid_v7(), vendor_request_id, product_id, face_minor, face_currency, sandbox, quantity, created_at
    from orders where vendor_request_id is not null`.execute(db);
  await sql`
    insert into vendor_order_members (vendor_order_id, order_id, position)
    select v.id, o.id, 0 from orders o join vendor_orders v on v.request_id = o.vendor_request_id`.execute(db);
  await sql`alter table orders drop constraint orders_vendor_request_id_key`.execute(db);
  await sql`create index orders_vendor_request_id on orders (vendor_request_id) where vendor_request_id is not null`.execute(db);
  // When an order's place job was first told to wait for a checkout turn: from then on it may be
  // bought together with others (the planner's look at what waits, oldest first, is indexed).
  await sql`alter table orders add column checkout_waiting_since timestamptz`.execute(db);
  await sql`create index orders_waiting_for_checkout on orders (created_at) where status = 'pending' and checkout_waiting_since is not null`.execute(db);
  // A place job's retry finds the vendor orders its killed run left placing under its lease.
  await sql`create index orders_placing_by_lease on orders (vendor_lease_token) where status = 'placing'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_placing_by_lease`.execute(db);
  await sql`drop index orders_waiting_for_checkout`.execute(db);
  await sql`alter table orders drop column checkout_waiting_since`.execute(db);
  await sql`drop index orders_vendor_request_id`.execute(db);
  await sql`alter table orders add constraint orders_vendor_request_id_key unique (vendor_request_id)`.execute(db);
  await sql`drop table vendor_order_members`.execute(db);
  await sql`drop table vendor_orders`.execute(db);
}
