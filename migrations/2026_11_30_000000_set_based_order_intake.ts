import { sql, type Kysely } from 'kysely';
import { up as previousLedgerTransfer } from './2026_11_29_010000_ledger_transfer_wallet_loop.ts';

// Set-based writes for batched order intake (docs/decisions/0005-batched-order-intake.md).
//
// Profiling the batch (bench/orders.ts, track_functions and perf) showed most of the database's
// time in per-statement work, not in rows: `order_intake` and `ledger_transfer` ran about 22
// statements per order (executor start, plan lookup, constraint and foreign-key set-up for each).
// Here a batch runs a fixed number of statements for all its orders:
//
// 1. `ledger_transfers(...)`: the ledger's one writer, for a set of transfers (each with its
//    idempotency key, entries and audit row). Same rules as before, per transfer: a stored key (or
//    one earlier in the set) is a replay and writes nothing; every entry names an existing ledger
//    account in its currency (SL002); no customer wallet goes below zero after any transfer, taken
//    in the set's order (SL001); a debit crossing a partner wallet's low-balance threshold records
//    one `wallet.low_balance` event. Wallets are locked in id order. `ledger_transfer(...)`, the
//    single transfer every other path calls, is now this with a set of one.
// 2. `order_intake_batch(orders)`: locks the batch's buyers (intake lock) and wallets, decides every
//    order in one query (replay, rights, daily limits and funds with the buyer's earlier orders in
//    the batch counted, as one-by-one intake would), then writes the new orders, their holds, their
//    `pending` transitions and the day totals with one statement each. A buyer whose batch orders
//    would be refused for limits or funds, or who sent one reference twice, is written order by
//    order with `order_intake`, so each order gets exactly the answer one-by-one intake gives it.
//
// Both functions run with `plan_cache_mode = force_generic_plan` and `enable_seqscan = off`. Their
// statements take arrays, so PostgreSQL's default would plan them again on every call (custom plans
// cost less than a generic plan that assumes ten elements). A generic plan is made once per session,
// so it must not depend on how big a table was at that moment: planned on nearly empty `transfers`
// or `orders` tables, a sequential scan looked cheapest and then stayed while the tables grew.
// Every lookup here is by key, and no sequential scan is wanted.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function ledger_transfers(
      p_keys text[], p_kinds text[], p_metadata jsonb[], p_actors uuid[], p_channels text[], p_audits jsonb[],
      p_entry_transfers integer[], p_entry_accounts text[], p_entry_currencies text[], p_entry_amounts bigint[]
    ) returns table (transfer_position integer, transfer_id uuid, created_at timestamptz, replayed boolean)
    language plpgsql set plan_cache_mode = force_generic_plan set enable_seqscan = off as $$
    #variable_conflict use_column
    declare
      -- The transfers stored by this call (1-based positions in p_keys) and their entries.
      v_positions integer[];
      v_ids uuid[];
      v_created timestamptz[];
      v_entry_positions integer[];
      v_entry_accounts text[];
      v_entry_currencies text[];
      v_entry_amounts bigint[];
      v_short record;
    begin
      with stored as (
        insert into transfers (idempotency_key, kind, metadata, actor_account_id)
        select t.key, t.kind, t.metadata, t.actor
        from unnest(p_keys, p_kinds, p_metadata, p_actors) with ordinality as t(key, kind, metadata, actor, position)
        order by t.position
        on conflict (idempotency_key) do nothing
        returning transfers.id, transfers.idempotency_key, transfers.created_at)
      select array_agg(k.position order by k.position), array_agg(s.id order by k.position), array_agg(s.created_at order by k.position)
      into v_positions, v_ids, v_created
      from stored s
      join (select u.key, min(u.position)::integer as position from unnest(p_keys) with ordinality as u(key, position) group by u.key) k
        on k.key = s.idempotency_key;

      if cardinality(v_positions) = cardinality(p_keys) then
        v_entry_positions := p_entry_transfers;
        v_entry_accounts := p_entry_accounts;
        v_entry_currencies := p_entry_currencies;
        v_entry_amounts := p_entry_amounts;
      elsif v_positions is not null then
        select array_agg(e.position order by e.n), array_agg(e.account order by e.n), array_agg(e.currency order by e.n), array_agg(e.amount order by e.n)
        into v_entry_positions, v_entry_accounts, v_entry_currencies, v_entry_amounts
        from unnest(p_entry_transfers, p_entry_accounts, p_entry_currencies, p_entry_amounts) with ordinality as e(position, account, currency, amount, n)
        where e.position = any(v_positions);
      end if;

      if v_positions is not null then
        -- Every entry names an existing ledger account in that account's currency.
        if exists (select 1 from unnest(v_entry_accounts, v_entry_currencies) as u(account, currency)
                   where not exists (select 1 from ledger_accounts la where la.id = u.account and la.currency = u.currency)) then
          raise exception 'unknown ledger account, or an entry in another currency than its account' using errcode = 'SL002';
        end if;

        perform 1 from ledger_accounts la where la.id = any(v_entry_accounts) and la.kind = 'wallet' order by la.id for no key update of la;

        -- Each wallet's balance before and after each transfer of the set, in the set's order:
        -- a debit crossing a partner wallet's low-balance threshold records its event, and the
        -- first transfer that would take a wallet below zero refuses the whole set (SL001).
        with moves as (
          select m.*, m.balance + m.delta_so_far - m.delta as balance_before, m.balance + m.delta_so_far as balance_after
          from (
            select la.id, la.account_id, la.balance, la.currency, la.low_balance_threshold, la.low_balance_scale, d.position, d.delta,
              sum(d.delta) over (partition by la.id order by d.position) as delta_so_far
            from ledger_accounts la
            join (select u.account, u.position, sum(u.amount) as delta
                  from unnest(v_entry_accounts, v_entry_positions, v_entry_amounts) as u(account, position, amount)
                  group by u.account, u.position) d on d.account = la.id
            where la.kind = 'wallet') m
        ),
        low_balance_events as (
          insert into webhook_events (account_id, type, payload, dedupe_key)
          select a.id, 'wallet.low_balance',
            jsonb_build_object(
              'accountId', a.id,
              'balance', jsonb_build_object('amount', round(m.balance_after::numeric / power(10::numeric, m.low_balance_scale), m.low_balance_scale::int)::text, 'currency', m.currency),
              'threshold', jsonb_build_object('amount', round(m.low_balance_threshold::numeric / power(10::numeric, m.low_balance_scale), m.low_balance_scale::int)::text, 'currency', m.currency),
              'transferId', n.id),
            'low_balance:' || n.id::text
          from moves m
          join unnest(v_positions, v_ids) as n(position, id) on n.position = m.position
          join accounts a on a.id = m.account_id and a.role = 'partner'
          where m.delta < 0 and m.low_balance_threshold is not null
            and m.balance_before >= m.low_balance_threshold and m.balance_after < m.low_balance_threshold
          on conflict (account_id, dedupe_key) where dedupe_key is not null do nothing
          returning 1)
        select m.id, m.account_id, m.balance, m.currency, -m.delta_so_far as required into v_short
        from moves m where m.balance_after < 0 order by m.position, m.id limit 1;
        if found then
          raise exception 'insufficient funds in %', v_short.id using
            errcode = 'SL001',
            detail = json_build_object('accountId', v_short.account_id, 'balance', v_short.balance::text,
                                       'required', v_short.required::text, 'currency', v_short.currency)::text;
        end if;

        update ledger_accounts la set balance = la.balance + d.delta
        from (select u.account, sum(u.amount) as delta from unnest(v_entry_accounts, v_entry_amounts) as u(account, amount) group by u.account) d
        where la.id = d.account and la.kind = 'wallet';

        insert into entries (transfer_id, ledger_account_id, currency, amount)
        select n.id, e.account, e.currency, e.amount
        from unnest(v_entry_positions, v_entry_accounts, v_entry_currencies, v_entry_amounts) with ordinality as e(position, account, currency, amount, n)
        join unnest(v_positions, v_ids) as n(position, id) on n.position = e.position
        order by e.n;

        insert into audit_log (actor_account_id, channel, action, subject_type, subject_id, after)
        select p_actors[n.position], p_channels[n.position], 'ledger.transfer', 'transfer', n.id::text, p_audits[n.position]
        from unnest(v_positions, v_ids) as n(position, id)
        order by n.position;
      end if;

      if cardinality(v_positions) = cardinality(p_keys) then
        return query select n.position, n.id, n.created_at, false from unnest(v_positions, v_ids, v_created) as n(position, id, created_at);
        return;
      end if;
      -- Replays answer their stored transfer.
      return query
        select k.position::integer, coalesce(n.id, t.id), coalesce(n.created_at, t.created_at), n.id is null
        from unnest(p_keys) with ordinality as k(key, position)
        left join unnest(v_positions, v_ids, v_created) as n(position, id, created_at) on n.position = k.position
        left join transfers t on n.id is null and t.idempotency_key = k.key
        order by k.position;
    end
    $$`.execute(db);

  await sql`
    create or replace function ledger_transfer(
      p_key text, p_kind text, p_metadata jsonb, p_actor uuid, p_channel text,
      p_accounts text[], p_currencies text[], p_amounts bigint[], p_audit jsonb
    ) returns table (transfer_id uuid, created_at timestamptz, replayed boolean)
    language plpgsql as $$
    begin
      -- plpgsql, not sql: a plpgsql body's plans stay cached in the session; a sql one is planned per call.
      return query
      select l.transfer_id, l.created_at, l.replayed
      from ledger_transfers(array[p_key], array[p_kind], array[p_metadata], array[p_actor], array[p_channel], array[p_audit],
                            array_fill(1, array[cardinality(p_accounts)]), p_accounts, p_currencies, p_amounts) l;
    end
    $$`.execute(db);

  // One order of a batch as `createOrder` sends it, and one order's answer.
  await sql`
    create type order_intake_request as (
      idx integer, buyer uuid, reference text, fingerprint text, channel text,
      product bigint, face_currency text, face_minor bigint, quantity integer,
      currency text, unit_price bigint, platform_unit_price bigint, revenue_share_unit bigint,
      discount_bps integer, plan uuid, fx_rate numeric, fx_source_time timestamptz,
      deadline_seconds integer, wallet text, clearing text, total_text text, audit_entries jsonb)`.execute(db);
  await sql`
    create type order_intake_answer as (
      idx integer, outcome text, detail jsonb, order_id uuid, order_number bigint,
      created_at timestamptz, deadline_at timestamptz, spent_today bigint, sandbox boolean)`.execute(db);

  await sql`
    create or replace function order_intake_batch(p_orders jsonb)
    returns table (idx integer, outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamptz, deadline_at timestamptz, spent_today bigint, sandbox boolean)
    language plpgsql set plan_cache_mode = force_generic_plan set enable_seqscan = off as $$
    #variable_conflict use_column
    declare
      v_requests order_intake_request[];
      v_answers order_intake_answer[];
      v_request order_intake_request;
      v_buyer uuid;
      v_now timestamptz := now();
      v_day date := (now() at time zone 'UTC')::date;
      v_keys text[];
      v_metadata jsonb[];
      v_actors uuid[];
      v_channels text[];
      v_audits jsonb[];
      v_entry_transfers integer[];
      v_entry_accounts text[];
      v_entry_currencies text[];
      v_entry_amounts bigint[];
    begin
      select array_agg(r order by r.wallet, r.idx) into v_requests
      from jsonb_populate_recordset(null::order_intake_request, p_orders) r;

      -- Each buyer's intake lock, then their wallets, in wallet order (as order_intake and the
      -- ledger take them), so two batches never wait for each other in a cycle.
      for v_buyer in select q.buyer from unnest(v_requests) q group by q.buyer order by min(q.wallet) loop
        perform pg_advisory_xact_lock(hashtextextended('order-intake:' || v_buyer::text, 0));
      end loop;
      perform 1 from ledger_accounts la where la.id = any(array(select q.wallet from unnest(v_requests) q)) order by la.id for no key update of la;

      -- Every order's answer, as order_intake would give it one by one: a replay or conflict of a
      -- stored order; the buyer's rights; then daily limits and funds, counting the buyer's earlier
      -- new orders of this batch. 'alone': the buyer is written order by order below.
      select array_agg(row(d.idx, d.outcome, d.detail,
                           case when d.outcome = 'created' then uuid_v7() else d.existing_id end,
                           case when d.outcome = 'created' then nextval('order_number_seq') else d.existing_number end,
                           case when d.outcome = 'created' then v_now else d.existing_created_at end,
                           case when d.outcome = 'created' then v_now + make_interval(secs => d.deadline_seconds) else d.existing_deadline_at end,
                           case when d.outcome = 'created' then d.spent + d.spent_in_batch end,
                           case when d.outcome = 'created' then d.sandbox end)::order_intake_answer)
      into v_answers
      from (
        with requests as (
          select q.idx, q.buyer, q.wallet, q.fingerprint, q.deadline_seconds, q.unit_price * q.quantity as total,
            o.id as existing_id, o.number as existing_number, o.request_fingerprint as existing_fingerprint,
            o.created_at as existing_created_at, o.deadline_at as existing_deadline_at,
            count(*) over (partition by q.buyer, q.reference) as uses_of_reference
          from unnest(v_requests) q
          left join orders o on o.buyer_id = q.buyer and o.client_reference = q.reference
        ),
        buyers as (
          select b.buyer, a.role, a.status, paused.id as paused_parent_id, paused.name as paused_parent_name,
            coalesce(t.spend_minor, 0) as spent, coalesce(t.order_count, 0) as counted,
            lim.daily_spend_minor, lim.daily_order_count, w.balance,
            exists (select 1 from api_sandbox_accounts s where s.sandbox_account_id = b.buyer) as sandbox
          from (select distinct q.buyer, q.wallet from unnest(v_requests) q) b
          left join accounts a on a.id = b.buyer
          left join order_day_totals t on t.account_id = b.buyer and t.day = v_day
          left join ledger_accounts w on w.id = b.wallet
          left join lateral (
            select r.daily_spend_minor, r.daily_order_count from risk_limits r
            where r.account_id = b.buyer or r.role = a.role
            order by r.account_id is null limit 1) lim on true
          left join lateral (
            with recursive ancestors as (
              select p.id, p.name, p.status, p.parent_id, 1 as depth from accounts p where p.id = a.parent_id
              union all
              select p.id, p.name, p.status, p.parent_id, up.depth + 1 from accounts p join ancestors up on p.id = up.parent_id)
            select ancestors.id, ancestors.name from ancestors where ancestors.status = 'paused' order by ancestors.depth limit 1) paused on true
        ),
        verdicts as (
          select r.*, b.role, b.status, b.paused_parent_id, b.paused_parent_name, b.spent, b.counted,
            b.daily_spend_minor, b.daily_order_count, b.balance, b.sandbox, case
              when r.existing_id is not null then case when r.existing_fingerprint = r.fingerprint then 'replayed' else 'idempotency_conflict' end
              when b.role is null then 'account_not_found'
              when b.role = 'admin' then 'role_cannot_order'
              when b.status = 'paused' then 'account_paused'
              when b.paused_parent_id is not null then 'parent_paused'
              else 'new' end as verdict
          from requests r join buyers b on b.buyer = r.buyer
        ),
        running as (
          select v.*,
            coalesce(sum(v.total) filter (where v.verdict = 'new') over (partition by v.buyer order by v.idx), 0) as spent_in_batch,
            count(*) filter (where v.verdict = 'new') over (partition by v.buyer order by v.idx) as counted_in_batch
          from verdicts v
        ),
        refusals as (
          select r.*, r.verdict = 'new' and (
              (r.daily_order_count is not null and r.counted + r.counted_in_batch > r.daily_order_count)
              or (r.daily_spend_minor is not null and r.spent + r.spent_in_batch > r.daily_spend_minor)
              or r.balance is null or r.balance < r.spent_in_batch) as refused
          from running r
        )
        select f.*,
          case when bool_or(f.refused or f.uses_of_reference > 1) over (partition by f.buyer) then 'alone'
               when f.verdict = 'new' then 'created'
               else f.verdict end as outcome,
          case when f.verdict = 'parent_paused' then jsonb_build_object('parentId', f.paused_parent_id, 'parentName', f.paused_parent_name) end as detail
        from refusals f
        order by f.wallet, f.idx
      ) d;

      select array_agg('order-hold:' || a.order_id::text order by a.order_number),
             array_agg(c.metadata order by a.order_number),
             array_agg(q.buyer order by a.order_number),
             array_agg(q.channel order by a.order_number),
             array_agg(jsonb_build_object('kind', 'order_hold', 'idempotencyKey', 'order-hold:' || a.order_id::text,
                                          'entries', q.audit_entries, 'metadata', c.metadata) order by a.order_number)
      into v_keys, v_metadata, v_actors, v_channels, v_audits
      from unnest(v_answers) a
      join unnest(v_requests) q on q.idx = a.idx
      cross join lateral (select jsonb_build_object('orderId', a.order_id, 'orderNumber',
        'ST-' || case when a.order_number < 1000000 then lpad(a.order_number::text, 6, '0') else a.order_number::text end) as metadata) c
      where a.outcome = 'created';

      if v_keys is not null then
        insert into orders (
          id, number, buyer_id, channel, client_reference, request_fingerprint, product_id, face_currency, face_minor,
          quantity, currency, unit_price_minor, total_minor, platform_unit_price_minor, revenue_share_unit_minor,
          discount_bps, price_plan_id, fx_rate, fx_source_time, status, deadline_at, created_at, updated_at, sandbox
        )
        select a.order_id, a.order_number, q.buyer, q.channel, q.reference, q.fingerprint, q.product, q.face_currency, q.face_minor,
          q.quantity, q.currency, q.unit_price, q.unit_price * q.quantity, q.platform_unit_price, q.revenue_share_unit,
          q.discount_bps, q.plan, q.fx_rate, q.fx_source_time, 'pending', a.deadline_at, v_now, v_now, a.sandbox
        from unnest(v_answers) a join unnest(v_requests) q on q.idx = a.idx
        where a.outcome = 'created'
        order by a.order_number;

        -- The holds, wallet → order clearing, in the order of the order numbers.
        select array_agg(c.position order by c.position, h.n), array_agg(h.account order by c.position, h.n),
               array_agg(q.currency order by c.position, h.n), array_agg(h.amount order by c.position, h.n)
        into v_entry_transfers, v_entry_accounts, v_entry_currencies, v_entry_amounts
        from (select a.idx, row_number() over (order by a.order_number)::integer as position from unnest(v_answers) a where a.outcome = 'created') c
        join unnest(v_requests) q on q.idx = c.idx
        cross join lateral (values (1, q.wallet, -(q.unit_price * q.quantity)), (2, q.clearing, q.unit_price * q.quantity)) h(n, account, amount);
        perform 1 from ledger_transfers(v_keys, array_fill('order_hold'::text, array[cardinality(v_keys)]), v_metadata, v_actors, v_channels, v_audits,
                                        v_entry_transfers, v_entry_accounts, v_entry_currencies, v_entry_amounts);

        insert into order_transitions (order_id, status, detail)
        select a.order_id, 'pending', jsonb_build_object('total', q.total_text)
        from unnest(v_answers) a join unnest(v_requests) q on q.idx = a.idx
        where a.outcome = 'created'
        order by a.order_number;

        insert into order_day_totals as t (account_id, day, spend_minor, order_count)
        select q.buyer, v_day, sum(q.unit_price * q.quantity), count(*)
        from unnest(v_answers) a join unnest(v_requests) q on q.idx = a.idx
        where a.outcome = 'created'
        group by q.buyer
        on conflict (account_id, day) do update set spend_minor = t.spend_minor + excluded.spend_minor, order_count = t.order_count + excluded.order_count;
      end if;

      return query select a.* from unnest(v_answers) a where a.outcome <> 'alone';

      for v_request in
        select q.* from unnest(v_requests) q join unnest(v_answers) a on a.idx = q.idx where a.outcome = 'alone' order by q.wallet, q.idx
      loop
        return query select v_request.idx, r.* from order_intake(
          uuid_v7(), v_request.buyer, v_request.reference, v_request.fingerprint, v_request.channel,
          v_request.product, v_request.face_currency, v_request.face_minor, v_request.quantity,
          v_request.currency, v_request.unit_price, v_request.platform_unit_price, v_request.revenue_share_unit,
          v_request.discount_bps, v_request.plan, v_request.fx_rate, v_request.fx_source_time,
          v_request.deadline_seconds, v_request.wallet, v_request.clearing, v_request.total_text, v_request.audit_entries) r;
      end loop;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await previousLedgerTransfer(db);
  await sql`
    create or replace function order_intake_batch(p_orders jsonb)
    returns table (idx integer, outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamptz, deadline_at timestamptz, spent_today bigint, sandbox boolean)
    language plpgsql as $$
    declare
      v record;
    begin
      for v in
        select * from jsonb_to_recordset(p_orders) as o(
          idx integer, buyer uuid, reference text, fingerprint text, channel text,
          product bigint, face_currency text, face_minor bigint, quantity integer,
          currency text, unit_price bigint, platform_unit_price bigint, revenue_share_unit bigint,
          discount_bps integer, plan uuid, fx_rate numeric, fx_source_time timestamptz,
          deadline_seconds integer, wallet text, clearing text, total_text text, audit_entries jsonb)
        order by o.wallet, o.idx
      loop
        return query select v.idx, r.* from order_intake(
          uuid_v7(), v.buyer, v.reference, v.fingerprint, v.channel,
          v.product, v.face_currency, v.face_minor, v.quantity,
          v.currency, v.unit_price, v.platform_unit_price, v.revenue_share_unit,
          v.discount_bps, v.plan, v.fx_rate, v.fx_source_time,
          v.deadline_seconds, v.wallet, v.clearing, v.total_text, v.audit_entries) r;
      end loop;
    end
    $$`.execute(db);
  await sql`drop type order_intake_answer`.execute(db);
  await sql`drop type order_intake_request`.execute(db);
  await sql`drop function ledger_transfers(text[], text[], jsonb[], uuid[], text[], jsonb[], integer[], text[], text[], bigint[])`.execute(db);
}
