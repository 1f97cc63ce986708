import { sql, type Kysely } from 'kysely';

// A customer wallet's low-balance threshold (minor units of the wallet's currency; null: none).
// The ledger compares it with the balance before and after each debit (see docs/money.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('ledger_accounts')
    .addColumn('low_balance_threshold', 'bigint', (column) => column.check(sql`low_balance_threshold > 0`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ledger_accounts').dropColumn('low_balance_threshold').execute();
}
