import { sql, type Kysely } from 'kysely';

// Generation numbers of what read caches hold (docs/api.md, Caching). A cached priced catalog page
// or API key lookup is used only while its generation is the current one; every change it depends
// on bumps the generation in the change's own transaction, by these triggers, so no writer (a sync,
// an admin, the CLI, a fix in psql) can forget it and a crash between the change and the bump is
// impossible. Statement triggers: a catalog sync's thousands of rows bump once per statement.
//
// - `pricing`: products, brands, FX rates, price plans and their discounts and assignments, the
//   card list, and the account columns prices depend on (role, currency, parent).
// - `api_keys`: the key columns authentication reads (not `last_used_at`, written once a minute
//   per key), account status and role, sandbox links.
const PRICING_TABLES = [
  'catalog_products',
  'catalog_brands',
  'fx_rates',
  'price_plans',
  'price_plan_discounts',
  'role_price_plans',
  'account_price_plans',
  'card_list_entries',
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table cache_generations (name text primary key, generation int8 not null default 1)`.execute(db);
  await sql`insert into cache_generations (name) values ('pricing'), ('api_keys')`.execute(db);
  await sql`
    create function bump_cache_generation() returns trigger language plpgsql as $$
    begin
      update cache_generations set generation = generation + 1 where name = tg_argv[0];
      return null;
    end
    $$`.execute(db);
  for (const table of PRICING_TABLES) {
    await sql`
      create trigger ${sql.id(`${table}_bump_pricing`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function bump_cache_generation('pricing')`.execute(db);
  }
  await sql`
    create trigger accounts_bump_pricing after update of role, currency, parent_id on accounts
    for each statement execute function bump_cache_generation('pricing')`.execute(db);
  await sql`
    create trigger api_keys_bump_api_keys after update of key_hash, account_id, mode, revoked_at, expires_at, ip_allowlist, scope, partner_user_id, replaced_by or delete on api_keys
    for each statement execute function bump_cache_generation('api_keys')`.execute(db);
  await sql`
    create trigger accounts_bump_api_keys after update of status, role on accounts
    for each statement execute function bump_cache_generation('api_keys')`.execute(db);
  await sql`
    create trigger api_sandbox_accounts_bump_api_keys after insert or update or delete on api_sandbox_accounts
    for each statement execute function bump_cache_generation('api_keys')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of PRICING_TABLES) await sql`drop trigger ${sql.id(`${table}_bump_pricing`)} on ${sql.table(table)}`.execute(db);
  await sql`drop trigger accounts_bump_pricing on accounts`.execute(db);
  await sql`drop trigger api_keys_bump_api_keys on api_keys`.execute(db);
  await sql`drop trigger accounts_bump_api_keys on accounts`.execute(db);
  await sql`drop trigger api_sandbox_accounts_bump_api_keys on api_sandbox_accounts`.execute(db);
  await sql`drop function bump_cache_generation()`.execute(db);
  await sql`drop table cache_generations`.execute(db);
}
