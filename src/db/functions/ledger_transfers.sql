CREATE OR REPLACE FUNCTION public.ledger_transfers(p_keys text[], p_kinds text[], p_metadata jsonb[], p_actors uuid[], p_channels text[], p_audits jsonb[], p_entry_transfers integer[], p_entry_accounts text[], p_entry_currencies text[], p_entry_amounts bigint[])
 RETURNS TABLE(transfer_position integer, transfer_id uuid, created_at timestamp with time zone, replayed boolean)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
AS $function$
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
$function$;
