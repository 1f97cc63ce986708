import { sql, type Kysely } from 'kysely';

// Agents set their sub-agents' margins: a markup in basis points on the agent's own price, within
// the bounds an admin sets (one row). The sub-agent's price and the agent's revenue share follow
// from it (src/domain/pricing/margins.ts). Both tables change prices: they bump the `pricing` cache
// generation like every other table prices depend on.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table margin_bounds (
      singleton boolean primary key default true check (singleton),
      min_bps integer not null check (min_bps >= 0),
      max_bps integer not null check (max_bps <= 5000),
      updated_at timestamptz not null default now(),
      check (min_bps <= max_bps)
    )`.execute(db);
  await sql`
    create table sub_agent_margins (
      sub_agent_id uuid primary key references accounts (id),
      agent_id uuid not null references accounts (id),
      markup_bps integer not null check (markup_bps >= 0 and markup_bps <= 5000),
      updated_at timestamptz not null default now()
    )`.execute(db);
  for (const table of ['margin_bounds', 'sub_agent_margins']) {
    await sql`
      create trigger ${sql.id(`${table}_bump_pricing`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function bump_cache_generation('pricing')`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sub_agent_margins`.execute(db);
  await sql`drop table margin_bounds`.execute(db);
}
