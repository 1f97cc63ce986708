// Carts (docs/orders.md, Carts; docs/decisions/0015-carts-of-plain-orders.md): several products and
// face values ordered at once. A cart is an `order_groups` row (its own number, the buyer's
// reference, the request's fingerprint, the total) whose items are ordinary orders
// (`orders.group_id`): fulfilment, refunds, reconciliation, events and card delivery stay per item.
// All of the cart or none of it: every item is priced and checked first (one refusal refuses the
// cart), then the group, the items, their holds and their place jobs are written in one transaction
// by the intake's own writer (`writeOrders`); a refusal there (funds, a risk limit, the vendor
// float) rolls the whole cart back, so nothing is held.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError, isDomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { add, formatMoney, money, toJsonMoney, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { insufficientFunds, walletBalance } from '../ledger/ledger.ts';
import { RISK_REFUSALS, type CreateOrderContext } from './intake.ts';
import { priceRequests, type PricedRequest } from './intake-pricing.ts';
import { intakeRequest, MAX_REFERENCE_LENGTH, referenceConflict, type IntakeResult } from './intake-request.ts';
import { releaseFloatOrWarn, reserveFloat, writeOrders } from './intake-write.ts';
import { maySeeOrdersOf, toOrder, type Order } from './orders.ts';
import { FINAL_STATUSES, type OrderGroupRow, type OrderRow } from './orders.tables.ts';
import { riskLimitsOf } from './risk.ts';
import { checkLimitUsage, checkUnusualSpend, countRefusal } from './risk-alerts.ts';
import { floatExhausted } from '../vendor/float.ts';

/** At most this many items (lines of product, value and quantity) in one cart; each item's quantity within the per-order maximum. */
export const MAX_CART_ITEMS = 20;

const formatCartNumber = (number: bigint): string => `SC-${number.toString().padStart(6, '0')}`;

export interface CartItemInput {
  productId: bigint | number;
  /** Denomination in the product's currency. */
  face: Money;
  quantity: number;
}

export interface CreateCartInput {
  buyerId: string;
  actor: Actor;
  /** The buyer's reference for the whole cart (bot: the confirmation's id; API: Idempotency-Key / referenceId). */
  clientReference: string;
  items: CartItemInput[];
  /** Refuse when the cart's total would be higher, in the wallet currency. */
  maxTotal?: Money;
}

export interface CartItem {
  order: Order;
  /** What went back to the wallet for the item's undelivered cards (zero until the item is final). */
  refunded: Money;
}

/** Open while any item is; then how the items ended together. */
export const CART_STATUSES = ['open', 'completed', 'partially_completed', 'failed'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

export interface Cart {
  id: string;
  number: string;
  buyerId: string;
  channel: string;
  clientReference: string;
  /** Held at creation: the sum of the items' totals. */
  total: Money;
  refunded: Money;
  status: CartStatus;
  createdAt: Date;
  items: CartItem[];
}

/** An item's own reference: the cart's id (drawn by the database, so no earlier order can carry it) and its place. */
const itemReference = (cartId: string, position: number) => `cart:${cartId}/${position + 1}`;

/**
 * Creates a cart and holds its total (every item's hold in one transaction), or returns the cart
 * this (buyer, reference) already made. A refusal of any item refuses the cart, naming the item
 * (`details.item`, 0-based); nothing is held.
 */
export async function createCart(ctx: CreateOrderContext, input: CreateCartInput): Promise<{ cart: Cart; created: boolean }> {
  try {
    return await writeCart(ctx, input);
  } catch (error) {
    if (isDomainError(error) && RISK_REFUSALS.has(error.code)) {
      await countRefusal(ctx, input.buyerId, error.code).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
    }
    throw error;
  }
}

async function writeCart(ctx: CreateOrderContext, input: CreateCartInput): Promise<{ cart: Cart; created: boolean }> {
  // All or none needs the cart's own transaction: inside a caller's, a refused item would leave the
  // items written before it to whatever the caller does next.
  if (ctx.db.isTransaction) throw new Error('createCart writes in a transaction of its own; call it outside one');
  if (input.actor.accountId !== input.buyerId) throw new DomainError('forbidden', 'orders are placed by the buyer itself');
  if (input.items.length < 1 || input.items.length > MAX_CART_ITEMS) {
    throw new DomainError('invalid_cart', `a cart has 1 to ${MAX_CART_ITEMS} items`, { max: MAX_CART_ITEMS });
  }
  if (input.clientReference.length < 1 || input.clientReference.length > MAX_REFERENCE_LENGTH) {
    throw new DomainError('invalid_reference', `a client reference of 1 to ${MAX_REFERENCE_LENGTH} characters is required`);
  }
  const fingerprint = cartFingerprint(input);
  const earlier = await findCartRow(ctx.db, input.buyerId, input.clientReference);
  if (earlier) return { cart: await replayOf(ctx.db, earlier, input, fingerprint), created: false };

  // Each item checked and priced as an order would be, before anything is written. The items'
  // references need the cart's id: they are set in the transaction that draws it.
  const requests = input.items.map((item, position) =>
    refusingItem(position, () =>
      intakeRequest(ctx, {
        buyerId: input.buyerId,
        actor: input.actor,
        clientReference: 'cart',
        productId: item.productId,
        face: item.face,
        quantity: item.quantity,
      }),
    ),
  );
  const pricing = await priceRequests(ctx, requests);
  const priced: PricedRequest[] = pricing.map((outcome, index) => {
    if (!outcome.ok) throw itemRefusal(outcome.error, index);
    return { index, request: requests[index]!, ...outcome.value };
  });
  const buyer = priced[0]!.buyer;
  const total = priced.map((item) => item.total).reduce((sum, each) => add(sum, each));
  await assertCartWithinLimits(ctx.db, buyer, total, input.maxTotal);

  // The vendor float is reserved in a call of its own before the cart's transaction, as a batch's
  // is: no float lock is held through the write, and no connection is asked for while it runs.
  const float = await reserveFloat(ctx, priced);
  const uncovered = float.covered.indexOf(false);
  if (uncovered >= 0) {
    await releaseFloatOrWarn(ctx, float.reservations);
    throw itemRefusal(floatExhausted(), uncovered);
  }
  let written: { group: Pick<OrderGroupRow, 'id' | 'number' | 'created_at'>; results: IntakeResult[] } | undefined;
  try {
    written = await ctx.db.transaction().execute(async (trx) => {
      // A twin request in flight holds this key until it commits; then this one finds its cart.
      const group = await trx
        .insertInto('order_groups')
        .values({
          buyer_id: input.buyerId,
          channel: input.actor.channel,
          client_reference: input.clientReference,
          request_fingerprint: fingerprint,
          currency: total.currency,
          total_minor: total.amount,
          item_count: priced.length,
        })
        .onConflict((conflict) => conflict.columns(['buyer_id', 'client_reference']).doNothing())
        .returning(['id', 'number', 'created_at'])
        .executeTakeFirst();
      if (!group) return undefined;
      const items = priced.map((item, position) => ({
        ...item,
        index: position,
        request: { ...item.request, input: { ...item.request.input, clientReference: itemReference(group.id, position) } },
      }));
      const outcomes = await writeOrders(ctx, items, { trx, float });
      const results = outcomes.map((outcome, position) => {
        if (!outcome.ok) throw itemRefusal(outcome.error, position);
        if (!outcome.value.created) throw new Error(`cart item ${position} answered an existing order`);
        return outcome.value;
      });
      // One key, one intended purchase: a key a single order already used is not a cart's. Checked
      // now, under the buyer's intake lock that `order_intake_batch` took (single orders are written
      // under it, so none is missed); taken earlier it would come before the vendor float's lock,
      // against the order every batch takes them in.
      const single = await trx
        .selectFrom('orders')
        .select('id')
        .where('buyer_id', '=', input.buyerId)
        .where('client_reference', '=', input.clientReference)
        .executeTakeFirst();
      if (single) throw referenceConflict(input.clientReference, { orderId: single.id });
      // Positions are 0-based; `with ordinality` counts from 1.
      await sql`update orders o set group_id = ${group.id}, group_position = item.n - 1
        from unnest(${results.map((result) => result.order.id)}::uuid[]) with ordinality as item(id, n)
        where o.id = item.id`.execute(trx);
      return { group, results };
    });
  } catch (error) {
    // Rolled back: the float reservation (deleted by the items' write) is back; it goes back now
    // rather than when it runs out.
    await releaseFloatOrWarn(ctx, float.reservations);
    // Said for the whole cart: what the wallet has and what the cart needs.
    if (isDomainError(error, 'insufficient_funds')) {
      const balance = await walletBalance(ctx.db, input.buyerId);
      throw insufficientFunds({ accountId: input.buyerId, balance: String(balance.amount), required: String(total.amount), currency: total.currency });
    }
    throw error;
  }
  if (!written) {
    await releaseFloatOrWarn(ctx, float.reservations); // a twin wrote the cart: nothing was held here
    const twin = await findCartRow(ctx.db, input.buyerId, input.clientReference);
    if (!twin) throw new Error(`cart ${input.clientReference} was neither written nor found`);
    return { cart: await replayOf(ctx.db, twin, input, fingerprint), created: false };
  }
  const { group, results } = written;
  const last = results.at(-1)!;
  // Risk monitoring after the commit, as for single orders; it never changes the outcome.
  await checkUnusualSpend(ctx, last.order, last.spentToday ?? 0n).catch((alertError: unknown) =>
    ctx.logger.error({ err: alertError }, 'risk monitoring failed'),
  );
  await checkLimitUsage(ctx, last.order).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
  const zero = money(0n, total.currency);
  return {
    cart: {
      id: group.id,
      number: formatCartNumber(group.number),
      buyerId: input.buyerId,
      channel: input.actor.channel,
      clientReference: input.clientReference,
      total,
      refunded: zero,
      status: 'open',
      createdAt: group.created_at,
      items: results.map((result) => ({ order: { ...result.order, cartId: group.id }, refunded: zero })),
    },
    created: true,
  };
}

/** The request as its fingerprint: the same key with another request is a conflict. */
function cartFingerprint(input: CreateCartInput): string {
  return JSON.stringify([
    'cart',
    input.items.map((item) => [String(item.productId), item.face.currency, String(item.face.amount), item.quantity]),
    input.maxTotal ? formatMoney(input.maxTotal) : null,
  ]);
}

/**
 * What applies to the cart as a whole, before anything is written: `maxTotal`, and the largest
 * single order (a cart is one purchase, so splitting it into items does not pass the limit). Each
 * item is also an order to the intake, so the daily limits count every item.
 */
async function assertCartWithinLimits(db: Kysely<DB>, buyer: PricedRequest['buyer'], total: Money, maxTotal: Money | undefined): Promise<void> {
  if (maxTotal && (maxTotal.currency !== total.currency || total.amount > maxTotal.amount)) {
    throw new DomainError('max_price_exceeded', `the total is ${formatMoney(total)}, above ${formatMoney(maxTotal)}`, {
      total: toJsonMoney(total),
      maxTotal: toJsonMoney(maxTotal),
    });
  }
  const { maxOrder } = (await riskLimitsOf(db, buyer)).limits;
  if (maxOrder !== null && maxOrder !== undefined && total.amount > maxOrder) {
    const limit = money(maxOrder, total.currency);
    throw new DomainError('order_limit_exceeded', `this cart is larger than the largest order allowed (${formatMoney(limit)})`, {
      limit: 'max_order',
      value: toJsonMoney(limit),
    });
  }
}

function refusingItem<T>(position: number, task: () => T): T {
  try {
    return task();
  } catch (error) {
    throw itemRefusal(error, position);
  }
}

/** An item's refusal as the cart's: the same code, naming the item. */
function itemRefusal(error: unknown, position: number): unknown {
  if (!isDomainError(error)) return error;
  return new DomainError(error.code, `item ${position + 1}: ${error.message}`, { ...error.details, item: position });
}

async function findCartRow(db: Kysely<DB>, buyerId: string, clientReference: string): Promise<OrderGroupRow | undefined> {
  return db.selectFrom('order_groups').selectAll().where('buyer_id', '=', buyerId).where('client_reference', '=', clientReference).executeTakeFirst();
}

async function replayOf(db: Kysely<DB>, row: OrderGroupRow, input: CreateCartInput, fingerprint: string): Promise<Cart> {
  if (row.request_fingerprint !== fingerprint) throw referenceConflict(input.clientReference, { cartId: row.id });
  return toCart(row, await itemRows(db, row.id));
}

const itemRows = (db: Kysely<DB>, cartId: string) => db.selectFrom('orders').selectAll().where('group_id', '=', cartId).orderBy('group_position').execute();

/** What went back for an order's undelivered cards: unit price × undelivered, once it is final (the order's one money-back transfer). */
const refundedOf = (row: OrderRow): Money =>
  money(FINAL_STATUSES.includes(row.status) ? row.unit_price_minor * BigInt(row.quantity - (row.cards_delivered ?? 0)) : 0n, row.currency);

function cartStatus(rows: OrderRow[]): CartStatus {
  if (rows.some((row) => !FINAL_STATUSES.includes(row.status))) return 'open';
  if (rows.every((row) => row.status === 'completed')) return 'completed';
  if (rows.every((row) => row.status === 'failed')) return 'failed';
  return 'partially_completed';
}

function toCart(row: OrderGroupRow, items: OrderRow[]): Cart {
  const refunds = items.map(refundedOf);
  return {
    id: row.id,
    number: formatCartNumber(row.number),
    buyerId: row.buyer_id,
    channel: row.channel,
    clientReference: row.client_reference,
    total: money(row.total_minor, row.currency),
    refunded: refunds.reduce((sum, each) => add(sum, each), money(0n, row.currency)),
    status: cartStatus(items),
    createdAt: row.created_at,
    items: items.map((item, position) => ({ order: toOrder(item), refunded: refunds[position]! })),
  };
}

/** The cart (by id or by number, SC-000123) with its items, as its buyer, the buyer's direct parent, or an admin/the platform may see it. */
export async function getCartFor(db: Kysely<DB>, actor: Actor, cartId: string): Promise<Cart> {
  const number = /^SC-(\d{1,18})$/i.exec(cartId)?.[1];
  if (number === undefined && !isUuid(cartId)) throw new DomainError('cart_not_found', `no cart ${cartId}`);
  const row = await db
    .selectFrom('order_groups')
    .selectAll()
    .$if(number !== undefined, (query) => query.where('number', '=', BigInt(number ?? 0)))
    .$if(number === undefined, (query) => query.where('id', '=', cartId))
    .executeTakeFirst();
  if (!row || !(await maySeeOrdersOf(db, actor, row.buyer_id))) throw new DomainError('cart_not_found', `no cart ${cartId}`);
  return toCart(row, await itemRows(db, row.id));
}
