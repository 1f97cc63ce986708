import { sql, type Kysely } from 'kysely';

// The write path of a ledger transfer as one server-side function: one round trip, and wallet row
// locks held only for the few microseconds between the update and the commit. (The TypeScript
// `transfer` validates the request and interprets the outcome; this function does the writes.)
//
// 1. Claims the idempotency key (INSERT … ON CONFLICT DO NOTHING, which waits for an in-flight
//    transfer with the same key). Key taken: returns the existing transfer with replayed = true.
// 2. Checks each entry's account exists and has the entry's currency (a plain read: no lock).
// 3. Locks the customer wallets touched, in id order (so two transfers never deadlock), with FOR NO
//    KEY UPDATE (the lock an UPDATE of a non-key column takes), and applies each
//    wallet's delta; a wallet that would go below zero raises SQLSTATE SL001 with the balance.
// 4. Appends the entries and the audit row.
// System accounts are neither locked nor updated: their balance is the sum of their entries.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function ledger_transfer(
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
        select la.id, la.account_id, la.balance, la.currency, d.delta
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
  await sql`drop function ledger_transfer(text, text, jsonb, uuid, text, text[], text[], bigint[], jsonb)`.execute(db);
}
