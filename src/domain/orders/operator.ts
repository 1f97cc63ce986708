// Operator tools (`npx steller order show|find|timeline|retry|refund|resolve`, the admin REST routes
// under /v1/admin/orders and the bot's order screen). Finding an order by number, partner reference
// or buyer; its timeline (transitions, vendor ids, polls, money moved, events sent: webhook events
// and the buyer's Telegram messages; operator actions). A refund (cancel, for an order never sent) needs a reason and is only for an order the
// vendor confirms failed or never received; it goes through the same locked steps as the workers, so
// an operator and a worker racing on one order still produce one final state, and the money comes
// back once (the `order-return:<id>` transfer key). An order in `needs_attention` is only resolved,
// once, by an operator's decision. Refunds, retries and resolutions are audited. Operators are the
// platform (the CLI) or active admins.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { containsPattern } from '../../db/like.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { failOrder, placeWithVendor, pollVendorOrder, resolveWithVendor, resumePolling, type FulfilmentContext } from './fulfilment.ts';
import { orderMessages, type OrderMessageRecord } from './order-messages.ts';
import { toOrder, type Order } from './orders.ts';
import { FINAL_STATUSES } from './orders.tables.ts';
import { lockVendorOrder } from './vendor-orders.ts';
import { requireReason } from '../funding/wallet-account.ts';
import { money, type Money } from '../../shared/money.ts';

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
    throw new DomainError('order_needs_attention', `order ${order.number} needs attention: resolve it (vendor has it | vendor lacks it)`);
}

/** Runs the order's next step now: place (pending/placing) or poll (processing); audited (`order.retried`). */
export async function retryOrder(ctx: FulfilmentContext, actor: Actor, orderId: string): Promise<string> {
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  assertNotNeedingAttention(order);
  const outcome = order.status === 'processing' ? await pollVendorOrder(ctx, order.id, undefined) : await placeWithVendor(ctx, order.id);
  await writeAudit(ctx.db, { actor, action: 'order.retried', subject: { type: 'order', id: order.id }, before: { status: order.status }, after: { outcome } });
  return outcome;
}

/**
 * Refunds an open order the vendor confirms failed, or never received (a cancel: the order was not
 * sent yet), with the operator's reason; audited (`order.refunded`) when money came back. A sent order
 * Bamboo says it has no record of goes to `needs_attention` (returned as such): the operator then
 * decides with `resolveOrder`.
 */
export async function refundOrder(ctx: FulfilmentContext, actor: Actor, orderId: string, reason: string): Promise<string> {
  const why = requireReason(reason);
  const { order } = await showOrder(ctx.db, actor, orderId);
  if (FINAL_STATUSES.includes(order.status)) throw new DomainError('order_final', `order ${order.number} is already ${order.status}`);
  assertNotNeedingAttention(order);
  const audit = (trx: Kysely<DB>, outcome: string) =>
    writeAudit(trx, {
      actor,
      action: 'order.refunded',
      subject: { type: 'order', id: order.id },
      before: { status: order.status },
      after: { outcome, reason: why },
    });
  if (!order.vendorRequestId) {
    return withTransaction(ctx.db, async (trx) => {
      const cancelled = await failOrder({ ...ctx, db: trx }, order.id, 'refunded_by_operator:never_sent', { onlyFrom: ['pending'] });
      if (cancelled) await audit(trx, 'failed');
      return cancelled ? 'failed' : 'unchanged';
    });
  }
  const outcome = await resolveWithVendor(ctx, order.id, { accept: (vendorOrder) => vendorOrder.final === 'Failed' });
  if (outcome === 'unknown') throw new DomainError('vendor_unavailable', `Bamboo gave no usable answer for order ${order.number}: try again later`);
  if (outcome === 'open' || outcome === 'processing')
    throw new DomainError('vendor_not_failed', `Bamboo does not report order ${order.number} as failed: not refundable; retry it instead`);
  if (outcome === 'finished') await audit(ctx.db, outcome);
  return outcome;
}

/** An order as a search lists it: the order and its buyer's name. */
export interface FoundOrder {
  order: Order;
  buyerName: string;
}

/**
 * Orders matching what an operator typed, newest first: an order number (`ST-000123` or `123`) or
 * id, a buyer's account id (its orders), a partner's client reference (exact), or a buyer's name
 * (part of it, any case; not for a number or an id). Admins and the platform only.
 */
export async function findOrders(db: Kysely<DB>, actor: Actor, text: string, limit = 20): Promise<FoundOrder[]> {
  await requireAdmin(db, actor);
  const typed = text.trim();
  if (typed.length === 0 || typed.length > 200) throw new DomainError('order_not_found', 'type an order number, a reference or a buyer');
  const number = /^(?:ST-)?(\d{1,18})$/i.exec(typed)?.[1];
  const orders = () =>
    db
      .selectFrom('orders as o')
      .innerJoin('accounts as a', 'a.id', 'o.buyer_id')
      .selectAll('o')
      .select('a.name as buyer_name')
      .orderBy('o.created_at', 'desc')
      .limit(limit);
  // One indexed query per reading of the text (number, id, buyer id, reference, buyer name), merged.
  // A number or an id is not searched as part of a name (every name with a 1 in it is not an answer to "1").
  const buyers =
    number === undefined && !isUuid(typed)
      ? await db.selectFrom('accounts').select('id').where('name', 'ilike', containsPattern(typed)).limit(50).execute()
      : [];
  const buyerIds = [...buyers.map((buyer) => buyer.id), ...(isUuid(typed) ? [typed] : [])];
  const found = await Promise.all([
    number === undefined ? [] : orders().where('o.number', '=', BigInt(number)).execute(),
    isUuid(typed) ? orders().where('o.id', '=', typed).execute() : [],
    orders().where('o.client_reference', '=', typed).execute(),
    buyerIds.length === 0 ? [] : orders().where('o.buyer_id', 'in', buyerIds).execute(),
  ]);
  const byId = new Map(found.flat().map((row) => [row.id, row]));
  return [...byId.values()]
    .sort((a, b) => b.created_at.getTime() - a.created_at.getTime())
    .slice(0, limit)
    .map(({ buyer_name, ...row }) => ({ order: toOrder(row), buyerName: buyer_name }));
}

/** Everything that happened to an order, for an operator (never card codes). */
export interface OrderTimeline extends OrderDetails {
  buyer: { id: string; name: string; role: string };
  vendor: { requestId: string | null; orderId: string | null; pollCount: number; total: Money | null };
  /** The order's transfers (hold, settle, the one money-back transfer), oldest first. */
  money: { kind: string; key: string; at: Date }[];
  webhookEvents: { type: string; status: string; attempts: number; deliveredAt: Date | null; createdAt: Date }[];
  /** The Telegram messages that told the buyer how the order ended (cards masked, failure, partial delivery), in order. */
  telegramMessages: OrderMessageRecord[];
  /** Operator actions on it (refunds, retries, resolutions), oldest first. */
  actions: { action: string; channel: string; actorAccountId: string | null; at: Date; after: unknown }[];
}

export async function orderTimeline(db: Kysely<DB>, actor: Actor, idOrNumber: string): Promise<OrderTimeline> {
  const details = await showOrder(db, actor, idOrNumber);
  const { order } = details;
  const row = await db
    .selectFrom('orders as o')
    .innerJoin('accounts as a', 'a.id', 'o.buyer_id')
    .select(['a.id', 'a.name', 'a.role', 'o.vendor_order_id', 'o.poll_count', 'o.vendor_total_minor', 'o.vendor_currency'])
    .where('o.id', '=', order.id)
    .executeTakeFirstOrThrow();
  const keys = ['order-hold', 'order-settle', 'order-return'].map((prefix) => `${prefix}:${order.id}`);
  const transfers = await db
    .selectFrom('transfers')
    .select(['kind', 'idempotency_key', 'created_at'])
    .where('idempotency_key', 'in', keys)
    .orderBy('created_at')
    .execute();
  const webhookEvents = await db
    .selectFrom('webhook_events')
    .select(['type', 'status', 'attempts', 'delivered_at', 'created_at'])
    .where('account_id', '=', order.buyerId)
    .where(
      'dedupe_key',
      'in',
      ['order.completed', 'order.partially_completed', 'order.failed'].map((type) => `${type}:${order.id}`),
    )
    .orderBy('created_at')
    .execute();
  const telegramMessages = await orderMessages(db, order.id);
  const actions = await db
    .selectFrom('audit_log')
    .select(['action', 'channel', 'actor_account_id', 'at', 'after'])
    .where('subject_type', '=', 'order')
    .where('subject_id', '=', order.id)
    .orderBy('id')
    .execute();
  return {
    ...details,
    buyer: { id: row.id, name: row.name, role: row.role },
    vendor: {
      requestId: order.vendorRequestId,
      orderId: row.vendor_order_id?.toString() ?? null,
      pollCount: row.poll_count,
      total: row.vendor_total_minor !== null && row.vendor_currency ? money(row.vendor_total_minor, row.vendor_currency) : null,
    },
    money: transfers.map((transfer) => ({ kind: transfer.kind, key: transfer.idempotency_key, at: transfer.created_at })),
    webhookEvents: webhookEvents.map((event) => ({
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      deliveredAt: event.delivered_at,
      createdAt: event.created_at,
    })),
    telegramMessages,
    actions: actions.map((action) => ({
      action: action.action,
      channel: action.channel,
      actorAccountId: action.actor_account_id,
      at: action.at,
      after: action.after,
    })),
  };
}

/** The operator's decision on a `needs_attention` order. */
export type ResolveDecision = 'vendor_has' | 'vendor_lacks';

/**
 * Resolves a `needs_attention` order, once, with the operator's reason, audited (`order.resolved`):
 * `vendor_has` (the operator checked that Bamboo has it) puts it back to polling, so its cards are
 * delivered and settled the normal way; `vendor_lacks` fails it and refunds the whole hold (the
 * order's one money-back key). An order not (or no longer) in `needs_attention` is refused: a second
 * decision, from any channel, changes nothing (the state change is conditional, in one transaction).
 *
 * "Bamboo lacks it" is said of a RequestId, so it holds for every buyer's order bought in the same
 * vendor order (docs/orders.md, Coalescing): the others waiting for an operator are failed and
 * refunded with it, each audited. Otherwise a later "Bamboo has it" on another member would finish
 * the vendor order and allocate cards to the failed one, which would never store them.
 */
export async function resolveOrder(
  ctx: FulfilmentContext,
  actor: Actor,
  orderId: string,
  decision: ResolveDecision,
  reason: string,
): Promise<'processing' | 'failed'> {
  const why = requireReason(reason);
  const { order } = await showOrder(ctx.db, actor, orderId);
  return withTransaction(ctx.db, async (trx) => {
    const step: FulfilmentContext = { ...ctx, db: trx };
    const status = decision === 'vendor_has' ? 'processing' : 'failed';
    const resolve = (orderId: string) =>
      decision === 'vendor_has'
        ? resumePolling(step, orderId, { resolvedBy: 'operator', decision })
        : failOrder(step, orderId, 'vendor_lacks_order:resolved_by_operator', { onlyFrom: ['needs_attention'] });
    const audit = (orderId: string, after: Record<string, unknown> = {}) =>
      writeAudit(trx, {
        actor,
        action: 'order.resolved',
        subject: { type: 'order', id: orderId },
        before: { status: 'needs_attention' },
        after: { status, decision, reason: why, ...after },
      });
    // Every member locked first, in id order (as every path that locks several does), then decided.
    const { members } = order.vendorRequestId ? await lockVendorOrder(trx, order.vendorRequestId) : { members: [] };
    if (!(await resolve(order.id))) {
      const now = await trx.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow();
      throw new DomainError('order_not_needing_attention', `order ${order.number} is ${now.status}: nothing to resolve`);
    }
    await audit(order.id);
    if (decision === 'vendor_lacks') {
      const others = members.filter((member) => member.id !== order.id && member.status === 'needs_attention');
      for (const member of others) if (await resolve(member.id)) await audit(member.id, { withOrder: order.id });
    }
    return status;
  });
}
