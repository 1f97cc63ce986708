// Operator tools (`npx steller order show|retry|refund|resolve`). A refund is only for an order the
// vendor confirms failed or never received; it goes through the same locked steps as the workers, so
// an operator and a worker racing on one order still produce one final state. An order in
// `needs_attention` is only resolved, once, by an operator's decision (audited). Operators are the
// platform (the CLI) or active admins.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { failOrder, placeWithVendor, pollVendorOrder, resolveWithVendor, resumePolling, type FulfilmentContext } from './fulfilment.ts';
import { toOrder, type Order } from './orders.ts';
import { FINAL_STATUSES } from './orders.tables.ts';

export interface OrderDetails {
  order: Order;
  transitions: { status: string; at: Date; detail: unknown }[];
  cardsStored: number;
}

export async function showOrder(db: Kysely<DB>, actor: Actor, idOrNumber: string): Promise<OrderDetails> {
  await requireAdmin(db, actor);
  return orderDetails(db, idOrNumber);
}

async function orderDetails(db: Kysely<DB>, idOrNumber: string): Promise<OrderDetails> {
  const number = /^ST-(\d{1,18})$/i.exec(idOrNumber)?.[1];
  // Neither an order number nor a UUID: no order can have it (and the uuid column would refuse it).
  if (number === undefined && !isUuid(idOrNumber)) throw new DomainError('order_not_found', `no order ${idOrNumber}`);
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .$if(number !== undefined, (query) => query.where('number', '=', BigInt(number ?? 0)))
    .$if(number === undefined, (query) => query.where('id', '=', idOrNumber))
    .executeTakeFirst();
  if (!row) throw new DomainError('order_not_found', `no order ${idOrNumber}`);
  const transitions = await db.selectFrom('order_transitions').select(['status', 'at', 'detail']).where('order_id', '=', row.id).orderBy('id').execute();
  const cards = await db
    .selectFrom('order_cards')
    .select(({ fn }) => fn.countAll<string>().as('count'))
    .where('order_id', '=', row.id)
    .executeTakeFirstOrThrow();
  return { order: toOrder(row), transitions, cardsStored: Number(cards.count) };
}

function assertNotNeedingAttention(order: Order): void {
  if (order.status === 'needs_attention')
    throw new DomainError('order_needs_attention', `order ${order.number} needs attention: resolve it (order resolve --vendor-has | --vendor-lacks)`);
}

/** Runs the order's next step now: place (pending/placing) or poll (processing). */
export async function retryOrder(ctx: FulfilmentContext, actor: Actor, orderId: string): Promise<string> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  assertNotNeedingAttention(order);
  if (order.status === 'processing') return pollVendorOrder(ctx, order.id, undefined);
  return placeWithVendor(ctx, order.id);
}

/**
 * Refunds an open order the vendor confirms failed, or never received. A sent order Bamboo says it
 * has no record of goes to `needs_attention` (returned as such): the operator then decides with
 * `resolveOrder`.
 */
export async function refundOrder(ctx: FulfilmentContext, actor: Actor, orderId: string): Promise<string> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  assertNotNeedingAttention(order);
  if (!order.vendorRequestId) {
    return (await failOrder(ctx, order.id, 'refunded_by_operator:never_sent', { onlyFrom: ['pending'] })) ? 'failed' : 'unchanged';
  }
  const outcome = await resolveWithVendor(ctx, order.id, { accept: (vendorOrder) => vendorOrder.final === 'Failed' });
  if (outcome === 'unknown') throw new DomainError('vendor_unavailable', `Bamboo gave no usable answer for order ${order.number}: try again later`);
  if (outcome === 'open' || outcome === 'processing')
    throw new DomainError('vendor_not_failed', `Bamboo does not report order ${order.number} as failed: not refundable; retry it instead`);
  return outcome;
}

/** The operator's decision on a `needs_attention` order. */
export type ResolveDecision = 'vendor_has' | 'vendor_lacks';

/**
 * Resolves a `needs_attention` order, once, audited (`order.resolved`): `vendor_has` (the operator
 * checked that Bamboo has it) puts it back to polling, so its cards are delivered and settled the
 * normal way; `vendor_lacks` fails it and refunds the whole hold (the order's one money-back key).
 * An order not (or no longer) in `needs_attention` is refused: a second resolve changes nothing.
 */
export async function resolveOrder(ctx: FulfilmentContext, actor: Actor, orderId: string, decision: ResolveDecision): Promise<'processing' | 'failed'> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  return withTransaction(ctx.db, async (trx) => {
    const step: FulfilmentContext = { ...ctx, db: trx };
    const done =
      decision === 'vendor_has'
        ? await resumePolling(step, order.id, { resolvedBy: 'operator', decision })
        : await failOrder(step, order.id, 'vendor_lacks_order:resolved_by_operator', { onlyFrom: ['needs_attention'] });
    if (!done) {
      const now = await trx.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow();
      throw new DomainError('order_not_needing_attention', `order ${order.number} is ${now.status}: nothing to resolve`);
    }
    const status = decision === 'vendor_has' ? 'processing' : 'failed';
    await writeAudit(trx, {
      actor,
      action: 'order.resolved',
      subject: { type: 'order', id: order.id },
      before: { status: 'needs_attention' },
      after: { status, decision },
    });
    return status;
  });
}
