import { sql, type Kysely } from 'kysely';

// A third role of partner users, `manager`: everything an owner key may do, managing the partner's
// users included (docs/api.md, Partner users and key scopes). A manager's keys carry the scope
// `manager` (an owner key still belongs to no user).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table partner_users drop constraint partner_users_role_check`.execute(db);
  await sql`alter table partner_users add constraint partner_users_role_check check (role in ('manager', 'developer', 'finance'))`.execute(db);
  await sql`alter table api_keys drop constraint api_keys_scope_check`.execute(db);
  await sql`alter table api_keys add constraint api_keys_scope_check check (scope in ('owner', 'manager', 'developer', 'finance'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table api_keys drop constraint api_keys_scope_check`.execute(db);
  await sql`alter table api_keys add constraint api_keys_scope_check check (scope in ('owner', 'developer', 'finance'))`.execute(db);
  await sql`alter table partner_users drop constraint partner_users_role_check`.execute(db);
  await sql`alter table partner_users add constraint partner_users_role_check check (role in ('developer', 'finance'))`.execute(db);
}
