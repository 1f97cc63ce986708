import { sql, type Kysely } from 'kysely';

// The ledger_transfer function (2026_11_28_130200) with a cheaper wallet loop: the wallets are found
// by `id = any(accounts)` and each one's delta summed beside it, instead of joining a grouped
// unnest. Same rows, same id order, same locks; measured 0.24 → 0.21 ms per call in one session
// (every order's hold and settlement runs it).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function ledger_transfer(
      p_key text, p_kind text, p_metadata jsonb, p_actor uuid, p_channel text,
      p_accounts text[], p_currencies text[], p_amounts bigint[], p_audit jsonb
    ) returns table (transfer_id uuid, created_at timestamptz, replayed boolean)
    language plpgsql as $$
    declare
      v_id uuid;
      v_created timestamptz;
      v_wallet record;
    begin
      insert into transfers (idempotency_key, kind, metadata, actor_account_id)
      values (p_key, p_kind, p_metadata, p_actor)
      on conflict (idempotency_key) do nothing
      returning transfers.id, transfers.created_at into v_id, v_created;
      if v_id is null then
        return query select t.id, t.created_at, true from transfers t where t.idempotency_key = p_key;
        return;
      end if;

      -- Every entry names an existing ledger account in that account's currency.
      if exists (select 1 from unnest(p_accounts, p_currencies) as u(account, currency)
                 where not exists (select 1 from ledger_accounts la where la.id = u.account and la.currency = u.currency)) then
        raise exception 'unknown ledger account, or an entry in another currency than its account' using errcode = 'SL002';
      end if;

      for v_wallet in
        select la.id, la.account_id, la.balance, la.currency, la.low_balance_threshold, la.low_balance_scale,
          (select sum(u.amount) from unnest(p_accounts, p_amounts) as u(account, amount) where u.account = la.id) as delta
        from ledger_accounts la
        where la.id = any(p_accounts) and la.kind = 'wallet'
        order by la.id
        for no key update of la
      loop
        if v_wallet.balance + v_wallet.delta < 0 then
          raise exception 'insufficient funds in %', v_wallet.id using
            errcode = 'SL001',
            detail = json_build_object('accountId', v_wallet.account_id, 'balance', v_wallet.balance::text,
                                       'required', (-v_wallet.delta)::text, 'currency', v_wallet.currency)::text;
        end if;
        update ledger_accounts set balance = balance + v_wallet.delta where id = v_wallet.id;
        -- A debit crossing the wallet's low-balance threshold (from >= to <): a partner gets one
        -- wallet.low_balance webhook event, in this transaction (docs/money.md).
        if v_wallet.delta < 0 and v_wallet.low_balance_threshold is not null
           and v_wallet.balance >= v_wallet.low_balance_threshold
           and v_wallet.balance + v_wallet.delta < v_wallet.low_balance_threshold then
          insert into webhook_events (account_id, type, payload, dedupe_key)
          select a.id, 'wallet.low_balance',
            jsonb_build_object(
              'accountId', a.id,
              'balance', jsonb_build_object('amount', round((v_wallet.balance + v_wallet.delta)::numeric / power(10::numeric, v_wallet.low_balance_scale), v_wallet.low_balance_scale::int)::text, 'currency', v_wallet.currency),
              'threshold', jsonb_build_object('amount', round(v_wallet.low_balance_threshold::numeric / power(10::numeric, v_wallet.low_balance_scale), v_wallet.low_balance_scale::int)::text, 'currency', v_wallet.currency),
              'transferId', v_id),
            'low_balance:' || v_id::text
          from accounts a where a.id = v_wallet.account_id and a.role = 'partner'
          on conflict (account_id, dedupe_key) where dedupe_key is not null do nothing;
        end if;
      end loop;

      insert into entries (transfer_id, ledger_account_id, currency, amount)
      select v_id, u.account, u.currency, u.amount from unnest(p_accounts, p_currencies, p_amounts) as u(account, currency, amount);

      insert into audit_log (actor_account_id, channel, action, subject_type, subject_id, after)
      values (p_actor, p_channel, 'ledger.transfer', 'transfer', v_id::text, p_audit);

      return query select v_id, v_created, false;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function ledger_transfer(
      p_key text, p_kind text, p_metadata jsonb, p_actor uuid, p_channel text,
      p_accounts text[], p_currencies text[], p_amounts bigint[], p_audit jsonb
    ) returns table (transfer_id uuid, created_at timestamptz, replayed boolean)
    language plpgsql as $$
    declare
      v_id uuid;
      v_created timestamptz;
      v_wallet record;
    begin
      insert into transfers (idempotency_key, kind, metadata, actor_account_id)
      values (p_key, p_kind, p_metadata, p_actor)
      on conflict (idempotency_key) do nothing
      returning transfers.id, transfers.created_at into v_id, v_created;
      if v_id is null then
        return query select t.id, t.created_at, true from transfers t where t.idempotency_key = p_key;
        return;
      end if;

      -- Every entry names an existing ledger account in that account's currency.
      if exists (select 1 from unnest(p_accounts, p_currencies) as u(account, currency)
                 where not exists (select 1 from ledger_accounts la where la.id = u.account and la.currency = u.currency)) then
        raise exception 'unknown ledger account, or an entry in another currency than its account' using errcode = 'SL002';
      end if;

      for v_wallet in
        select la.id, la.account_id, la.balance, la.currency, la.low_balance_threshold, la.low_balance_scale, d.delta
        from ledger_accounts la
        join (select u.account, sum(u.amount) as delta from unnest(p_accounts, p_amounts) as u(account, amount) group by u.account) d
          on d.account = la.id
        where la.kind = 'wallet'
        order by la.id
        for no key update of la
      loop
        if v_wallet.balance + v_wallet.delta < 0 then
          raise exception 'insufficient funds in %', v_wallet.id using
            errcode = 'SL001',
            detail = json_build_object('accountId', v_wallet.account_id, 'balance', v_wallet.balance::text,
                                       'required', (-v_wallet.delta)::text, 'currency', v_wallet.currency)::text;
        end if;
        update ledger_accounts set balance = balance + v_wallet.delta where id = v_wallet.id;
        -- A debit crossing the wallet's low-balance threshold (from >= to <): a partner gets one
        -- wallet.low_balance webhook event, in this transaction (docs/money.md).
        if v_wallet.delta < 0 and v_wallet.low_balance_threshold is not null
           and v_wallet.balance >= v_wallet.low_balance_threshold
           and v_wallet.balance + v_wallet.delta < v_wallet.low_balance_threshold then
          insert into webhook_events (account_id, type, payload, dedupe_key)
          select a.id, 'wallet.low_balance',
            jsonb_build_object(
              'accountId', a.id,
              'balance', jsonb_build_object('amount', round((v_wallet.balance + v_wallet.delta)::numeric / power(10::numeric, v_wallet.low_balance_scale), v_wallet.low_balance_scale::int)::text, 'currency', v_wallet.currency),
              'threshold', jsonb_build_object('amount', round(v_wallet.low_balance_threshold::numeric / power(10::numeric, v_wallet.low_balance_scale), v_wallet.low_balance_scale::int)::text, 'currency', v_wallet.currency),
              'transferId', v_id),
            'low_balance:' || v_id::text
          from accounts a where a.id = v_wallet.account_id and a.role = 'partner'
          on conflict (account_id, dedupe_key) where dedupe_key is not null do nothing;
        end if;
      end loop;

      insert into entries (transfer_id, ledger_account_id, currency, amount)
      select v_id, u.account, u.currency, u.amount from unnest(p_accounts, p_currencies, p_amounts) as u(account, currency, amount);

      insert into audit_log (actor_account_id, channel, action, subject_type, subject_id, after)
      values (p_actor, p_channel, 'ledger.transfer', 'transfer', v_id::text, p_audit);

      return query select v_id, v_created, false;
    end
    $$`.execute(db);
}
