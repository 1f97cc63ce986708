// Buyers see the queue (docs/orders.md, Buyers see the queue): for an open order, its place among the
// orders of its product waiting for a checkout turn and when it should be done. A pure calculation
// (`estimateQueue`) over facts read from the database (`orderQueueEstimates`), so the arithmetic is
// unit-tested without one.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { CHECKOUT_PACE_MS } from '../../integrations/bamboo/index.ts';
import type { Order } from './orders.ts';
import type { OrderStatus } from './orders.tables.ts';
import { MAX_CARDS_PER_VENDOR_ORDER } from './vendor-orders.ts';

/** How long Bamboo takes from a checkout to the finished order while we have no recent history. */
export const DEFAULT_COMPLETION_MS = 15_000;

/** Recent callbacks read for the latency: the last ones of the hour, and how many make a history. */
const CALLBACK_SAMPLE = { size: 50, minimum: 5 } as const;

/** How many waiting orders ahead are read at most (past that the estimate is long anyway). */
const AHEAD_READ_LIMIT = 5_000;

export interface CompletionLatency {
  p50Ms: number;
  p90Ms: number;
}

export interface QueueFacts {
  status: OrderStatus;
  quantity: number;
  /** Orders of its product (face value, sandbox-ness) told to wait for a checkout turn: it waits too. */
  productWaiting: boolean;
  /** The quantities of the pending orders of its product older than it, oldest first. */
  quantitiesAhead: number[];
  /** Recent checkout-to-callback latency (`vendor_callback_ms`); null without enough history. */
  latency: CompletionLatency | null;
}

export interface QueueEstimate {
  /** 1 for the first order waiting; null when it does not wait for a checkout turn. */
  queuePosition: number | null;
  /** Null once the order is final. */
  estimatedCompletionAt: Date | null;
}

/** Open and not waiting for an operator (`needs_attention` has no honest estimate). */
const isBeingFilled = (status: OrderStatus) => status === 'pending' || status === 'placing' || status === 'processing';

/**
 * The checkout (1 = the next) whose vendor order will carry the last of `quantities`: the planner
 * packs pending orders oldest first, skipping one that does not fit in the 500 cards
 * (formVendorOrder), each checkout of a waiting product one pace apart.
 */
export function checkoutsUntilLast(quantities: number[], maxCards = MAX_CARDS_PER_VENDOR_ORDER): number {
  const remaining = quantities.map((quantity, index) => ({ quantity, index }));
  const last = quantities.length - 1;
  for (let checkout = 1; ; checkout += 1) {
    let cards = 0;
    for (let at = 0; at < remaining.length;) {
      const order = remaining[at] as (typeof remaining)[number];
      if (cards + order.quantity <= maxCards) {
        cards += order.quantity;
        remaining.splice(at, 1);
        if (order.index === last) return checkout;
      } else at += 1;
    }
    // An order of more than maxCards is never bought in a vendor order (intake caps it); never loop forever.
    if (cards === 0) return checkout;
  }
}

/**
 * The estimate for one order. Final or waiting for an operator: nulls. Waiting for a checkout turn: its position among the
 * waiting orders and now + one pace per checkout until the one that carries it + the p90 latency
 * (by then most orders are done). Otherwise it is being bought, or goes at once: now + the latency.
 */
export function estimateQueue(facts: QueueFacts, now: Date, paceMs = CHECKOUT_PACE_MS): QueueEstimate {
  if (!isBeingFilled(facts.status)) return { queuePosition: null, estimatedCompletionAt: null };
  const latencyMs = facts.latency?.p90Ms ?? DEFAULT_COMPLETION_MS;
  if (facts.status !== 'pending' || !facts.productWaiting) {
    return { queuePosition: null, estimatedCompletionAt: new Date(now.getTime() + latencyMs) };
  }
  const checkouts = checkoutsUntilLast([...facts.quantitiesAhead, facts.quantity]);
  return {
    queuePosition: facts.quantitiesAhead.length + 1,
    estimatedCompletionAt: new Date(now.getTime() + checkouts * paceMs + latencyMs),
  };
}

/**
 * p50 and p90 of how long Bamboo's completion callback took for the last orders of this
 * sandbox-ness (another vendor) in the last hour; null with fewer than 5 of them.
 */
export async function recentCompletionLatency(db: Kysely<DB>, sandbox: boolean): Promise<CompletionLatency | null> {
  const { rows } = await sql<{ p50: number | null; p90: number | null; samples: string }>`
    select percentile_cont(0.5) within group (order by vendor_callback_ms) as p50,
           percentile_cont(0.9) within group (order by vendor_callback_ms) as p90,
           count(*) as samples
    from (
      select vendor_callback_ms from orders
      where sandbox = ${sandbox}
        and vendor_callback_ms is not null
        and created_at > now() - interval '1 hour'
      order by id desc
      limit ${CALLBACK_SAMPLE.size}
    ) recent`.execute(db);
  const [recent] = rows;
  if (!recent || recent.p50 === null || recent.p90 === null || Number(recent.samples) < CALLBACK_SAMPLE.minimum) return null;
  return { p50Ms: Number(recent.p50), p90Ms: Number(recent.p90) };
}

/** The queues of these pending orders: per product key (product, face value, sandbox-ness) two reads, whatever the number of orders. */
async function pendingQueuesOf(db: Kysely<DB>, orders: Order[]): Promise<Map<string, Pick<QueueFacts, 'productWaiting' | 'quantitiesAhead'>>> {
  const byKey = new Map<string, Order[]>();
  for (const order of orders) {
    const key = `${order.productId}:${order.face.amount}:${order.face.currency}:${order.sandbox}`;
    const group = byKey.get(key);
    if (group) group.push(order);
    else byKey.set(key, [order]);
  }
  const queues = new Map<string, Pick<QueueFacts, 'productWaiting' | 'quantitiesAhead'>>();
  for (const sameKeyOrders of byKey.values()) {
    const [first] = sameKeyOrders as [Order];
    const sameKey = db
      .selectFrom('orders')
      .where('status', '=', 'pending')
      .where('product_id', '=', first.productId)
      .where('face_minor', '=', first.face.amount)
      .where('face_currency', '=', first.face.currency)
      .where('sandbox', '=', first.sandbox);
    const waiting = await sameKey.select('id').where('checkout_waiting_since', 'is not', null).limit(1).executeTakeFirst();
    if (!waiting) {
      for (const order of sameKeyOrders) queues.set(order.id, { productWaiting: false, quantitiesAhead: [] });
      continue;
    }
    const queue = await sameKey.select(['id', 'quantity']).orderBy('created_at').orderBy('id').limit(AHEAD_READ_LIMIT).execute();
    const quantities = queue.map((row) => row.quantity);
    const place = new Map(queue.map((row, index) => [row.id, index]));
    // Past the rows read (or no longer pending by now): everything read is ahead of it.
    for (const order of sameKeyOrders)
      queues.set(order.id, { productWaiting: true, quantitiesAhead: quantities.slice(0, place.get(order.id) ?? quantities.length) });
  }
  return queues;
}

/** The estimates of `orders` (by id), read now: the latency once per sandbox-ness, the queues once per product key of the pending ones. */
export async function orderQueueEstimates(db: Kysely<DB>, orders: Order[], now = new Date()): Promise<Map<string, QueueEstimate>> {
  const estimates = new Map<string, QueueEstimate>();
  const latencies = new Map<boolean, Promise<CompletionLatency | null>>();
  const latencyFor = (sandbox: boolean) => {
    if (!latencies.has(sandbox)) latencies.set(sandbox, recentCompletionLatency(db, sandbox));
    return latencies.get(sandbox) as Promise<CompletionLatency | null>;
  };
  const queues = await pendingQueuesOf(
    db,
    orders.filter((order) => order.status === 'pending'),
  );
  for (const order of orders) {
    const queue = queues.get(order.id) ?? { productWaiting: false, quantitiesAhead: [] };
    const latency = isBeingFilled(order.status) ? await latencyFor(order.sandbox) : null;
    estimates.set(order.id, estimateQueue({ status: order.status, quantity: order.quantity, ...queue, latency }, now));
  }
  return estimates;
}
