// A cache of priced catalog reads (docs/api.md, Caching): a partner's catalog page or product, the
// bot's card list. What they show changes only with a catalog or FX sync, a price plan change or
// the card list, and each such change bumps the `pricing` generation in its own transaction
// (src/db/generations.ts). An entry is kept under the generation it was made in, so a request made
// after a change commits never finds an entry made before it, in any process.
//
// Prices depend on the account only through its pricing profile (currency, plan, role, a
// sub-agent's agent's plan and currency), so accounts with the same profile share entries.
// Entries live in shared state (Redis) when there is one, else in this process only; each process
// also keeps the entries it used last in memory. Reads only: an order is always priced afresh.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { GenerationReader, Generations } from '../../db/generations.ts';
import { DomainError } from '../../shared/errors.ts';
import { RecentlyUsed } from '../../shared/recently-used.ts';
import type { SharedState } from '../../shared-state/types.ts';

/** A cached answer: its body and an ETag naming exactly that body. */
export interface CachedBody {
  etag: string;
  body: string;
  /** The body as UTF-8, encoded once: an answer sent many times is not re-encoded (nor garbage) each time. */
  bytes: Uint8Array<ArrayBuffer>;
}

const entryOf = (etag: string, body: string): CachedBody => ({ etag, body, bytes: new TextEncoder().encode(body) });

export interface PricedReads {
  /**
   * The body `load` makes for `accountId` (`what` names the read, e.g. a page's filter), cached
   * until prices change. `load` runs only on a miss; an error it throws is not cached. A caller
   * that read the generations for this request already (after it arrived) passes them.
   */
  forAccount(accountId: string, what: string, load: () => Promise<string>, generations?: Generations): Promise<CachedBody>;
  /** The same for a read that is the same for everyone (the bot's card list). */
  forEveryone(what: string, load: () => Promise<string>): Promise<CachedBody>;
}

/** How long shared entries live at most (a generation change makes them unreachable before). */
const SHARED_TTL_MS = 10 * 60_000;

export function createPricedReads(deps: { db: Kysely<DB>; state: SharedState; generations: GenerationReader; orderFee: string }): PricedReads {
  const bodies = new RecentlyUsed<CachedBody>(500);
  const profiles = new RecentlyUsed<string>(5_000);
  // In-process shared state is this process's memory already: the local entries are enough (and
  // bounded, where the in-process store keeps every key until it is read again).
  const shared = deps.state.kind === 'redis' ? deps.state.kv : undefined;

  async function cached(key: string, load: () => Promise<string>): Promise<CachedBody> {
    const local = bodies.get(key);
    if (local) return local;
    // A cache that cannot be reached is a miss, never a failed read.
    const stored = await shared?.get(key).catch(() => undefined);
    if (stored !== undefined) {
      const newline = stored.indexOf('\n');
      const entry = entryOf(stored.slice(0, newline), stored.slice(newline + 1));
      bodies.set(key, entry);
      return entry;
    }
    const body = await load();
    const entry = entryOf(`"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, body);
    bodies.set(key, entry);
    await shared?.set(key, `${entry.etag}\n${body}`, SHARED_TTL_MS).catch(() => undefined);
    return entry;
  }

  return {
    async forAccount(accountId, what, load, generations) {
      const { pricing } = generations ?? (await deps.generations.current());
      const profileKey = `${pricing}:${accountId}`;
      let profile = profiles.get(profileKey);
      if (profile === undefined) {
        profile = await pricingProfile(deps.db, accountId);
        profiles.set(profileKey, profile);
      }
      return cached(`priced:${pricing}:${deps.orderFee}:${profile}:${what}`, load);
    },
    async forEveryone(what, load) {
      const { pricing } = await deps.generations.current();
      return cached(`priced:${pricing}:everyone:${what}`, load);
    },
  };
}

/**
 * What an account's prices depend on, as a key: its currency, role and plan (its own, else its
 * role's), and for a sub-agent its agent's currency and plan (the platform's price).
 */
export async function pricingProfile(db: Kysely<DB>, accountId: string): Promise<string> {
  const planOf = (alias: string) =>
    sql`coalesce((select app.plan_id from account_price_plans app where app.account_id = ${sql.ref(`${alias}.id`)}),
      (select rpp.plan_id from role_price_plans rpp where rpp.role = ${sql.ref(`${alias}.role`)}))`;
  const { rows } = await sql<{ currency: string; role: string; plan_id: string | null; agent_currency: string | null; agent_plan_id: string | null }>`
    select a.currency, a.role, ${planOf('a')} as plan_id, agent.currency as agent_currency,
      case when agent.id is null then null else ${planOf('agent')} end as agent_plan_id
    from accounts a
    left join accounts agent on agent.id = a.parent_id and a.role = 'sub_agent'
    where a.id = ${accountId}::uuid`.execute(db);
  const row = rows[0];
  if (!row) throw new DomainError('account_not_found', `no account ${accountId}`, { accountId });
  return [row.role, row.currency, row.plan_id ?? 'none', row.agent_currency ?? '', row.agent_plan_id ?? ''].join('/');
}
