import { sql, type Kysely } from 'kysely';

// Requests for money (docs/product.md#top-ups-and-allocation): an agent's top-up with a payment proof, decided by an admin; a
// sub-agent's request for funds, decided by its agent. Each is decided once; the money moves by a
// ledger transfer whose id is kept here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('topup_requests')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('amount', 'int8', (column) => column.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('proof_kind', 'text', (column) => column.notNull().check(sql`proof_kind in ('photo', 'reference')`))
    .addColumn('proof_value', 'text', (column) => column.notNull())
    // Normalised proof, to spot a proof used twice.
    .addColumn('proof_fingerprint', 'text', (column) => column.notNull())
    .addColumn('duplicate_of', 'uuid', (column) => column.references('topup_requests.id'))
    .addColumn('status', 'text', (column) =>
      column
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('decided_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('transfer_id', 'uuid', (column) => column.references('transfers.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('topup_requests_rejection_has_reason', sql`status <> 'rejected' or length(reason) > 0`)
    .execute();
  await db.schema.createIndex('topup_requests_fingerprint_idx').on('topup_requests').column('proof_fingerprint').execute();
  await db.schema.createIndex('topup_requests_status_idx').on('topup_requests').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('topup_requests_account_idx').on('topup_requests').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('fund_requests')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('sub_agent_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('agent_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('amount', 'int8', (column) => column.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('note', 'text')
    .addColumn('status', 'text', (column) =>
      column
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'fulfilled', 'declined')`),
    )
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('transfer_id', 'uuid', (column) => column.references('transfers.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('fund_requests_agent_idx').on('fund_requests').columns(['agent_id', 'status', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fund_requests').execute();
  await db.schema.dropTable('topup_requests').execute();
}
