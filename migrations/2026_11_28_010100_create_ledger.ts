import { sql, type Kysely } from 'kysely';

// The double-entry ledger (docs/product.md#money-and-the-ledger).
//
// Sign convention: an entry's amount is what it adds to its ledger account's balance. A credit to
// a customer wallet is positive, the matching entry on the system account it came from is negative,
// and the entries of a transfer sum to zero per currency. System balances are therefore often
// negative (money that entered the platform from outside shows as a negative `funding` balance).
//
// Only customer wallets store a balance (updated under a row lock inside each transfer, never
// below zero by CHECK). System accounts store none: their balance is the sum of their entries, so
// no platform-wide row serializes traffic.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_accounts')
    // Deterministic ids: `wallet:<account id>` and `system:<code>:<currency>`.
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('kind', 'text', (column) => column.notNull().check(sql`kind in ('wallet', 'system')`))
    .addColumn('account_id', 'uuid', (column) => column.references('accounts.id').unique())
    .addColumn('system_code', 'text')
    .addColumn('currency', 'text', (column) => column.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('balance', 'int8')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('ledger_accounts_wallet_balance_not_negative', sql`balance >= 0`)
    .addCheckConstraint(
      'ledger_accounts_shape',
      sql`
      (kind = 'wallet' and account_id is not null and system_code is null and balance is not null)
      or (kind = 'system' and account_id is null and system_code is not null and balance is null)`,
    )
    .execute();

  await db.schema
    .createTable('transfers')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('idempotency_key', 'text', (column) =>
      column
        .notNull()
        .unique()
        .check(sql`length(idempotency_key) between 1 and 200`),
    )
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('actor_account_id', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('entries')
    // Sequence order = append order: the cursor of a wallet's history. Not the key (one index fewer
    // to maintain on the hot path); the key says an account appears once per transfer.
    .addColumn('id', 'bigserial', (column) => column.notNull())
    .addColumn('transfer_id', 'uuid', (column) => column.notNull().references('transfers.id'))
    // No foreign key on purpose: every entry would take a KEY SHARE lock on its ledger account row,
    // and the system accounts (order clearing…) are in nearly every transfer, so they would become
    // the shared hot row docs/product.md#money-and-the-ledger forbids. ledger_transfer() checks account and currency instead,
    // and the consistency check re-verifies it.
    .addColumn('ledger_account_id', 'text', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('amount', 'int8', (column) => column.notNull().check(sql`amount <> 0`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('entries_pkey', ['transfer_id', 'ledger_account_id'])
    .execute();
  // A wallet's history, newest first (id order), and per-account sums.
  await db.schema.createIndex('entries_account_id_idx').on('entries').columns(['ledger_account_id', 'id']).execute();

  // Append-only: history is corrected by new transfers, never by editing entries.
  await sql`
    create function append_only_guard() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'restrict_violation';
    end
    $$`.execute(db);
  for (const table of ['entries', 'transfers']) {
    await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function append_only_guard()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
      for each statement execute function append_only_guard()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('entries').execute();
  await db.schema.dropTable('transfers').execute();
  await db.schema.dropTable('ledger_accounts').execute();
  await sql`drop function append_only_guard()`.execute(db);
}
