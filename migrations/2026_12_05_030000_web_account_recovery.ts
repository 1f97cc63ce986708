import { sql, type Kysely } from 'kysely';

// Web sign-in hardening (docs/web.md, Sign-in): the last TOTP time step a user's code was accepted
// for (a code is accepted only for a later step, so a seen code cannot be replayed within its
// window), and the one-time password-reset links sent by email (only the HMAC of the token is
// stored; single use; 30 minutes).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table partner_users add column totp_last_step bigint`.execute(db);

  await db.schema
    .createTable('web_password_resets')
    .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('partner_user_id', 'uuid', (column) => column.notNull().references('partner_users.id'))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await sql`create index web_password_resets_expires_at_idx on web_password_resets (expires_at)`.execute(db);
  await sql`create index web_password_resets_partner_user_id_idx on web_password_resets (partner_user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('web_password_resets').execute();
  await sql`alter table partner_users drop column totp_last_step`.execute(db);
}
