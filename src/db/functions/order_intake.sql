CREATE OR REPLACE FUNCTION public.order_intake(p_order_id uuid, p_buyer uuid, p_reference text, p_fingerprint text, p_channel text, p_product bigint, p_face_currency text, p_face_minor bigint, p_quantity integer, p_currency text, p_unit_price bigint, p_platform_unit_price bigint, p_revenue_share_unit bigint, p_discount_bps integer, p_plan uuid, p_fx_rate numeric, p_fx_source_time timestamp with time zone, p_deadline_seconds integer, p_wallet text, p_clearing text, p_total_text text, p_audit_entries jsonb)
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
  -- One key, one intended purchase: a key a cart used is not an order's (checked under the lock a cart's items take too).
  select g.id into v_existing from order_groups g where g.buyer_id = p_buyer and g.client_reference = p_reference;
  if found then
    return query select 'cart_reference', jsonb_build_object('cartId', v_existing.id), null::uuid, null::bigint, null::timestamptz, null::timestamptz, null::bigint, null::boolean;
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
