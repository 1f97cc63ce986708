// Vendor orders (docs/orders.md, Coalescing; docs/decisions/0014-coalescing.md): what is sent to
// Bamboo under one RequestId, buying the cards of one or more buyers' orders of the same product,
// face value and sandbox-ness. A buyer's order is in at most one vendor order (a unique member row);
// every member carries the vendor order's RequestId and, while someone talks to Bamboo about it,
// the same vendor lease. Delivered cards are allocated oldest member first, and Bamboo's total is
// split exactly between the members by their delivered cards.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Card, CheckoutTurn } from '../../integrations/bamboo/index.ts';
import { money, type Money } from '../../shared/money.ts';
import { recordTransition } from './orders.ts';
import type { OrderRow } from './orders.tables.ts';

/** Bamboo takes at most this many cards in one order (bamboo-api §4.1). */
export const MAX_CARDS_PER_VENDOR_ORDER = 500;

/** What a vendor order buys: one product at one face value, test money or not. */
export interface VendorOrderKey {
  product_id: bigint;
  face_minor: bigint;
  face_currency: string;
  sandbox: boolean;
}

export interface VendorOrderClaim {
  requestId: string;
  key: VendorOrderKey;
  quantity: number;
  /** The members, oldest first (their positions). */
  members: OrderRow[];
}

/**
 * The products whose orders wait for a checkout turn (with how many), the one with the oldest
 * waiting order first: the planner offers the next turn to them in this order, so no product's
 * orders starve.
 */
export async function waitingKeys(db: Kysely<DB>, limit = 20): Promise<(VendorOrderKey & { waiting: number })[]> {
  const keys = await db
    .selectFrom('orders')
    .select(['product_id', 'face_minor', 'face_currency', 'sandbox', (eb) => eb.fn.countAll<string>().as('waiting')])
    .where('status', '=', 'pending')
    .where('checkout_waiting_since', 'is not', null)
    .where('sandbox', '=', false)
    .groupBy(['product_id', 'face_minor', 'face_currency', 'sandbox'])
    .orderBy(sql`min(created_at)`)
    .limit(limit)
    .execute();
  return keys.map((key) => ({ ...key, waiting: Number(key.waiting) }));
}

/**
 * The oldest order of `key` that waits for a checkout turn: the one whose place job keeps asking for
 * the key (the others' jobs stop asking; their orders are bought with it).
 */
export async function oldestWaiting(db: Kysely<DB>, key: VendorOrderKey): Promise<string | undefined> {
  const row = await db
    .selectFrom('orders')
    .select('id')
    .where('status', '=', 'pending')
    .where('checkout_waiting_since', 'is not', null)
    .where('product_id', '=', key.product_id)
    .where('face_minor', '=', key.face_minor)
    .where('face_currency', '=', key.face_currency)
    .where('sandbox', '=', key.sandbox)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

export const sameKey = (a: VendorOrderKey, b: VendorOrderKey) =>
  a.product_id === b.product_id && a.face_minor === b.face_minor && a.face_currency === b.face_currency && a.sandbox === b.sandbox;

/**
 * Forms a vendor order for `key` in `trx`: `orderId` (if it is pending and of that key) and, once
 * an order of the key has waited for a checkout turn, every pending order of it, oldest first, up
 * to 500 cards;
 * `alone` takes only `orderId` (sandbox orders, never coalesced). Rows another transaction holds are
 * skipped, never waited for. With `takeTurn` (the planner's checkout turn) it is taken once there
 * is something to buy, and a refused turn is returned (nothing formed). The members become
 * `placing` with the new RequestId and `leaseToken`. Undefined when nothing is left to buy.
 */
export async function formVendorOrder(
  trx: Transaction<DB>,
  key: VendorOrderKey,
  orderId: string | undefined,
  leaseToken: string,
  leaseUntil: Date,
  options: { alone?: boolean; takeTurn?: () => Promise<CheckoutTurn> } = {},
): Promise<VendorOrderClaim | Extract<CheckoutTurn, { taken: false }> | undefined> {
  const candidates = await trx
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'pending')
    .where('product_id', '=', key.product_id)
    .where('face_minor', '=', key.face_minor)
    .where('face_currency', '=', key.face_currency)
    .where('sandbox', '=', key.sandbox)
    .$if(options.alone === true, (query) => query.where('id', '=', orderId ?? null))
    // Once any order of the product waits for a turn, every pending order of it waits in fact (its
    // job may not even have run yet): all are bought together.
    .$if(options.alone !== true, (query) =>
      query.where((eb) =>
        eb.or([
          eb('id', '=', orderId ?? null),
          eb.exists(
            eb
              .selectFrom('orders as waiting')
              .select(sql.lit(1).as('one'))
              .where('waiting.status', '=', 'pending')
              .where('waiting.checkout_waiting_since', 'is not', null)
              .where('waiting.product_id', '=', key.product_id)
              .where('waiting.face_minor', '=', key.face_minor)
              .where('waiting.face_currency', '=', key.face_currency)
              .where('waiting.sandbox', '=', key.sandbox),
          ),
        ]),
      ),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(MAX_CARDS_PER_VENDOR_ORDER)
    .forUpdate()
    .skipLocked()
    .execute();
  const members: OrderRow[] = [];
  let quantity = 0;
  for (const order of candidates) {
    if (quantity + order.quantity > MAX_CARDS_PER_VENDOR_ORDER) continue;
    members.push(order);
    quantity += order.quantity;
  }
  if (members.length === 0) return undefined;
  // The checkout turn is taken only once there is something to buy (the rows stay locked meanwhile):
  // a turn is never spent on nothing.
  const turn = options.takeTurn ? await options.takeTurn() : ({ taken: true } as const);
  if (!turn.taken) return turn;
  const requestId = randomUUID();
  const vendorOrder = await trx
    .insertInto('vendor_orders')
    .values({ request_id: requestId, product_id: key.product_id, face_minor: key.face_minor, face_currency: key.face_currency, sandbox: key.sandbox, quantity })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('vendor_order_members')
    .values(members.map((member, position) => ({ vendor_order_id: vendorOrder.id, order_id: member.id, position })))
    .execute();
  const ids = members.map((member) => member.id);
  await trx
    .updateTable('orders')
    .set({ status: 'placing', vendor_request_id: requestId, vendor_lease_token: leaseToken, vendor_lease_until: leaseUntil, updated_at: new Date() })
    .where('id', 'in', ids)
    .execute();
  for (const member of members) {
    await recordTransition(trx, member.id, 'placing', members.length > 1 ? { requestId, coalesced: members.length, cards: quantity } : { requestId });
  }
  return {
    requestId,
    key: { product_id: key.product_id, face_minor: key.face_minor, face_currency: key.face_currency, sandbox: key.sandbox },
    quantity,
    members: members.map((member) => ({ ...member, status: 'placing', vendor_request_id: requestId })),
  };
}

/**
 * Locks every member of the vendor order with this RequestId (in id order, the one lock order of
 * every path that locks several, so two of them never deadlock) and returns them oldest first, with
 * the vendor order's quantity.
 */
export async function lockVendorOrder(trx: Transaction<DB>, requestId: string): Promise<{ quantity: number; members: OrderRow[] }> {
  const locked = await trx.selectFrom('orders').selectAll().where('vendor_request_id', '=', requestId).orderBy('id').forUpdate().execute();
  const vendorOrder = await trx
    .selectFrom('vendor_orders')
    .innerJoin('vendor_order_members', 'vendor_order_members.vendor_order_id', 'vendor_orders.id')
    .select(['vendor_orders.quantity', 'vendor_order_members.order_id', 'vendor_order_members.position'])
    .where('vendor_orders.request_id', '=', requestId)
    .execute();
  const position = new Map(vendorOrder.map((row) => [row.order_id, row.position]));
  const members = locked.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  const quantity = vendorOrder[0]?.quantity ?? members.reduce((sum, member) => sum + member.quantity, 0);
  return { quantity, members };
}

export interface MemberShare {
  orderId: string;
  cards: Card[];
  /** The member's part of Bamboo's total: the shares add up to the total exactly. */
  vendorCost: Money;
}

/**
 * Allocates a vendor order's delivered cards to its members, oldest first: each takes up to its
 * quantity while cards are left, so when Bamboo delivers fewer than ordered the newest members get
 * fewer (their undelivered cards are refunded exactly). Bamboo's total is split by delivered cards,
 * rounded on the running sum so the shares add up to the total to the minor unit.
 */
export function allocateCards(members: readonly Pick<OrderRow, 'id' | 'quantity'>[], delivered: readonly Card[], vendorTotal: Money): MemberShare[] {
  const total = BigInt(delivered.length);
  let next = 0;
  let costSoFar = 0n;
  return members.map((member) => {
    const cards = delivered.slice(next, next + member.quantity);
    next += cards.length;
    const costThrough = total === 0n ? 0n : (vendorTotal.amount * BigInt(next)) / total;
    const vendorCost = money(costThrough - costSoFar, vendorTotal.currency);
    costSoFar = costThrough;
    return { orderId: member.id, cards, vendorCost };
  });
}
