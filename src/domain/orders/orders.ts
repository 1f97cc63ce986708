// Order intake and reading (SPEC §6.1, §6.5). `createOrder` is one transaction: validate, price,
// profit guard, maxPrice, risk limits, hold the total (wallet → order clearing), insert the order
// with its price snapshot, enqueue the place job. Idempotent on (buyer, client reference): the
// buyer's advisory lock serializes that buyer's creates, so concurrent replays find the first order.
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { orderPlaceQueue } from '../../jobs/handlers/orders.ts';
import { DomainError, isDomainError } from '../../shared/errors.ts';
import { formatMoney, money, multiply, type Money } from '../../shared/money.ts';
import { assertCanOrder, getAccount, resolvePrincipal } from '../accounts/accounts.ts';
import type { Actor, Channel } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { movement, systemAccountId, transfer, walletId } from '../ledger/ledger.ts';
import { assertOnCardList } from '../pricing/card-list.ts';
import { assertProfitGuard, quotePrice } from '../pricing/pricing.ts';
import { cardKeyring, decryptCardValue } from './card-crypto.ts';
import type { OrderRow, OrderStatus } from './orders.tables.ts';
import { checkUnusualSpend, countRefusal } from './risk-alerts.ts';
import { assertWithinRiskLimits } from './risk.ts';

export const MAX_QUANTITY = 500;

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
  };
}

export interface CreateOrderInput {
  buyerId: string;
  actor: Actor;
  /** The buyer's own reference for this order (bot: the confirmation's id; API: Idempotency-Key / clientReference). */
  clientReference: string;
  productId: bigint | number;
  /** Denomination in the product's currency. */
  face: Money;
  quantity: number;
  /** Refuse when the total would be higher (partners' maxPrice / expectedTotal), in the wallet currency. */
  maxTotal?: Money;
}

const fingerprintOf = (input: CreateOrderInput) =>
  JSON.stringify([String(input.productId), input.face.currency, String(input.face.amount), input.quantity, input.maxTotal ? formatMoney(input.maxTotal) : null]);

/** Records a state change with its time (SPEC §6: every transition is recorded). */
export async function recordTransition(db: Kysely<DB>, orderId: string, status: OrderStatus | string, detail?: Record<string, unknown>): Promise<void> {
  await db.insertInto('order_transitions').values({ order_id: orderId, status, detail: detail ? JSON.stringify(detail) : null }).execute();
}

export type OrderIntakeContext = Pick<AppContext, 'db' | 'jobs' | 'config' | 'state' | 'logger'>;

/** Refusals that count towards a burst alert (not input mistakes like a bad quantity). */
const RISK_REFUSALS = new Set(['insufficient_funds', 'daily_limit_exceeded', 'profit_guard', 'max_price_exceeded', 'account_paused', 'parent_paused']);

/**
 * Creates an order and holds its total, or returns the order this (buyer, reference) already made.
 * Risk monitoring runs after the transaction and never changes its outcome.
 */
export async function createOrder(ctx: OrderIntakeContext, input: CreateOrderInput): Promise<{ order: Order; created: boolean }> {
  let result: { order: Order; created: boolean };
  try {
    result = await intake(ctx, input);
  } catch (error) {
    if (isDomainError(error) && RISK_REFUSALS.has(error.code) && !ctx.db.isTransaction) {
      await countRefusal(ctx, input.buyerId, error.code).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
    }
    throw error;
  }
  if (result.created && !ctx.db.isTransaction) {
    await checkUnusualSpend(ctx, result.order).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
  }
  return result;
}

async function intake(ctx: OrderIntakeContext, input: CreateOrderInput): Promise<{ order: Order; created: boolean }> {
  const channel: Channel = input.actor.channel;
  if (input.actor.accountId !== input.buyerId) throw new DomainError('forbidden', 'orders are placed by the buyer itself');
  const maxQuantity = channel === 'telegram' ? ctx.config.BOT_MAX_QUANTITY : MAX_QUANTITY;
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > maxQuantity) {
    throw new DomainError('invalid_quantity', `the quantity must be 1 to ${maxQuantity}`, { max: maxQuantity });
  }
  if (input.clientReference.length < 1 || input.clientReference.length > 200) {
    throw new DomainError('invalid_reference', 'a client reference of 1 to 200 characters is required');
  }
  const fingerprint = fingerprintOf(input);

  return withTransaction(ctx.db, async (trx) => {
    // One buyer's creates run one at a time: replays wait here and then find the first order, and the
    // risk limits see every earlier order of the day.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`order-intake:${input.buyerId}`}, 0))`.execute(trx);
    const existing = await trx
      .selectFrom('orders')
      .selectAll()
      .where('buyer_id', '=', input.buyerId)
      .where('client_reference', '=', input.clientReference)
      .executeTakeFirst();
    if (existing) {
      if (existing.request_fingerprint !== fingerprint) {
        throw new DomainError('idempotency_conflict', `reference ${input.clientReference} was already used for a different order`, {
          orderId: existing.id,
        });
      }
      return { order: toOrder(existing), created: false };
    }

    await assertCanOrder(trx, input.buyerId);
    const buyer = await getAccount(trx, input.buyerId);
    if (channel === 'telegram') await assertOnCardList(trx, BigInt(input.productId), input.face.amount);
    const quote = await quotePrice(trx, {
      accountId: buyer.id,
      account: buyer,
      productId: input.productId,
      face: input.face,
      orderFee: { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY },
    });
    assertProfitGuard(quote);
    const total = multiply(quote.unitPrice, BigInt(input.quantity));
    if (input.maxTotal && (input.maxTotal.currency !== total.currency || total.amount > input.maxTotal.amount)) {
      throw new DomainError('max_price_exceeded', `the total is ${formatMoney(total)}, above ${formatMoney(input.maxTotal)}`, { total: formatMoney(total) });
    }
    const now = new Date();
    await assertWithinRiskLimits(trx, buyer, total, now);

    const row = await trx
      .insertInto('orders')
      .values({
        buyer_id: buyer.id,
        channel,
        client_reference: input.clientReference,
        request_fingerprint: fingerprint,
        product_id: quote.productId,
        face_currency: input.face.currency,
        face_minor: input.face.amount,
        quantity: input.quantity,
        currency: buyer.currency,
        unit_price_minor: quote.unitPrice.amount,
        total_minor: total.amount,
        platform_unit_price_minor: quote.platformUnitPrice.amount,
        revenue_share_unit_minor: quote.revenueShareUnit.amount,
        discount_bps: quote.discountBps,
        price_plan_id: quote.planId,
        fx_rate: quote.fx?.rate ?? null,
        fx_source_time: quote.fx?.sourceTime ?? null,
        status: 'pending',
        deadline_at: new Date(now.getTime() + ctx.config.ORDER_DEADLINE_SECONDS * 1000),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await transfer(trx, {
      idempotencyKey: `order-hold:${row.id}`,
      kind: 'order_hold',
      entries: movement(walletId(buyer.id), systemAccountId('order_clearing', buyer.currency), total),
      metadata: { orderId: row.id, orderNumber: formatOrderNumber(row.number) },
      actor: input.actor,
    });
    await recordTransition(trx, row.id, 'pending', { total: formatMoney(total) });
    await ctx.jobs.enqueue(orderPlaceQueue, { orderId: row.id }, { db: trx });
    return { order: toOrder(row), created: true };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The order (by id or by number, ST-000123) as its buyer, the buyer's direct parent, or an admin/the platform may see it. */
export async function getOrderFor(db: Kysely<DB>, actor: Actor, orderId: string): Promise<Order> {
  const number = /^ST-(\d{1,18})$/i.exec(orderId)?.[1];
  if (number === undefined && !UUID.test(orderId)) throw new DomainError('order_not_found', `no order ${orderId}`);
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .$if(number !== undefined, (query) => query.where('number', '=', BigInt(number ?? 0)))
    .$if(number === undefined, (query) => query.where('id', '=', orderId))
    .executeTakeFirst();
  if (!row) throw new DomainError('order_not_found', `no order ${orderId}`);
  const principal = await resolvePrincipal(db, actor);
  if (principal.kind === 'account' && row.buyer_id !== principal.account.id) {
    const buyer = await getAccount(db, row.buyer_id);
    if (buyer.parentId !== principal.account.id) throw new DomainError('order_not_found', `no order ${orderId}`);
  }
  return toOrder(row);
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
export async function revealOrderCards(ctx: Pick<AppContext, 'db' | 'config'>, actor: Actor, orderId: string, options: { index?: number } = {}): Promise<RevealedCard[]> {
  const row = UUID.test(orderId) ? await ctx.db.selectFrom('orders').select(['id', 'buyer_id']).where('id', '=', orderId).executeTakeFirst() : undefined;
  if (!row || actor.accountId !== row.buyer_id) throw new DomainError('order_not_found', `no order ${orderId}`);
  const keyring = cardKeyring(ctx.config);
  const all = await ctx.db.selectFrom('order_cards').selectAll().where('order_id', '=', orderId).orderBy('vendor_card_id').execute();
  const cards = options.index === undefined ? all : all.slice(options.index, options.index + 1);
  if (cards.length === 0) throw new DomainError('card_not_found', `order ${orderId} has no such card`);
  await writeAudit(ctx.db, {
    actor,
    action: 'order.cards_revealed',
    subject: { type: 'order', id: orderId },
    after: { cards: cards.length, ...(options.index === undefined ? {} : { index: options.index }) },
  });
  return cards.map((card) => {
    const boundTo = `${orderId}:${card.vendor_card_id}`;
    return {
      serialNumber: card.serial_number,
      code: card.code_encrypted === null ? null : decryptCardValue(keyring, card.key_id, card.code_encrypted, `${boundTo}:code`),
      pin: card.pin_encrypted === null ? null : decryptCardValue(keyring, card.key_id, card.pin_encrypted, `${boundTo}:pin`),
      expiresAt: card.expires_at,
    };
  });
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
