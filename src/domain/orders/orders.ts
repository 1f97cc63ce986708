// Orders as the domain sees them, and reading them (docs/product.md#orders): by id or number, lists, card
// reveal. Creating an order is `createOrder` in intake.ts.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { textCell, toCsv, type CsvDocument } from '../../shared/csv.ts';
import { formatAmount, money, type Money } from '../../shared/money.ts';
import { getAccount, resolvePrincipal } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { cardKeyring, decryptCardValue, type CardKeyring } from './card-crypto.ts';
import type { OrderCardRow, OrderRow, OrderStatus } from './orders.tables.ts';
import { isUuid } from '../../shared/ids.ts';

export const formatOrderNumber = (number: bigint): string => `ST-${number.toString().padStart(6, '0')}`;

export interface Order {
  id: string;
  number: string;
  buyerId: string;
  channel: string;
  clientReference: string;
  productId: bigint;
  face: Money;
  quantity: number;
  unitPrice: Money;
  total: Money;
  revenueShareUnit: Money;
  discountBps: number;
  fx: { rate: string; sourceTime: Date } | null;
  status: OrderStatus;
  vendorRequestId: string | null;
  cardsDelivered: number | null;
  failureReason: string | null;
  deadlineAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
  /** Made with test money by a sandbox account (an `sk_test_` key): bought from the simulator. */
  sandbox: boolean;
  /** The cart it is an item of (carts.ts); null for an order placed alone. */
  cartId: string | null;
}

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    number: formatOrderNumber(row.number),
    buyerId: row.buyer_id,
    channel: row.channel,
    clientReference: row.client_reference,
    productId: row.product_id,
    face: money(row.face_minor, row.face_currency),
    quantity: row.quantity,
    unitPrice: money(row.unit_price_minor, row.currency),
    total: money(row.total_minor, row.currency),
    revenueShareUnit: money(row.revenue_share_unit_minor, row.currency),
    discountBps: row.discount_bps,
    fx: row.fx_rate && row.fx_source_time ? { rate: row.fx_rate, sourceTime: row.fx_source_time } : null,
    status: row.status,
    vendorRequestId: row.vendor_request_id,
    cardsDelivered: row.cards_delivered,
    failureReason: row.failure_reason,
    deadlineAt: row.deadline_at,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    sandbox: row.sandbox,
    cartId: row.group_id,
  };
}

/** Records a state change with its time (docs/product.md#orders: every transition is recorded). */
export async function recordTransition(db: Kysely<DB>, orderId: string, status: OrderStatus | string, detail?: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('order_transitions')
    .values({ order_id: orderId, status, detail: detail ? JSON.stringify(detail) : null })
    .execute();
}

/** The order (by id or by number, ST-000123) as its buyer, the buyer's direct parent, or an admin/the platform may see it. */
export async function getOrderFor(db: Kysely<DB>, actor: Actor, orderId: string): Promise<Order> {
  const number = /^ST-(\d{1,18})$/i.exec(orderId)?.[1];
  if (number === undefined && !isUuid(orderId)) throw new DomainError('order_not_found', `no order ${orderId}`);
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .$if(number !== undefined, (query) => query.where('number', '=', BigInt(number ?? 0)))
    .$if(number === undefined, (query) => query.where('id', '=', orderId))
    .executeTakeFirst();
  if (!row || !(await maySeeOrdersOf(db, actor, row.buyer_id))) throw new DomainError('order_not_found', `no order ${orderId}`);
  return toOrder(row);
}

/** Whether `actor` may see the orders (and carts) of `buyerId`: the buyer, its direct parent, admins and the platform. */
export async function maySeeOrdersOf(db: Kysely<DB>, actor: Actor, buyerId: string): Promise<boolean> {
  const principal = await resolvePrincipal(db, actor);
  if (principal.kind !== 'account' || buyerId === principal.account.id) return true;
  return (await getAccount(db, buyerId)).parentId === principal.account.id;
}

export interface RevealedCard {
  serialNumber: string | null;
  code: string | null;
  pin: string | null;
  expiresAt: Date | null;
}

/**
 * Decrypts an order's cards for its buyer only (all of them, or the one at `index` in the order's
 * card order: the bot's per-card Reveal button); every reveal is audited.
 */
export async function revealOrderCards(
  ctx: Pick<AppContext, 'db' | 'config'>,
  actor: Actor,
  orderId: string,
  options: { index?: number; via?: 'csv' } = {},
): Promise<RevealedCard[]> {
  const row = isUuid(orderId) ? await ctx.db.selectFrom('orders').select(['id', 'buyer_id']).where('id', '=', orderId).executeTakeFirst() : undefined;
  if (!row || actor.accountId !== row.buyer_id) throw new DomainError('order_not_found', `no order ${orderId}`);
  const keyring = cardKeyring(ctx.config);
  const all = await ctx.db.selectFrom('order_cards').selectAll().where('order_id', '=', orderId).orderBy('vendor_card_id').execute();
  const cards = options.index === undefined ? all : all.slice(options.index, options.index + 1);
  if (cards.length === 0) throw new DomainError('card_not_found', `order ${orderId} has no such card`);
  await writeAudit(ctx.db, {
    actor,
    action: 'order.cards_revealed',
    subject: { type: 'order', id: orderId },
    after: { cards: cards.length, ...(options.index === undefined ? {} : { index: options.index }), ...(options.via ? { via: options.via } : {}) },
  });
  return cards.map((card) => decryptOrderCard(keyring, card));
}

/** One stored card with its code and PIN decrypted (for its buyer's reveal, a share, a claim link). */
export function decryptOrderCard(keyring: CardKeyring, card: OrderCardRow): RevealedCard {
  const boundTo = `${card.order_id}:${card.vendor_card_id}`;
  return {
    serialNumber: card.serial_number,
    code: card.code_encrypted === null ? null : decryptCardValue(keyring, card.key_id, card.code_encrypted, `${boundTo}:code`),
    pin: card.pin_encrypted === null ? null : decryptCardValue(keyring, card.key_id, card.pin_encrypted, `${boundTo}:pin`),
    expiresAt: card.expires_at,
  };
}

/** How many characters of a code a masked card shows (`•••• 7F3A`). */
const MASK_VISIBLE = 4;

/**
 * An order's cards with the code masked to its last characters, in the order `revealOrderCards`
 * uses (index = position): what a delivery message shows before the buyer asks to reveal.
 */
export async function maskedOrderCards(ctx: Pick<AppContext, 'db' | 'config'>, orderId: string): Promise<{ index: number; masked: string }[]> {
  const keyring = cardKeyring(ctx.config);
  const cards = await ctx.db.selectFrom('order_cards').selectAll().where('order_id', '=', orderId).orderBy('vendor_card_id').execute();
  return cards.map((card, index) => {
    const code = card.code_encrypted === null ? '' : decryptCardValue(keyring, card.key_id, card.code_encrypted, `${orderId}:${card.vendor_card_id}:code`);
    return { index, masked: `•••• ${code.length > MASK_VISIBLE * 2 ? code.slice(-MASK_VISIBLE) : ''}`.trim() };
  });
}

export interface OrderListQuery {
  /** Whose orders: the actor's own by default; a direct sub-agent's for its agent; anyone's for admins. */
  buyerId?: string;
  status?: OrderStatus;
  from?: Date;
  to?: Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

/** Newest first, cursor-paginated by order number. Never carries card codes. */
export async function listOrders(db: Kysely<DB>, actor: Actor, query: OrderListQuery = {}): Promise<{ orders: Order[]; nextCursor: string | null }> {
  const principal = await resolvePrincipal(db, actor);
  const buyerId = query.buyerId ?? (principal.kind === 'account' ? principal.account.id : undefined);
  if (principal.kind === 'account' && buyerId !== principal.account.id) {
    const buyer = buyerId ? await getAccount(db, buyerId) : undefined;
    if (buyer?.parentId !== principal.account.id) throw new DomainError('not_direct_child', 'only your own or your direct sub-agents’ orders');
  }
  const limit = Math.min(Math.max(query.limit ?? 20, 1), 100);
  if (query.cursor !== undefined && !/^\d{1,18}$/.test(query.cursor)) throw new DomainError('invalid_cursor', 'not a cursor from this list');
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .$if(buyerId !== undefined, (q) => q.where('buyer_id', '=', buyerId as string))
    .$if(query.status !== undefined, (q) => q.where('status', '=', query.status as OrderStatus))
    .$if(query.from !== undefined, (q) => q.where('created_at', '>=', query.from as Date))
    .$if(query.to !== undefined, (q) => q.where('created_at', '<', query.to as Date))
    .$if(query.cursor !== undefined, (q) => q.where('number', '<', BigInt(query.cursor as string)))
    .orderBy('number', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return { orders: page.map(toOrder), nextCursor: rows.length > limit ? String(page[page.length - 1]?.number) : null };
}

/** An order's steps (status changes with their time), for whoever may see the order (getOrderFor's rule). */
export async function orderTimelineFor(db: Kysely<DB>, actor: Actor, orderId: string): Promise<{ order: Order; transitions: { status: string; at: Date }[] }> {
  const order = await getOrderFor(db, actor, orderId);
  const transitions = await db.selectFrom('order_transitions').select(['status', 'at']).where('order_id', '=', order.id).orderBy('id').execute();
  return { order, transitions };
}

/**
 * An order's delivered cards as one CSV document for its buyer (many-card orders: the API's
 * `cards.csv`, the bot's document): a reveal of every card, audited as one (`via: csv`). Made on
 * demand, never stored.
 */
export async function orderCardsCsv(ctx: Pick<AppContext, 'db' | 'config'>, actor: Actor, orderId: string): Promise<CsvDocument> {
  const cards = await revealOrderCards(ctx, actor, orderId, { via: 'csv' });
  const row = await ctx.db
    .selectFrom('orders as o')
    .leftJoin('catalog_products as p', 'p.id', 'o.product_id')
    .select(['o.number', 'o.face_minor', 'o.face_currency', 'p.name'])
    .where('o.id', '=', orderId)
    .executeTakeFirstOrThrow();
  const number = formatOrderNumber(row.number);
  const face = formatAmount(money(row.face_minor, row.face_currency));
  const content = toCsv(
    ['order', 'position', 'card', 'face', 'currency', 'code', 'pin', 'serial', 'expires_at'],
    cards.map((card, index) => [
      number,
      index + 1,
      textCell(row.name ?? ''),
      face,
      row.face_currency,
      card.code ?? '',
      card.pin ?? '',
      card.serialNumber ?? '',
      card.expiresAt?.toISOString().slice(0, 10) ?? '',
    ]),
  );
  return { filename: `${number}-cards.csv`, content };
}
