import { sql, type Kysely } from 'kysely';

// A customer wallet's low-balance threshold (minor units of the wallet's currency; null: none).
// The ledger compares it with the balance before and after each debit (see docs/money.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('ledger_accounts')
    .addColumn('low_balance_threshold', 'bigint', (column) => column.check(sql`low_balance_threshold > 0`))
    // The currency's minor-unit digits, written with the threshold: the ledger function formats amounts with it.
    .addColumn('low_balance_scale', 'smallint')
    .execute();
  await sql`alter table ledger_accounts add constraint ledger_accounts_low_balance_scale check ((low_balance_threshold is null) = (low_balance_scale is null))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ledger_accounts').dropConstraint('ledger_accounts_low_balance_scale').execute();
  await db.schema.alterTable('ledger_accounts').dropColumn('low_balance_scale').dropColumn('low_balance_threshold').execute();
}
