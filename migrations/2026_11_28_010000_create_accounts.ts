import { sql, type Kysely } from 'kysely';

// Accounts in the hierarchy (docs/product.md#roles-and-the-hierarchy) and the one-time invites that bind a Telegram user to one.
// Who may be whose parent is enforced in the domain; the checks here are the backstop that no code
// path can get around (a sub-agent always has a parent, admins and partners never do).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('role', 'text', (column) => column.notNull().check(sql`role in ('admin', 'agent', 'sub_agent', 'partner')`))
    .addColumn('name', 'text', (column) => column.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('parent_id', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('status', 'text', (column) =>
      column
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'paused')`),
    )
    .addColumn('telegram_user_id', 'int8', (column) => column.unique())
    .addColumn('currency', 'text', (column) => column.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'accounts_parent_by_role',
      sql`
      (role = 'sub_agent' and parent_id is not null)
      or (role = 'agent')
      or (role in ('admin', 'partner') and parent_id is null)`,
    )
    .execute();
  await db.schema.createIndex('accounts_parent_id_idx').on('accounts').column('parent_id').execute();

  await db.schema
    .createTable('invites')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Only a hash of the token is kept: a database read does not hand out usable invites.
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('role', 'text', (column) => column.notNull().check(sql`role in ('agent', 'sub_agent')`))
    .addColumn('parent_id', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('created_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('name', 'text')
    // Currency of the wallet the invitee gets (a child's wallet is in its parent's currency).
    .addColumn('currency', 'text', (column) => column.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('redeemed_account_id', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('invites_sub_agent_has_parent', sql`role <> 'sub_agent' or parent_id is not null`)
    .execute();
  await db.schema.createIndex('invites_created_by_idx').on('invites').column('created_by').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invites').execute();
  await db.schema.dropTable('accounts').execute();
}
