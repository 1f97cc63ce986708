// Operator tools (`npx steller order show|retry|refund`). A refund is only for an order the vendor
// confirms failed or never received; it goes through the same locked steps as the workers, so an
// operator and a worker racing on one order still produce one final state. Operators are the
// platform (the CLI) or active admins.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { failOrder, placeWithVendor, pollVendorOrder, resolveWithVendor, type FulfilmentContext } from './fulfilment.ts';
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

/** Runs the order's next step now: place (pending/placing) or poll (processing). */
export async function retryOrder(ctx: FulfilmentContext, actor: Actor, orderId: string): Promise<string> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  if (order.status === 'processing') return pollVendorOrder(ctx, order.id, undefined);
  return placeWithVendor(ctx, order.id);
}

/** Refunds an open order the vendor confirms failed, or never received. */
export async function refundOrder(ctx: FulfilmentContext, actor: Actor, orderId: string): Promise<string> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  if (!order.vendorRequestId) {
    return (await failOrder(ctx, order.id, 'refunded_by_operator:never_sent', { onlyFrom: ['pending'] })) ? 'failed' : 'unchanged';
  }
  const outcome = await resolveWithVendor(ctx, order.id, {
    reason: 'refunded_by_operator:vendor_has_no_order',
    accept: (vendorOrder) => vendorOrder.final === 'Failed',
  });
  if (outcome === 'open')
    throw new DomainError('vendor_not_failed', `Bamboo does not report order ${order.number} as failed: not refundable; retry it instead`);
  return outcome;
}
