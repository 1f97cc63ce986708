// Group commit of order creates (docs/decisions/0005-batched-order-intake.md): the creates that
// arrive while earlier batches are being written go together, with one pricing read, one
// `order_intake_batch` statement and one job insert for all of them. At light load a batch is one
// order and starts at once. Each order keeps its own outcome; when a whole batch fails (a database
// error, not a refusal), each of its orders is written again alone, so an error reaches only the
// caller it belongs to.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { Batcher, settle, type Settled } from '../../shared/batcher.ts';
import { isDomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { priceRequests, type PricedRequest } from './intake-pricing.ts';
import { conflictOf, referenceConflict, type IntakeRequest, type IntakeResult, type OrderIntakeContext } from './intake-request.ts';
import { writeOrders } from './intake-write.ts';
import { toOrder } from './orders.ts';

/** At most this many orders in one intake transaction (each holds its buyer's lock until the commit). */
const MAX_BATCH_SIZE = 32;
/** Batches written at the same time per database pool, never two with the same buyer (see Batcher). */
const CONCURRENT_BATCHES = 2;

/** Groups concurrent creates into batches: one per process, built with the AppContext (src/context.ts). */
export type IntakeBatcher = Batcher<IntakeRequest, IntakeResult>;

/** The batcher of a context: its batches share one transaction and one job insert on `ctx.db` and `ctx.jobs`. */
export function createIntakeBatcher(ctx: OrderIntakeContext): IntakeBatcher {
  return new Batcher({
    maxBatchSize: MAX_BATCH_SIZE,
    maxConcurrentBatches: CONCURRENT_BATCHES,
    keyOf: (request) => request.input.buyerId,
    run: (requests) => intakeBatch(ctx, requests),
  });
}

/** Prices, writes and answers a batch of creates: one result per request, in order. */
export async function intakeBatch(ctx: OrderIntakeContext, requests: IntakeRequest[]): Promise<Settled<IntakeResult>[]> {
  const results: Settled<IntakeResult>[] = new Array(requests.length);
  const priced: PricedRequest[] = [];
  const [pricing, cartReferences] = await Promise.all([priceRequests(ctx, requests), referencesOfCarts(ctx.db, requests)]);
  for (const [index, request] of requests.entries()) {
    const outcome = pricing[index] as Settled<Omit<PricedRequest, 'index' | 'request'>>;
    const cartId = cartReferences.get(`${request.input.buyerId} ${request.input.clientReference}`);
    // One key, one intended purchase: a key a cart already used is not a single order's (carts.ts).
    if (cartId) results[index] = { ok: false, error: referenceConflict(request.input.clientReference, { cartId }) };
    else if (outcome.ok) priced.push({ index, request, ...outcome.value });
    // A replay answers its first order even when the product or the price changed since, so a
    // pricing refusal first looks for one.
    else results[index] = await settle(async () => replayOrThrow(ctx.db, request, outcome.error));
  }
  if (priced.length > 0) {
    let written: Settled<IntakeResult>[];
    try {
      written = await writeOrders(ctx, priced);
    } catch (error) {
      // Not a refusal (those are outcomes): a database error. With several orders, each is written
      // again on its own, so the error reaches only its own caller.
      if (priced.length === 1) {
        written = [{ ok: false, error }];
      } else {
        ctx.logger.warn({ err: error, orders: priced.length }, 'an intake batch failed; writing its orders one by one');
        written = [];
        for (const one of priced) written.push(await settle(async () => unwrap((await writeOrders(ctx, [one]))[0])));
      }
    }
    for (const [position, one] of priced.entries()) {
      const outcome = written[position] as Settled<IntakeResult>;
      // A replay answers its first order even when the vendor float is exhausted now.
      results[one.index] =
        !outcome.ok && isDomainError(outcome.error, 'vendor_float_exhausted')
          ? await settle(async () => replayOrThrow(ctx.db, one.request, outcome.error))
          : outcome;
    }
  }
  return results;
}

/**
 * The carts (docs/orders.md, Carts) that already used a reference of these requests, by
 * `<buyer> <reference>`. Only partners' own keys can meet one: the bot's and the API's drawn
 * references (`tg:`, `auto:`) are random, so they cost no read.
 */
async function referencesOfCarts(db: Kysely<DB>, requests: IntakeRequest[]): Promise<Map<string, string>> {
  const chosen = requests.filter(({ input }) => input.actor.channel === 'api' && !input.clientReference.startsWith('auto:') && isUuid(input.buyerId));
  if (chosen.length === 0) return new Map();
  const rows = await db
    .selectFrom('order_groups')
    .select(['id', 'buyer_id', 'client_reference'])
    .where((eb) => eb.or(chosen.map(({ input }) => eb.and([eb('buyer_id', '=', input.buyerId), eb('client_reference', '=', input.clientReference)]))))
    .execute();
  return new Map(rows.map((row) => [`${row.buyer_id} ${row.client_reference}`, row.id]));
}

/** After a pricing refusal: the order this reference already made (a replay), else the refusal. */
async function replayOrThrow(db: Kysely<DB>, request: IntakeRequest, refusal: unknown): Promise<IntakeResult> {
  const existing = isDomainError(refusal)
    ? await db
        .selectFrom('orders')
        .selectAll()
        .where('buyer_id', '=', request.input.buyerId)
        .where('client_reference', '=', request.input.clientReference)
        .executeTakeFirst()
    : undefined;
  if (!existing) throw refusal;
  if (existing.request_fingerprint !== request.fingerprint) throw conflictOf(request.input, existing.id);
  return { order: toOrder(existing), created: false };
}

export function unwrap<T>(settled: Settled<T> | undefined): T {
  if (!settled) throw new Error('a batch of one answered nothing');
  if (!settled.ok) throw settled.error;
  return settled.value;
}
