// Order intake and reading (SPEC §6.1, §6.5). `createOrder` prices the order (plain reads: product,
// plan, FX, profit guard, maxPrice), then one transaction runs the `order_intake` database function
// (the buyer's advisory lock, replay check, rights, risk limits, insert with the price snapshot,
// hold wallet → order clearing, transition) and enqueues the place job (outbox). Idempotent on
// (buyer, client reference): the lock serializes one buyer's creates, so replays find the first order.
// Few round trips matter here: intake throughput is benchmarked (bench/orders.ts).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { orderPlaceQueue } from '../../jobs/handlers/orders.ts';
import { DomainError, isDomainError } from '../../shared/errors.ts';
import { formatMoney, money, multiply, type Money } from '../../shared/money.ts';
import { getAccount, resolvePrincipal, type Account } from '../accounts/accounts.ts';
import type { Actor, Channel } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { toJson } from '../json.ts';
import { ledgerRefusal, movement, systemAccountId, walletId } from '../ledger/ledger.ts';
import { assertOnCardList } from '../pricing/card-list.ts';
import { assertProfitGuard, productWithDiscount, quotePrice, type PriceQuote } from '../pricing/pricing.ts';
import { cardKeyring, decryptCardValue } from './card-crypto.ts';
import type { OrderRow, OrderStatus } from './orders.tables.ts';
import { checkUnusualSpend, countRefusal } from './risk-alerts.ts';

export const MAX_QUANTITY = 500;
/** Client references (the API's Idempotency-Key / referenceId) are kept up to this length. */
export const MAX_REFERENCE_LENGTH = 255;

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
  let result: IntakeResult;
  try {
    result = await intake(ctx, input);
  } catch (error) {
    if (isDomainError(error) && RISK_REFUSALS.has(error.code) && !ctx.db.isTransaction) {
      await countRefusal(ctx, input.buyerId, error.code).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
    }
    throw error;
  }
  if (result.spentToday !== undefined && !ctx.db.isTransaction) {
    await checkUnusualSpend(ctx, result.order, result.spentToday).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
  }
  return { order: result.order, created: result.created };
}

/** An intake's answer; `spentToday` (the buyer's day including this order) only for a new order. */
interface IntakeResult {
  order: Order;
  created: boolean;
  spentToday?: bigint;
}

/** What `order_intake` answers (migration 2026_11_28_080000). */
interface IntakeOutcome {
  outcome: 'created' | 'replayed' | 'idempotency_conflict' | 'account_not_found' | 'role_cannot_order' | 'account_paused' | 'parent_paused' | 'daily_limit_exceeded';
  detail: Record<string, unknown> | null;
  order_id: string | null;
  order_number: string | null;
  created_at: Date | null;
  deadline_at: Date | null;
  spent_today: string | null;
  sandbox: boolean | null;
}

async function intake(ctx: OrderIntakeContext, input: CreateOrderInput): Promise<IntakeResult> {
  const channel: Channel = input.actor.channel;
  if (input.actor.accountId !== input.buyerId) throw new DomainError('forbidden', 'orders are placed by the buyer itself');
  const maxQuantity = channel === 'telegram' ? ctx.config.BOT_MAX_QUANTITY : MAX_QUANTITY;
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > maxQuantity) {
    throw new DomainError('invalid_quantity', `the quantity must be 1 to ${maxQuantity}`, { max: maxQuantity });
  }
  if (input.clientReference.length < 1 || input.clientReference.length > MAX_REFERENCE_LENGTH) {
    throw new DomainError('invalid_reference', `a client reference of 1 to ${MAX_REFERENCE_LENGTH} characters is required`);
  }
  const fingerprint = fingerprintOf(input);

  // Price outside the write: plain reads, no locks. A replay answers its first order even when the
  // product or the price changed since, so a pricing refusal first looks for one.
  let priced: { buyer: Account; quote: PriceQuote; total: Money };
  try {
    priced = await priceOrder(ctx, input);
  } catch (error) {
    const existing = isDomainError(error) ? await findByReference(ctx.db, input.buyerId, input.clientReference) : undefined;
    if (!existing) throw error;
    return replayOf(existing, input, fingerprint);
  }
  // One transaction: the order_intake statement and the place job (outbox: the job exists exactly
  // when the order does).
  return withTransaction(ctx.db, (trx) => writeOrder({ ...ctx, db: trx }, input, fingerprint, priced));
}

/** Writes a priced order: `order_intake` (lock, replay check, rights, limits, insert, hold, transition), then the place job. */
async function writeOrder(
  ctx: OrderIntakeContext,
  input: CreateOrderInput,
  fingerprint: string,
  { buyer, quote, total }: { buyer: Account; quote: PriceQuote; total: Money },
): Promise<IntakeResult> {
  const channel: Channel = input.actor.channel;
  const orderId = randomUUID();
  const wallet = walletId(buyer.id);
  const clearing = systemAccountId('order_clearing', buyer.currency);
  const entries = movement(wallet, clearing, total).map((entry) => ({ ledgerAccountId: entry.ledgerAccountId, amount: formatMoney(entry.amount) }));
  const result = await sql<IntakeOutcome>`
    select * from order_intake(
      ${orderId}::uuid, ${buyer.id}::uuid, ${input.clientReference}, ${fingerprint}, ${channel},
      ${quote.productId}::int8, ${input.face.currency}, ${input.face.amount}::int8, ${input.quantity}::int4,
      ${buyer.currency}, ${quote.unitPrice.amount}::int8, ${quote.platformUnitPrice.amount}::int8, ${quote.revenueShareUnit.amount}::int8,
      ${quote.discountBps}::int4, ${quote.planId}::uuid, ${quote.fx?.rate ?? null}::numeric, ${quote.fx?.sourceTime ?? null}::timestamptz,
      ${ctx.config.ORDER_DEADLINE_SECONDS}::int4, ${wallet}, ${clearing}, ${formatMoney(total)}, ${toJson(entries)}::jsonb)`
    .execute(ctx.db)
    .catch((error: unknown) => {
      throw ledgerRefusal(error, [wallet, clearing]);
    });
  const row = result.rows[0];
  if (!row) throw new Error(`order_intake returned nothing for ${input.clientReference}`);
  switch (row.outcome) {
    case 'created':
      break;
    case 'replayed':
      return { order: toOrder(await getOrderRow(ctx.db, row.order_id as string)), created: false };
    case 'idempotency_conflict':
      throw conflictOf(input, row.order_id as string);
    case 'daily_limit_exceeded':
      throw dailyLimitRefusal(row.detail ?? {}, buyer.currency);
    case 'parent_paused':
      throw new DomainError('parent_paused', `the parent account ${String(row.detail?.parentName)} is paused`, { accountId: buyer.id });
    case 'account_paused':
      throw new DomainError('account_paused', 'this account is paused', { accountId: buyer.id });
    case 'role_cannot_order':
      throw new DomainError('role_cannot_order', 'admins do not order cards', { accountId: buyer.id });
    case 'account_not_found':
      throw new DomainError('account_not_found', `no account ${buyer.id}`);
  }
  await ctx.jobs.enqueue(orderPlaceQueue, { orderId }, { db: ctx.db });
  const order: Order = {
    id: orderId,
    number: formatOrderNumber(BigInt(row.order_number as string)),
    buyerId: buyer.id,
    channel,
    clientReference: input.clientReference,
    productId: quote.productId,
    face: input.face,
    quantity: input.quantity,
    unitPrice: quote.unitPrice,
    total,
    revenueShareUnit: quote.revenueShareUnit,
    discountBps: quote.discountBps,
    fx: quote.fx ? { rate: quote.fx.rate, sourceTime: quote.fx.sourceTime } : null,
    status: 'pending',
    vendorRequestId: null,
    cardsDelivered: null,
    failureReason: null,
    deadlineAt: row.deadline_at as Date,
    createdAt: row.created_at as Date,
    finishedAt: null,
    sandbox: row.sandbox as boolean,
  };
  return { order, created: true, spentToday: BigInt(row.spent_today as string) };
}

/** The buyer, the quote for one card, and the total; every pricing refusal (guard, maxPrice) included. */
async function priceOrder(ctx: OrderIntakeContext, input: CreateOrderInput): Promise<{ buyer: Account; quote: PriceQuote; total: Money }> {
  const buyer = await getAccount(ctx.db, input.buyerId);
  if (input.actor.channel === 'telegram') await assertOnCardList(ctx.db, BigInt(input.productId), input.face.amount);
  const { product, discount } = await productWithDiscount(ctx.db, buyer, input.productId);
  const quote = await quotePrice(ctx.db, {
    accountId: buyer.id,
    account: buyer,
    productId: input.productId,
    product,
    discount,
    face: input.face,
    orderFee: { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY },
  });
  assertProfitGuard(quote);
  const total = multiply(quote.unitPrice, BigInt(input.quantity));
  if (input.maxTotal && (input.maxTotal.currency !== total.currency || total.amount > input.maxTotal.amount)) {
    throw new DomainError('max_price_exceeded', `the total is ${formatMoney(total)}, above ${formatMoney(input.maxTotal)}`, { total: formatMoney(total) });
  }
  return { buyer, quote, total };
}

async function findByReference(db: Kysely<DB>, buyerId: string, reference: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('buyer_id', '=', buyerId).where('client_reference', '=', reference).executeTakeFirst();
}

async function getOrderRow(db: Kysely<DB>, orderId: string): Promise<OrderRow> {
  return db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

function replayOf(existing: OrderRow, input: CreateOrderInput, fingerprint: string): { order: Order; created: boolean } {
  if (existing.request_fingerprint !== fingerprint) throw conflictOf(input, existing.id);
  return { order: toOrder(existing), created: false };
}

const conflictOf = (input: CreateOrderInput, orderId: string) =>
  new DomainError('idempotency_conflict', `reference ${input.clientReference} was already used for a different order`, { orderId });

function dailyLimitRefusal(detail: Record<string, unknown>, currency: string): DomainError {
  if (detail.limit === 'daily_order_count') {
    return new DomainError('daily_limit_exceeded', `the daily limit of ${String(detail.value)} orders is reached`, {
      limit: 'daily_order_count',
      value: Number(detail.value),
    });
  }
  const limit = formatMoney(money(BigInt(String(detail.value)), currency));
  return new DomainError('daily_limit_exceeded', `this order would pass the daily spend limit of ${limit}`, { limit: 'daily_spend', value: limit });
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
