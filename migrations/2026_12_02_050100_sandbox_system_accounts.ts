import { sql, type Kysely } from 'kysely';

// Test money gets system accounts of its own (docs/money.md, "Sandbox money"): sandbox funds come
// from `sandbox_adjustments`, sandbox orders hold into `sandbox_order_clearing` and settle into
// `sandbox_vendor_payable` and `sandbox_revenue`, so the real accounts hold real money only.
// New currencies get them with their first wallet (`ensureSystemAccounts`); this adds them for the
// currencies that already have system accounts. Earlier history is not rewritten (the ledger is
// append-only).
const SANDBOX_CODES = ['sandbox_adjustments', 'sandbox_order_clearing', 'sandbox_vendor_payable', 'sandbox_revenue'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    insert into ledger_accounts (id, kind, system_code, currency)
    select 'system:' || code || ':' || c.currency, 'system', code, c.currency
    from (select distinct currency from ledger_accounts where kind = 'system') c
    cross join unnest(${SANDBOX_CODES}::text[]) as code
    on conflict (id) do nothing`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Only accounts nothing was booked on: entries are append-only and name their account by id.
  await sql`
    delete from ledger_accounts la
    where la.kind = 'system' and la.system_code = any(${SANDBOX_CODES}::text[])
      and not exists (select 1 from entries e where e.ledger_account_id = la.id)`.execute(db);
}
