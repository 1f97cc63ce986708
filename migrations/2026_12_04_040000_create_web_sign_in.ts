import { sql, type Kysely } from 'kysely';

// The web app's sign-in (docs/web.md): a partner user's password (argon2id) and optional TOTP secret
// (encrypted like card codes), the sessions of signed-in people, the one-time links the bot sends
// admins and agents, and `web` as a channel of the audit log.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('partner_users')
    .addColumn('password_hash', 'text')
    .addColumn('password_set_at', 'timestamptz')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_key_id', 'text')
    .execute();

  await db.schema
    .createTable('web_sessions')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The cookie holds the token; only its hash is stored, so a read of this table signs nobody in.
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('csrf_token', 'text', (column) => column.notNull())
    // A partner user (partner_user_id set, account_id their partner) or an admin/agent account.
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('partner_user_id', 'uuid', (column) => column.references('partner_users.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('last_seen_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index web_sessions_expires_at_idx on web_sessions (expires_at)`.execute(db);
  await sql`create index web_sessions_partner_user_id_idx on web_sessions (partner_user_id) where partner_user_id is not null`.execute(db);
  await sql`create index web_sessions_account_id_idx on web_sessions (account_id)`.execute(db);

  await db.schema
    .createTable('web_login_links')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await sql`create index web_login_links_expires_at_idx on web_login_links (expires_at)`.execute(db);

  await sql`alter table audit_log drop constraint audit_log_channel_check`.execute(db);
  await sql`alter table audit_log add constraint audit_log_channel_check check (channel in ('telegram', 'api', 'cli', 'system', 'web'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_log drop constraint audit_log_channel_check`.execute(db);
  await sql`alter table audit_log add constraint audit_log_channel_check check (channel in ('telegram', 'api', 'cli', 'system'))`.execute(db);
  await db.schema.dropTable('web_login_links').execute();
  await db.schema.dropTable('web_sessions').execute();
  await db.schema
    .alterTable('partner_users')
    .dropColumn('password_hash')
    .dropColumn('password_set_at')
    .dropColumn('totp_secret')
    .dropColumn('totp_key_id')
    .execute();
}
