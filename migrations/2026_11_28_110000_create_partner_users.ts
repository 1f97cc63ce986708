import { sql, type Kysely } from 'kysely';

// People of a partner (developer or finance) and the scope of each API key. Existing keys get the
// `owner` scope (full access) through the column default; a user's keys carry the user's role as scope.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partner_users')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The real partner account (never its sandbox): a user works in both modes.
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull().check(sql`role in ('developer', 'finance')`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'uuid', (column) => column.references('accounts.id'))
    .addColumn('removed_at', 'timestamptz')
    .addColumn('removed_by', 'uuid', (column) => column.references('accounts.id'))
    .execute();
  // One current user per email and partner; a removed user's email can be added again.
  await sql`create unique index partner_users_account_email_idx on partner_users (account_id, lower(email)) where removed_at is null`.execute(db);

  await db.schema
    .alterTable('api_keys')
    .addColumn('scope', 'text', (column) =>
      column
        .notNull()
        .defaultTo('owner')
        .check(sql`scope in ('owner', 'developer', 'finance')`),
    )
    .execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('partner_user_id', 'uuid', (column) => column.references('partner_users.id'))
    .execute();
  // A user's key has the user's role as scope; an owner key belongs to no user.
  await sql`alter table api_keys add constraint api_keys_scope_user check ((scope = 'owner') = (partner_user_id is null))`.execute(db);
  await sql`create index api_keys_partner_user_id_idx on api_keys (partner_user_id) where partner_user_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropConstraint('api_keys_scope_user').execute();
  await db.schema.dropIndex('api_keys_partner_user_id_idx').execute();
  await db.schema.alterTable('api_keys').dropColumn('partner_user_id').execute();
  await db.schema.alterTable('api_keys').dropColumn('scope').execute();
  await db.schema.dropTable('partner_users').execute();
}
