import { sql, type Kysely } from 'kysely';

// Test money gets system accounts of its own (docs/money.md, "Sandbox money"): sandbox funds come
// from `sandbox_adjustments`, sandbox orders hold into `sandbox_order_clearing` and settle into
// `sandbox_vendor_payable` and `sandbox_revenue`, so the real accounts hold real money only.
// New currencies get them with their first wallet (`ensureSystemAccounts`); this adds them for the
// currencies that already have system accounts.
//
// Test money booked before this migration sits in the real accounts. The ledger is append-only, so
// one reclassification transfer per currency moves it out: for every real system account, what the
// test-money transfers booked on it goes to its sandbox twin. Test-money transfers are those with
// an entry on a sandbox wallet (sandbox funds, holds, refunds) and the settlements of sandbox orders
// (`order-settle:<order id>`; they touch no wallet). This also moves the holds of sandbox orders
// still in flight into `sandbox_order_clearing`, where their settlement or refund now takes them
// from. Funds that came from `funding` (no sandbox twin) go to `sandbox_adjustments`, the sandbox's
// one source of money.
const SANDBOX_CODES = ['sandbox_adjustments', 'sandbox_order_clearing', 'sandbox_vendor_payable', 'sandbox_revenue'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    insert into ledger_accounts (id, kind, system_code, currency)
    select 'system:' || code || ':' || c.currency, 'system', code, c.currency
    from (select distinct currency from ledger_accounts where kind = 'system') c
    cross join unnest(${SANDBOX_CODES}::text[]) as code
    on conflict (id) do nothing`.execute(db);

  // One statement: the moves are computed once and used by the three inserts.
  await sql`
    with test_money_transfers as (
      select e.transfer_id from entries e
      join api_sandbox_accounts s on e.ledger_account_id = 'wallet:' || s.sandbox_account_id::text
      union
      select t.id from orders o join transfers t on t.idempotency_key = 'order-settle:' || o.id::text
      where o.sandbox
    ),
    booked as (
      select e.currency, la.system_code as code, e.ledger_account_id as account, sum(e.amount) as amount
      from entries e
      join test_money_transfers tm on tm.transfer_id = e.transfer_id
      join ledger_accounts la on la.id = e.ledger_account_id and la.kind = 'system'
      where la.system_code in ('funding', 'adjustments', 'order_clearing', 'vendor_payable', 'revenue')
      group by e.currency, la.system_code, e.ledger_account_id
      having sum(e.amount) <> 0
    ),
    moves as (
      -- Out of each real account and into its twin (funding and adjustments share one twin).
      select m.currency, m.account, sum(m.amount) as amount
      from (
        select currency, account, -amount as amount from booked
        union all
        select currency, 'system:' || case code when 'funding' then 'sandbox_adjustments' else 'sandbox_' || code end || ':' || currency, amount
        from booked) m
      group by m.currency, m.account
      having sum(m.amount) <> 0
    ),
    stored as (
      insert into transfers (idempotency_key, kind, metadata)
      select distinct 'sandbox-reclassification:' || currency, 'sandbox_reclassification',
        jsonb_build_object('reason', 'test money booked on real system accounts before migration 2026_12_02_050100')
      from moves
      on conflict (idempotency_key) do nothing
      returning id, idempotency_key, metadata
    ),
    written as (
      insert into entries (transfer_id, ledger_account_id, currency, amount)
      select s.id, m.account, m.currency, m.amount
      from stored s join moves m on s.idempotency_key = 'sandbox-reclassification:' || m.currency
    )
    insert into audit_log (actor_account_id, channel, action, subject_type, subject_id, after)
    select null, 'system', 'ledger.transfer', 'transfer', s.id::text,
      jsonb_build_object('kind', 'sandbox_reclassification', 'idempotencyKey', s.idempotency_key, 'metadata', s.metadata,
        'entries', (select jsonb_agg(jsonb_build_object('ledgerAccountId', m.account, 'amountMinor', m.amount::text) order by m.account)
                    from moves m where s.idempotency_key = 'sandbox-reclassification:' || m.currency))
    from stored s`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Only accounts nothing was booked on: entries are append-only and name their account by id (a
  // reclassification transfer, like any transfer, stays, and so do the accounts it names).
  await sql`
    delete from ledger_accounts la
    where la.kind = 'system' and la.system_code = any(${SANDBOX_CODES}::text[])
      and not exists (select 1 from entries e where e.ledger_account_id = la.id)`.execute(db);
}
