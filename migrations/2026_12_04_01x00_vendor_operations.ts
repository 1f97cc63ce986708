import { sql, type Kysely } from 'kysely';

// Operating the vendor (docs/orders.md, Vendor operations):
// - The float: `vendor_float` keeps the last balance Bamboo reported per book (live / sandbox) and
//   currency, with `requested_at`, the database time the accounts call was sent. Each order records
//   its vendor cost at intake (`vendor_cost_minor`, `vendor_cost_currency`, `float_book`) and the
//   moment it left `pending`/`placing` bought (`vendor_bought_at`, set by a trigger whatever path
//   moved it). The float left = balance − orders bought since `requested_at` − orders held but not
//   yet bought; the intake checks it under an advisory lock per book and currency.
// - Kill switches: `sales_pauses`, one row per pause (all sales, one product, one brand), open
//   until resumed; at most one open pause per scope and target.
// - Our callback: `vendor_callback_at`, when Bamboo's completion callback for the order arrived.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table vendor_float (
      book text not null check (book in ('live', 'sandbox')),
      currency char(3) not null,
      balance_minor bigint not null,
      requested_at timestamptz not null,
      refreshed_at timestamptz not null default now(),
      primary key (book, currency)
    )`.execute(db);
  await sql`
    alter table orders
      add column vendor_cost_minor bigint,
      add column vendor_cost_currency char(3),
      add column float_book text check (float_book in ('live', 'sandbox')),
      add column vendor_bought_at timestamptz,
      add column vendor_callback_at timestamptz`.execute(db);
  await sql`create index orders_float_held on orders (float_book, vendor_cost_currency) where status in ('pending', 'placing')`.execute(db);
  await sql`create index orders_float_bought on orders (vendor_bought_at) where vendor_bought_at is not null`.execute(db);
  await sql`
    create function orders_mark_vendor_bought() returns trigger language plpgsql as $$
    begin
      new.vendor_bought_at := clock_timestamp();
      return new;
    end
    $$`.execute(db);
  // Leaving pending/placing for anything but failed: Bamboo took (or may have taken) the money.
  await sql`
    create trigger orders_vendor_bought before update of status on orders
    for each row when (old.status in ('pending', 'placing') and new.status not in ('pending', 'placing', 'failed') and new.vendor_bought_at is null)
    execute function orders_mark_vendor_bought()`.execute(db);
  await sql`
    create table sales_pauses (
      id uuid primary key default gen_random_uuid(),
      scope text not null check (scope in ('all', 'product', 'brand')),
      target text not null default '',
      reason text not null,
      paused_by text,
      paused_at timestamptz not null default now(),
      resumed_by text,
      resumed_at timestamptz,
      check ((scope = 'all') = (target = ''))
    )`.execute(db);
  await sql`create unique index sales_pauses_open on sales_pauses (scope, target) where resumed_at is null`.execute(db);
  // The simulator's outage switch: every request answers 503 until then (ms on its clock).
  await sql`create table bamboo_sim.outages (id integer primary key check (id = 1), until_ms bigint not null)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table bamboo_sim.outages`.execute(db);
  await sql`drop table sales_pauses`.execute(db);
  await sql`drop trigger orders_vendor_bought on orders`.execute(db);
  await sql`drop function orders_mark_vendor_bought()`.execute(db);
  await sql`
    alter table orders drop column vendor_cost_minor, drop column vendor_cost_currency, drop column float_book,
      drop column vendor_bought_at, drop column vendor_callback_at`.execute(db);
  await sql`drop table vendor_float`.execute(db);
}
