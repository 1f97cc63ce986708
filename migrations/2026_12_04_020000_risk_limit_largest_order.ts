import { sql, type Kysely } from 'kysely';

// Risk limits (issue 20): a largest single order per account or role (`max_order_minor`, minor
// units of the account's currency; null = none), beside the daily spend and order count. The
// intake's functions refuse an order above it (`order_limit_exceeded`) under the buyer's intake lock,
// before any hold, as they do the daily limits. The function texts are copies of
// src/db/functions/order_intake.sql and order_intake_batch.sql at this migration (frozen history).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table risk_limits add column max_order_minor bigint check (max_order_minor > 0)`.execute(db);
  await sql.raw(ORDER_INTAKE).execute(db);
  await sql.raw(ORDER_INTAKE_BATCH).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(PREVIOUS_ORDER_INTAKE).execute(db);
  await sql.raw(PREVIOUS_ORDER_INTAKE_BATCH).execute(db);
  await sql`alter table risk_limits drop column max_order_minor`.execute(db);
}

export const ORDER_INTAKE = `CREATE OR REPLACE FUNCTION public.order_intake(p_order_id uuid, p_buyer uuid, p_reference text, p_fingerprint text, p_channel text, p_product bigint, p_face_currency text, p_face_minor bigint, p_quantity integer, p_currency text, p_unit_price bigint, p_platform_unit_price bigint, p_revenue_share_unit bigint, p_discount_bps integer, p_plan uuid, p_fx_rate numeric, p_fx_source_time timestamp with time zone, p_deadline_seconds integer, p_wallet text, p_clearing text, p_total_text text, p_audit_entries jsonb)
 RETURNS TABLE(outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamp with time zone, deadline_at timestamp with time zone, spent_today bigint, sandbox boolean)
 LANGUAGE plpgsql
AS $function$
declare
  v_existing record;
  v_account record;
  v_parent uuid;
  v_limits record;
  v_wallet record;
  v_spent bigint;
  v_count bigint;
  v_total bigint := p_unit_price * p_quantity;
  v_number bigint;
  v_sandbox boolean;
  v_metadata jsonb;
  v_now timestamptz := now();
  v_deadline timestamptz := now() + make_interval(secs => p_deadline_seconds);
  v_day date := (now() at time zone 'UTC')::date;
begin
  perform pg_advisory_xact_lock(hashtextextended('order-intake:' || p_buyer::text, 0));

  select o.id, o.number, o.request_fingerprint, o.created_at, o.deadline_at into v_existing
  from orders o where o.buyer_id = p_buyer and o.client_reference = p_reference;
  if found then
    return query select
      case when v_existing.request_fingerprint = p_fingerprint then 'replayed' else 'idempotency_conflict' end,
      null::jsonb, v_existing.id, v_existing.number, v_existing.created_at, v_existing.deadline_at, null::bigint, null::boolean;
    return;
  end if;

  select a.role, a.status, a.parent_id into v_account from accounts a where a.id = p_buyer;
  if not found then
    return query select 'account_not_found', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  if v_account.role = 'admin' then
    return query select 'role_cannot_order', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  if v_account.status = 'paused' then
    return query select 'account_paused', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  v_parent := v_account.parent_id;
  while v_parent is not null loop
    select a.id, a.name, a.status, a.parent_id into v_account from accounts a where a.id = v_parent;
    if v_account.status = 'paused' then
      return query select 'parent_paused', jsonb_build_object('parentId', v_account.id, 'parentName', v_account.name),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
    v_parent := v_account.parent_id;
  end loop;

  -- Today's orders count for the limits and for risk monitoring (returned as spent_today).
  select t.spend_minor, t.order_count into v_spent, v_count from order_day_totals t where t.account_id = p_buyer and t.day = v_day;
  if not found then
    v_spent := 0;
    v_count := 0;
  end if;
  select r.daily_spend_minor, r.daily_order_count, r.max_order_minor into v_limits
  from risk_limits r, accounts a
  where a.id = p_buyer and (r.account_id = p_buyer or r.role = a.role)
  order by r.account_id is null
  limit 1;
  if found then
    if v_limits.max_order_minor is not null and v_total > v_limits.max_order_minor then
      return query select 'order_limit_exceeded', jsonb_build_object('limit', 'max_order', 'value', v_limits.max_order_minor::text),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
    if v_limits.daily_order_count is not null and v_count + 1 > v_limits.daily_order_count then
      return query select 'daily_limit_exceeded', jsonb_build_object('limit', 'daily_order_count', 'value', v_limits.daily_order_count),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
    if v_limits.daily_spend_minor is not null and v_spent + v_total > v_limits.daily_spend_minor then
      return query select 'daily_limit_exceeded', jsonb_build_object('limit', 'daily_spend', 'value', v_limits.daily_spend_minor::text),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
  end if;

  -- Funds, under the wallet's row lock (the same lock the hold takes next): a short wallet is an
  -- outcome like the others, so one short buyer does not undo the other orders of a batch.
  select la.account_id, la.balance, la.currency into v_wallet from ledger_accounts la where la.id = p_wallet for no key update;
  if found and v_wallet.balance < v_total then
    return query select 'insufficient_funds',
      jsonb_build_object('accountId', v_wallet.account_id, 'balance', v_wallet.balance::text, 'required', v_total::text, 'currency', v_wallet.currency),
      null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;

  v_number := nextval('order_number_seq');
  v_sandbox := exists (select 1 from api_sandbox_accounts s where s.sandbox_account_id = p_buyer);
  insert into orders (
    id, number, buyer_id, channel, client_reference, request_fingerprint, product_id, face_currency, face_minor,
    quantity, currency, unit_price_minor, total_minor, platform_unit_price_minor, revenue_share_unit_minor,
    discount_bps, price_plan_id, fx_rate, fx_source_time, status, deadline_at, created_at, updated_at, sandbox
  ) values (
    p_order_id, v_number, p_buyer, p_channel, p_reference, p_fingerprint, p_product, p_face_currency, p_face_minor,
    p_quantity, p_currency, p_unit_price, v_total, p_platform_unit_price, p_revenue_share_unit,
    p_discount_bps, p_plan, p_fx_rate, p_fx_source_time, 'pending', v_deadline, v_now, v_now,
    v_sandbox
  );

  -- The same metadata and audit shape as the TypeScript transfer() writes.
  v_metadata := jsonb_build_object('orderId', p_order_id,
    'orderNumber', 'ST-' || case when v_number < 1000000 then lpad(v_number::text, 6, '0') else v_number::text end);
  perform ledger_transfer(
    'order-hold:' || p_order_id::text, 'order_hold', v_metadata, p_buyer, p_channel,
    array[p_wallet, p_clearing], array[p_currency, p_currency], array[-v_total, v_total],
    jsonb_build_object('kind', 'order_hold', 'idempotencyKey', 'order-hold:' || p_order_id::text,
                       'entries', p_audit_entries, 'metadata', v_metadata));

  insert into order_transitions (order_id, status, detail) values (p_order_id, 'pending', jsonb_build_object('total', p_total_text));
  insert into order_day_totals as t (account_id, day, spend_minor, order_count) values (p_buyer, v_day, v_total, 1)
  on conflict (account_id, day) do update set spend_minor = t.spend_minor + excluded.spend_minor, order_count = t.order_count + 1;

  return query select 'created', null::jsonb, p_order_id, v_number, v_now, v_deadline, v_spent + v_total, v_sandbox;
end
$function$;
`;

export const ORDER_INTAKE_BATCH = `CREATE OR REPLACE FUNCTION public.order_intake_batch(p_orders jsonb)
 RETURNS TABLE(idx integer, outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamp with time zone, deadline_at timestamp with time zone, spent_today bigint, sandbox boolean)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
AS $function$
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
  -- stored order; the buyer's rights; then the largest-order and daily limits and funds, counting the buyer's earlier
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
        lim.daily_spend_minor, lim.daily_order_count, lim.max_order_minor, w.balance,
        exists (select 1 from api_sandbox_accounts s where s.sandbox_account_id = b.buyer) as sandbox
      from (select distinct q.buyer, q.wallet from unnest(v_requests) q) b
      left join accounts a on a.id = b.buyer
      left join order_day_totals t on t.account_id = b.buyer and t.day = v_day
      left join ledger_accounts w on w.id = b.wallet
      left join lateral (
        select r.daily_spend_minor, r.daily_order_count, r.max_order_minor from risk_limits r
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
        b.daily_spend_minor, b.daily_order_count, b.max_order_minor, b.balance, b.sandbox, case
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
          (r.max_order_minor is not null and r.total > r.max_order_minor)
          or (r.daily_order_count is not null and r.counted + r.counted_in_batch > r.daily_order_count)
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
$function$;
`;

const PREVIOUS_ORDER_INTAKE = `CREATE OR REPLACE FUNCTION public.order_intake(p_order_id uuid, p_buyer uuid, p_reference text, p_fingerprint text, p_channel text, p_product bigint, p_face_currency text, p_face_minor bigint, p_quantity integer, p_currency text, p_unit_price bigint, p_platform_unit_price bigint, p_revenue_share_unit bigint, p_discount_bps integer, p_plan uuid, p_fx_rate numeric, p_fx_source_time timestamp with time zone, p_deadline_seconds integer, p_wallet text, p_clearing text, p_total_text text, p_audit_entries jsonb)
 RETURNS TABLE(outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamp with time zone, deadline_at timestamp with time zone, spent_today bigint, sandbox boolean)
 LANGUAGE plpgsql
AS $function$
declare
  v_existing record;
  v_account record;
  v_parent uuid;
  v_limits record;
  v_wallet record;
  v_spent bigint;
  v_count bigint;
  v_total bigint := p_unit_price * p_quantity;
  v_number bigint;
  v_sandbox boolean;
  v_metadata jsonb;
  v_now timestamptz := now();
  v_deadline timestamptz := now() + make_interval(secs => p_deadline_seconds);
  v_day date := (now() at time zone 'UTC')::date;
begin
  perform pg_advisory_xact_lock(hashtextextended('order-intake:' || p_buyer::text, 0));

  select o.id, o.number, o.request_fingerprint, o.created_at, o.deadline_at into v_existing
  from orders o where o.buyer_id = p_buyer and o.client_reference = p_reference;
  if found then
    return query select
      case when v_existing.request_fingerprint = p_fingerprint then 'replayed' else 'idempotency_conflict' end,
      null::jsonb, v_existing.id, v_existing.number, v_existing.created_at, v_existing.deadline_at, null::bigint, null::boolean;
    return;
  end if;

  select a.role, a.status, a.parent_id into v_account from accounts a where a.id = p_buyer;
  if not found then
    return query select 'account_not_found', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  if v_account.role = 'admin' then
    return query select 'role_cannot_order', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  if v_account.status = 'paused' then
    return query select 'account_paused', null::jsonb, null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;
  v_parent := v_account.parent_id;
  while v_parent is not null loop
    select a.id, a.name, a.status, a.parent_id into v_account from accounts a where a.id = v_parent;
    if v_account.status = 'paused' then
      return query select 'parent_paused', jsonb_build_object('parentId', v_account.id, 'parentName', v_account.name),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
    v_parent := v_account.parent_id;
  end loop;

  -- Today's orders count for the limits and for risk monitoring (returned as spent_today).
  select t.spend_minor, t.order_count into v_spent, v_count from order_day_totals t where t.account_id = p_buyer and t.day = v_day;
  if not found then
    v_spent := 0;
    v_count := 0;
  end if;
  select r.daily_spend_minor, r.daily_order_count into v_limits
  from risk_limits r, accounts a
  where a.id = p_buyer and (r.account_id = p_buyer or r.role = a.role)
  order by r.account_id is null
  limit 1;
  if found then
    if v_limits.daily_order_count is not null and v_count + 1 > v_limits.daily_order_count then
      return query select 'daily_limit_exceeded', jsonb_build_object('limit', 'daily_order_count', 'value', v_limits.daily_order_count),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
    if v_limits.daily_spend_minor is not null and v_spent + v_total > v_limits.daily_spend_minor then
      return query select 'daily_limit_exceeded', jsonb_build_object('limit', 'daily_spend', 'value', v_limits.daily_spend_minor::text),
        null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
      return;
    end if;
  end if;

  -- Funds, under the wallet's row lock (the same lock the hold takes next): a short wallet is an
  -- outcome like the others, so one short buyer does not undo the other orders of a batch.
  select la.account_id, la.balance, la.currency into v_wallet from ledger_accounts la where la.id = p_wallet for no key update;
  if found and v_wallet.balance < v_total then
    return query select 'insufficient_funds',
      jsonb_build_object('accountId', v_wallet.account_id, 'balance', v_wallet.balance::text, 'required', v_total::text, 'currency', v_wallet.currency),
      null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
    return;
  end if;

  v_number := nextval('order_number_seq');
  v_sandbox := exists (select 1 from api_sandbox_accounts s where s.sandbox_account_id = p_buyer);
  insert into orders (
    id, number, buyer_id, channel, client_reference, request_fingerprint, product_id, face_currency, face_minor,
    quantity, currency, unit_price_minor, total_minor, platform_unit_price_minor, revenue_share_unit_minor,
    discount_bps, price_plan_id, fx_rate, fx_source_time, status, deadline_at, created_at, updated_at, sandbox
  ) values (
    p_order_id, v_number, p_buyer, p_channel, p_reference, p_fingerprint, p_product, p_face_currency, p_face_minor,
    p_quantity, p_currency, p_unit_price, v_total, p_platform_unit_price, p_revenue_share_unit,
    p_discount_bps, p_plan, p_fx_rate, p_fx_source_time, 'pending', v_deadline, v_now, v_now,
    v_sandbox
  );

  -- The same metadata and audit shape as the TypeScript transfer() writes.
  v_metadata := jsonb_build_object('orderId', p_order_id,
    'orderNumber', 'ST-' || case when v_number < 1000000 then lpad(v_number::text, 6, '0') else v_number::text end);
  perform ledger_transfer(
    'order-hold:' || p_order_id::text, 'order_hold', v_metadata, p_buyer, p_channel,
    array[p_wallet, p_clearing], array[p_currency, p_currency], array[-v_total, v_total],
    jsonb_build_object('kind', 'order_hold', 'idempotencyKey', 'order-hold:' || p_order_id::text,
                       'entries', p_audit_entries, 'metadata', v_metadata));

  insert into order_transitions (order_id, status, detail) values (p_order_id, 'pending', jsonb_build_object('total', p_total_text));
  insert into order_day_totals as t (account_id, day, spend_minor, order_count) values (p_buyer, v_day, v_total, 1)
  on conflict (account_id, day) do update set spend_minor = t.spend_minor + excluded.spend_minor, order_count = t.order_count + 1;

  return query select 'created', null::jsonb, p_order_id, v_number, v_now, v_deadline, v_spent + v_total, v_sandbox;
end
$function$;
`;

const PREVIOUS_ORDER_INTAKE_BATCH = `CREATE OR REPLACE FUNCTION public.order_intake_batch(p_orders jsonb)
 RETURNS TABLE(idx integer, outcome text, detail jsonb, order_id uuid, order_number bigint, created_at timestamp with time zone, deadline_at timestamp with time zone, spent_today bigint, sandbox boolean)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
AS $function$
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
$function$;
`;
