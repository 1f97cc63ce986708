// Kill switches (docs/orders.md, Vendor operations): an admin pauses all sales, one vendor product or
// one brand, with a reason; the intake refuses new orders it covers (`sales_paused`) while orders
// already accepted finish as usual; resuming is one action. Every pause and resume is audited and
// told to the admins (a `sales.paused` event), and the open pauses are in the ops views.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import type { EventContext } from '../events.ts';
import type { SalesPauseScope } from './vendor.tables.ts';

export const SALES_PAUSE_SCOPES = ['all', 'product', 'brand'] as const satisfies readonly SalesPauseScope[];
export const MAX_PAUSE_REASON_LENGTH = 500;

export interface SalesPauseTarget {
  scope: SalesPauseScope;
  /** The product id or brand key; empty (or absent) for `all`. */
  target?: string;
}

export interface SalesPause {
  id: string;
  scope: SalesPauseScope;
  target: string;
  reason: string;
  pausedBy: string | null;
  pausedAt: Date;
}

/** What a pause covers, checked: the product or brand must exist in the catalog. */
async function checkedTarget(db: Kysely<DB>, { scope, target = '' }: SalesPauseTarget): Promise<{ scope: SalesPauseScope; target: string }> {
  const trimmed = target.trim();
  if (scope === 'all') {
    if (trimmed !== '') throw new DomainError('invalid_sales_pause', 'pausing all sales takes no target');
    return { scope, target: '' };
  }
  if (scope === 'product') {
    if (!/^\d{1,18}$/.test(trimmed)) throw new DomainError('invalid_sales_pause', `no product ${trimmed}`);
    const product = await db.selectFrom('catalog_products').select('id').where('id', '=', BigInt(trimmed)).executeTakeFirst();
    if (!product) throw new DomainError('invalid_sales_pause', `no product ${trimmed}`);
    return { scope, target: String(product.id) };
  }
  const brand = trimmed === '' ? undefined : await db.selectFrom('catalog_brands').select('key').where('key', '=', trimmed).executeTakeFirst();
  if (!brand) throw new DomainError('invalid_sales_pause', `no brand ${trimmed}`);
  return { scope, target: brand.key };
}

const toPause = (row: { id: string; scope: SalesPauseScope; target: string; reason: string; paused_by: string | null; paused_at: Date }): SalesPause => ({
  id: row.id,
  scope: row.scope,
  target: row.target,
  reason: row.reason,
  pausedBy: row.paused_by,
  pausedAt: row.paused_at,
});

/** The open pauses, newest first (anyone's orders may be refused by them: read without rights). */
export async function activeSalesPauses(db: Kysely<DB>): Promise<SalesPause[]> {
  const rows = await db.selectFrom('sales_pauses').selectAll().where('resumed_at', 'is', null).orderBy('paused_at', 'desc').execute();
  return rows.map(toPause);
}

/** The open pauses for an admin (ops views). */
export async function listSalesPauses(db: Kysely<DB>, actor: Actor): Promise<SalesPause[]> {
  await requireAdmin(db, actor);
  return activeSalesPauses(db);
}

/** The pause that refuses an order for `productId` of `brandKey`, if any: all sales first, then the product, then its brand. */
export function pauseCovering(pauses: readonly SalesPause[], productId: bigint, brandKey: string): SalesPause | undefined {
  return (
    pauses.find((pause) => pause.scope === 'all') ??
    pauses.find((pause) => pause.scope === 'product' && pause.target === String(productId)) ??
    pauses.find((pause) => pause.scope === 'brand' && pause.target === brandKey)
  );
}

export const salesPausedError = (pause: SalesPause) =>
  new DomainError('sales_paused', pause.scope === 'all' ? `sales are paused: ${pause.reason}` : `sales of this ${pause.scope} are paused: ${pause.reason}`, {
    scope: pause.scope,
    ...(pause.scope === 'all' ? {} : { target: pause.target }),
  });

/** Pauses sales (admins only, audited, told to the admins). Pausing what is already paused keeps the first pause and answers it. */
export async function pauseSales(
  ctx: EventContext,
  actor: Actor,
  input: SalesPauseTarget & { reason: string },
): Promise<{ pause: SalesPause; created: boolean }> {
  await requireAdmin(ctx.db, actor);
  const reason = input.reason.trim();
  if (reason === '' || reason.length > MAX_PAUSE_REASON_LENGTH)
    throw new DomainError('invalid_sales_pause', `a reason of 1 to ${MAX_PAUSE_REASON_LENGTH} characters is required`);
  const { scope, target } = await checkedTarget(ctx.db, input);
  return withTransaction(ctx.db, async (trx) => {
    const inserted = await trx
      .insertInto('sales_pauses')
      .values({ scope, target, reason, paused_by: actor.accountId })
      .onConflict((conflict) => conflict.columns(['scope', 'target']).where('resumed_at', 'is', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      const open = await trx
        .selectFrom('sales_pauses')
        .selectAll()
        .where('scope', '=', scope)
        .where('target', '=', target)
        .where('resumed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return { pause: toPause(open), created: false };
    }
    await writeAudit(trx, { actor, action: 'sales.paused', subject: { type: 'sales_pause', id: inserted.id }, after: { scope, target, reason } });
    await ctx.events.record(trx, { type: 'sales.paused', action: 'paused', scope, target, reason, by: actor.accountId ?? actor.channel });
    return { pause: toPause(inserted), created: true };
  });
}

/** Lifts the open pause of a scope and target (admins only, audited); false when there is none. */
export async function resumeSales(ctx: EventContext, actor: Actor, input: SalesPauseTarget): Promise<boolean> {
  await requireAdmin(ctx.db, actor);
  const scope = input.scope;
  const target = scope === 'all' ? '' : (input.target ?? '').trim();
  return withTransaction(ctx.db, async (trx) => {
    const lifted = await trx
      .updateTable('sales_pauses')
      .set({ resumed_at: new Date(), resumed_by: actor.accountId })
      .where('scope', '=', scope)
      .where('target', '=', target)
      .where('resumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!lifted) return false;
    await writeAudit(trx, {
      actor,
      action: 'sales.resumed',
      subject: { type: 'sales_pause', id: lifted.id },
      before: { scope, target, reason: lifted.reason },
    });
    await ctx.events.record(trx, { type: 'sales.paused', action: 'resumed', scope, target, reason: lifted.reason, by: actor.accountId ?? actor.channel });
    return true;
  });
}
