import { sql, type Kysely } from 'kysely';

// API keys of partners and admins (only an HMAC of each key is stored) and the sandbox account that
// a partner's `sk_test_` keys act on, so test money never touches the partner's real wallet.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_sandbox_accounts')
    .addColumn('partner_id', 'uuid', (column) => column.primaryKey().references('accounts.id'))
    .addColumn('sandbox_account_id', 'uuid', (column) => column.notNull().unique().references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('api_sandbox_accounts_distinct', sql`partner_id <> sandbox_account_id`)
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The account the key acts as: a partner, a partner's sandbox account, or an admin.
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('mode', 'text', (column) => column.notNull().check(sql`mode in ('live', 'test')`))
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull().unique())
    .addColumn('created_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    // Addresses or CIDR blocks the key may be used from; null: anywhere.
    .addColumn('ip_allowlist', sql`text[]`)
    // Set when the key is rotated: it keeps working until then (the grace period).
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('replaced_by', 'uuid', (column) => column.references('api_keys.id'))
    .execute();
  await db.schema.createIndex('api_keys_account_id_idx').on('api_keys').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('api_sandbox_accounts').execute();
}
