import { sql, type Kysely } from 'kysely';

// Operating the vendor (docs/orders.md, Vendor operations):
// - The float: `vendor_float` keeps the last balance Bamboo reported per book (live / sandbox) and
//   currency, with `requested_at`, the database time the accounts call was sent. Each order records
//   its vendor cost at intake (`vendor_cost_minor`, `vendor_cost_currency`, `float_book`) and the
//   moment it left `pending`/`placing` bought (`vendor_bought_at`, set by a trigger whatever path
//   moved it). The float left = balance − orders bought since `requested_at` − orders held but not
//   yet bought (`vendor_float_held`) − what intakes in flight reserved (`vendor_float_reservations`: taken under an
//   advisory lock per book and currency in a short transaction of their own, deleted by the intake
//   transaction that writes the orders, so held orders replace them at its commit).
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
    create table vendor_float_reservations (
      id uuid primary key default gen_random_uuid(),
      book text not null,
      currency char(3) not null,
      amount_minor bigint not null check (amount_minor > 0),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index vendor_float_reservations_float on vendor_float_reservations (book, currency)`.execute(db);
  await sql`
    alter table orders
      add column vendor_cost_minor bigint,
      add column vendor_cost_currency char(3),
      add column float_book text check (float_book in ('live', 'sandbox')),
      add column vendor_bought_at timestamptz,
      add column vendor_callback_at timestamptz`.execute(db);
  // Held but not yet bought, per float, as a counter in 16 shards (the sum is what counts): the
  // intake adds its new orders to one shard in its transaction, a trigger takes an order out when it
  // leaves pending/placing. Summing 16 rows stays cheap however many orders wait for the vendor, and
  // two intakes rarely meet on one shard's row.
  // The intake's float step (src/domain/vendor/float.ts#takeFloat), one call per batch: under the
  // floats' advisory locks, what is left of each, which demands it covers (in order), and one
  // reservation per float of what they take (deleted by the intake transaction that writes them).
  await sql`
    create function vendor_float_reserve(p_demands jsonb, p_async boolean) returns jsonb language plpgsql as $$
    declare
      v_float record;
      v_demand record;
      v_key text;
      v_amount bigint;
      v_id uuid;
      v_left jsonb := '{}';
      v_taken jsonb := '{}';
      v_covered jsonb := '[]';
      v_reservations jsonb := '[]';
    begin
      -- The floats the demands draw on that have a balance, locked in one order everywhere (so two
      -- batches never wait for each other's second lock). Without a balance read there is nothing to check.
      for v_float in
        select distinct d.book, d.currency from jsonb_to_recordset(p_demands) as d(book text, currency text)
        join vendor_float f on f.book = d.book and f.currency = d.currency
        order by d.book, d.currency
      loop
        -- Nothing here needs a flush of its own: the intake's commit, later in the WAL, makes it durable.
        if p_async then perform set_config('synchronous_commit', 'off', true); end if;
        perform pg_advisory_xact_lock(hashtextextended('vendor-float:' || v_float.book || ':' || v_float.currency, 0));
        select f.balance_minor
          - coalesce((select sum(h.held_minor) from vendor_float_held h where h.book = f.book and h.currency = f.currency), 0)
          - coalesce((select sum(o.vendor_cost_minor) from orders o
              where o.float_book = f.book and o.vendor_cost_currency = f.currency and o.vendor_bought_at > f.requested_at), 0)
          - coalesce((select sum(r.amount_minor) from vendor_float_reservations r
              where r.book = f.book and r.currency = f.currency and r.created_at > now() - interval '5 minutes'), 0)
        into v_amount
        from vendor_float f where f.book = v_float.book and f.currency = v_float.currency;
        v_left := v_left || jsonb_build_object(v_float.book || ':' || v_float.currency, v_amount);
      end loop;
      -- Each demand in order: covered while the float lasts; a refused one takes nothing.
      for v_demand in
        select e.value ->> 'book' as book, e.value ->> 'currency' as currency, (e.value ->> 'amount')::bigint as amount
        from jsonb_array_elements(p_demands) with ordinality as e(value, n)
        order by e.n
      loop
        v_key := v_demand.book || ':' || v_demand.currency;
        if not v_left ? v_key then
          v_covered := v_covered || 'true'::jsonb;
        elsif (v_left ->> v_key)::bigint >= v_demand.amount then
          v_left := jsonb_set(v_left, array[v_key], to_jsonb((v_left ->> v_key)::bigint - v_demand.amount));
          v_taken := jsonb_set(v_taken, array[v_key], to_jsonb(coalesce((v_taken ->> v_key)::bigint, 0) + v_demand.amount));
          v_covered := v_covered || 'true'::jsonb;
        else
          v_covered := v_covered || 'false'::jsonb;
        end if;
      end loop;
      for v_key, v_amount in select t.key, t.value::bigint from jsonb_each_text(v_taken) t where t.value::bigint > 0 loop
        insert into vendor_float_reservations (book, currency, amount_minor)
        values (split_part(v_key, ':', 1), split_part(v_key, ':', 2), v_amount)
        returning id into v_id;
        v_reservations := v_reservations || to_jsonb(v_id);
      end loop;
      return jsonb_build_object('covered', v_covered, 'reservations', v_reservations);
    end
    $$`.execute(db);
  await sql`
    create table vendor_float_held (
      book text not null,
      currency char(3) not null,
      shard smallint not null,
      held_minor bigint not null,
      primary key (book, currency, shard)
    )`.execute(db);
  await sql`
    create function orders_float_held_release() returns trigger language plpgsql as $$
    begin
      insert into vendor_float_held (book, currency, shard, held_minor)
      values (old.float_book, old.vendor_cost_currency, hashtext(old.id::text) & 15, -old.vendor_cost_minor)
      on conflict (book, currency, shard) do update set held_minor = vendor_float_held.held_minor + excluded.held_minor;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger orders_float_held_release after update of status on orders
    for each row when (old.status in ('pending', 'placing') and new.status not in ('pending', 'placing') and old.float_book is not null)
    execute function orders_float_held_release()`.execute(db);
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
  await sql`drop function vendor_float_reserve(jsonb, boolean)`.execute(db);
  await sql`drop trigger orders_float_held_release on orders`.execute(db);
  await sql`drop function orders_float_held_release()`.execute(db);
  await sql`drop table vendor_float_held`.execute(db);
  await sql`drop trigger orders_vendor_bought on orders`.execute(db);
  await sql`drop function orders_mark_vendor_bought()`.execute(db);
  await sql`
    alter table orders drop column vendor_cost_minor, drop column vendor_cost_currency, drop column float_book,
      drop column vendor_bought_at, drop column vendor_callback_at`.execute(db);
  await sql`drop table vendor_float_reservations`.execute(db);
  await sql`drop table vendor_float`.execute(db);
}
