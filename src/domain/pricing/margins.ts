// Agents set their sub-agents' margins (docs/product.md#pricing-and-revenue-share): a markup in basis
// points on the agent's own price for the same card, within bounds an admin sets. With a margin the
// sub-agent pays agent price × (1 + markup), half up, instead of its plan's price; the spread (the
// agent's revenue share) is the markup, and the platform's price stays the agent's price, so the
// profit guard is unchanged. `priceCard` (pricing.ts) applies it for the card list and the order
// alike; a margin outside bounds an admin narrowed later is priced at the nearest bound.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { getDirectChild, requireAdmin, resolvePrincipal } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';

/** The highest markup anyone may allow: 50 %. */
export const MAX_MARKUP_BPS = 5_000;

export interface MarginBounds {
  minBps: number;
  maxBps: number;
}

/** No bounds set yet: no markup but zero may be set. */
const NO_BOUNDS: MarginBounds = { minBps: 0, maxBps: 0 };

export async function marginBounds(db: Kysely<DB>): Promise<MarginBounds> {
  const row = await db.selectFrom('margin_bounds').select(['min_bps', 'max_bps']).executeTakeFirst();
  return row ? { minBps: row.min_bps, maxBps: row.max_bps } : NO_BOUNDS;
}

/** An admin (or the platform) sets the bounds of every agent's markups; audited. */
export async function setMarginBounds(db: Kysely<DB>, actor: Actor, bounds: MarginBounds): Promise<MarginBounds> {
  const valid = (bps: number) => Number.isInteger(bps) && bps >= 0 && bps <= MAX_MARKUP_BPS;
  if (!valid(bounds.minBps) || !valid(bounds.maxBps) || bounds.minBps > bounds.maxBps) {
    throw new DomainError('margin_out_of_bounds', `bounds are whole basis points, 0 ≤ min ≤ max ≤ ${MAX_MARKUP_BPS}`, { ...bounds });
  }
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const before = await marginBounds(trx);
    await trx
      .insertInto('margin_bounds')
      .values({ min_bps: bounds.minBps, max_bps: bounds.maxBps })
      .onConflict((conflict) => conflict.column('singleton').doUpdateSet({ min_bps: bounds.minBps, max_bps: bounds.maxBps, updated_at: new Date() }))
      .execute();
    await writeAudit(trx, { actor, action: 'pricing.margin_bounds_set', subject: { type: 'pricing', id: 'margin_bounds' }, before, after: bounds });
    return bounds;
  });
}

/** The markup a sub-agent's price carries now: its agent's choice held inside the current bounds; null without one. */
export function effectiveMarkupBps(markupBps: number | null, bounds: MarginBounds): number | null {
  if (markupBps === null) return null;
  return Math.min(Math.max(markupBps, bounds.minBps), bounds.maxBps);
}

/** A sub-agent's margin as its agent sees it: the markup set (null: the sub-agent's plan prices it) and the bounds. */
export async function subAgentMargin(db: Kysely<DB>, actor: Actor, subAgentId: string): Promise<{ markupBps: number | null; bounds: MarginBounds }> {
  const principal = await resolvePrincipal(db, actor);
  const child = await getDirectChild(db, principal, subAgentId);
  if (child.role !== 'sub_agent') throw new DomainError('not_a_sub_agent', 'margins are set on sub-agents', { accountId: child.id });
  const [row, bounds] = await Promise.all([
    db.selectFrom('sub_agent_margins').select('markup_bps').where('sub_agent_id', '=', child.id).executeTakeFirst(),
    marginBounds(db),
  ]);
  return { markupBps: row?.markup_bps ?? null, bounds };
}

/**
 * The agent sets (or with null removes) the markup of one of its own sub-agents, within the admins'
 * bounds; audited with the value before and after.
 */
export async function setSubAgentMargin(db: Kysely<DB>, actor: Actor, subAgentId: string, markupBps: number | null): Promise<void> {
  await withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    if (principal.kind !== 'account' || principal.account.role !== 'agent') throw new DomainError('forbidden', 'only an agent sets its sub-agents’ margins');
    const child = await getDirectChild(trx, principal, subAgentId);
    if (child.role !== 'sub_agent') throw new DomainError('not_a_sub_agent', 'margins are set on sub-agents', { accountId: child.id });
    const bounds = await marginBounds(trx);
    if (markupBps !== null && (!Number.isInteger(markupBps) || markupBps < bounds.minBps || markupBps > bounds.maxBps)) {
      throw new DomainError('margin_out_of_bounds', `a markup between ${bounds.minBps} and ${bounds.maxBps} basis points`, { ...bounds, markupBps });
    }
    const before = await trx.selectFrom('sub_agent_margins').select('markup_bps').where('sub_agent_id', '=', child.id).executeTakeFirst();
    if (markupBps === null) {
      await trx.deleteFrom('sub_agent_margins').where('sub_agent_id', '=', child.id).execute();
    } else {
      await trx
        .insertInto('sub_agent_margins')
        .values({ sub_agent_id: child.id, agent_id: principal.account.id, markup_bps: markupBps })
        .onConflict((conflict) =>
          conflict.column('sub_agent_id').doUpdateSet({ markup_bps: markupBps, agent_id: principal.account.id, updated_at: new Date() }),
        )
        .execute();
    }
    await writeAudit(trx, {
      actor,
      action: 'pricing.sub_agent_margin_set',
      subject: { type: 'account', id: child.id },
      before: { markupBps: before?.markup_bps ?? null },
      after: { markupBps },
    });
  });
}
