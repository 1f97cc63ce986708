// Order intake (docs/product.md#orders): `createOrder` validates and prices an order, then one transaction runs
// the `order_intake_batch` database function (the buyer's advisory lock, replay check, rights, risk
// limits, funds, insert with the price snapshot, hold wallet → order clearing, transition) and
// enqueues the place job (outbox). Idempotent on (buyer, client reference): the lock serializes one
// buyer's creates, so replays find the first order.
//
// Creates are written in batches (group commit, docs/decisions/0005-batched-order-intake.md): the
// creates that arrive while earlier batches are being written go together, with one pricing read,
// one `order_intake_batch` statement (set-based: a fixed number of statements for the whole batch)
// and one job insert for all of them. At light load a batch is
// one order and starts at once. Each order keeps its own outcome; when a whole batch fails (a
// database error, not a refusal), each of its orders is retried alone, so an error reaches only the
// caller it belongs to. Intake throughput is benchmarked (bench/orders.ts).
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import { prepared } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { Batcher, type Settled } from '../../shared/batcher.ts';
import { DomainError, isDomainError } from '../../shared/errors.ts';
import { formatMoney, money, multiply, type Money } from '../../shared/money.ts';
import { findAccounts, type AccountWithBook } from '../accounts/accounts.ts';
import type { Actor, Channel } from '../actor.ts';
import { toJson } from '../json.ts';
import { bookAccountId, insufficientFunds, ledgerRefusal, movement, walletId, type WalletShortfall } from '../ledger/ledger.ts';
import { assertOnCardList } from '../pricing/card-list.ts';
import { assertProfitGuard, productsWithDiscount, quotePrice, type PriceQuote, type ProductWithDiscount } from '../pricing/pricing.ts';
import { formatOrderNumber, toOrder, type Order } from './orders.ts';
import { orderPlaceQueue } from './queues.ts';
import type { OrderRow } from './orders.tables.ts';
import { checkUnusualSpend, countRefusal } from './risk-alerts.ts';
import { isUuid } from '../../shared/ids.ts';

export const MAX_QUANTITY = 500;
/** Client references (the API's Idempotency-Key / referenceId) are kept up to this length. */
export const MAX_REFERENCE_LENGTH = 255;
/** At most this many orders in one intake transaction (each holds its buyer's lock until the commit). */
const MAX_BATCH_SIZE = 32;
/** Batches written at the same time per database pool, never two with the same buyer (see Batcher). */
const CONCURRENT_BATCHES = 2;
const MAX_INT8 = 2n ** 63n - 1n;

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

export type OrderIntakeContext = Pick<AppContext, 'db' | 'jobs' | 'config' | 'state' | 'logger'>;
/** What `createOrder` needs: the intake's context and the process's batcher and refusal counter. */
export type CreateOrderContext = OrderIntakeContext & Pick<AppContext, 'intakeBatcher' | 'refusalLimiter'>;

/** Refusals that count towards a burst alert (not input mistakes like a bad quantity). */
const RISK_REFUSALS = new Set(['insufficient_funds', 'daily_limit_exceeded', 'profit_guard', 'max_price_exceeded', 'account_paused', 'parent_paused']);

/**
 * Creates an order and holds its total, or returns the order this (buyer, reference) already made.
 * Risk monitoring runs after the transaction and never changes its outcome.
 */
export async function createOrder(ctx: CreateOrderContext, input: CreateOrderInput): Promise<{ order: Order; created: boolean }> {
  let result: IntakeResult;
  try {
    const request = intakeRequest(ctx, input);
    // Inside a caller's transaction the order is written there, alone.
    if (ctx.db.isTransaction) {
      result = unwrap((await intakeBatch(ctx, [request]))[0]);
    } else {
      result = await ctx.intakeBatcher.submit(request);
    }
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

/** One create as a batch carries it: the input and what its caller's configuration decides. */
interface IntakeRequest {
  input: CreateOrderInput;
  fingerprint: string;
  deadlineSeconds: number;
  orderFee: { amount: string; currency: string };
}

/** An intake's answer; `spentToday` (the buyer's day including this order) only for a new order. */
interface IntakeResult {
  order: Order;
  created: boolean;
  spentToday?: bigint;
}

/** Checks what needs no database (who orders, quantity, reference) and fixes the request. */
function intakeRequest(ctx: OrderIntakeContext, input: CreateOrderInput): IntakeRequest {
  if (input.actor.accountId !== input.buyerId) throw new DomainError('forbidden', 'orders are placed by the buyer itself');
  const maxQuantity = input.actor.channel === 'telegram' ? ctx.config.BOT_MAX_QUANTITY : MAX_QUANTITY;
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > maxQuantity) {
    throw new DomainError('invalid_quantity', `the quantity must be 1 to ${maxQuantity}`, { max: maxQuantity });
  }
  if (input.clientReference.length < 1 || input.clientReference.length > MAX_REFERENCE_LENGTH) {
    throw new DomainError('invalid_reference', `a client reference of 1 to ${MAX_REFERENCE_LENGTH} characters is required`);
  }
  // Checked here, not by the batch's read: an id the database cannot take would fail the whole batch.
  const productId = typeof input.productId === 'bigint' || Number.isSafeInteger(input.productId) ? BigInt(input.productId) : -1n;
  if (productId < 1n || productId > MAX_INT8) throw new DomainError('product_not_found', `no product ${input.productId}`, { productId: String(input.productId) });
  return {
    input,
    fingerprint: JSON.stringify([String(input.productId), input.face.currency, String(input.face.amount), input.quantity, input.maxTotal ? formatMoney(input.maxTotal) : null]),
    deadlineSeconds: ctx.config.ORDER_DEADLINE_SECONDS,
    orderFee: { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY },
  };
}

/** Groups concurrent creates into batches: one per process, built with the AppContext (src/context.ts). */
export type IntakeBatcher = Batcher<IntakeRequest, IntakeResult>;

/** The batcher of a context: its batches share one transaction and one job insert on `ctx.db` and `ctx.jobs`. */
export function createIntakeBatcher(ctx: OrderIntakeContext): IntakeBatcher {
  return new Batcher({ maxBatchSize: MAX_BATCH_SIZE, maxConcurrentBatches: CONCURRENT_BATCHES, keyOf: (request) => request.input.buyerId, run: (requests) => intakeBatch(ctx, requests) });
}

interface PricedRequest {
  index: number;
  request: IntakeRequest;
  buyer: AccountWithBook;
  quote: PriceQuote;
  total: Money;
}

/** Prices, writes and answers a batch of creates: one result per request, in order. */
async function intakeBatch(ctx: OrderIntakeContext, requests: IntakeRequest[]): Promise<Settled<IntakeResult>[]> {
  const results: Settled<IntakeResult>[] = new Array(requests.length);
  const priced: PricedRequest[] = [];
  const pricing = await priceRequests(ctx, requests);
  for (const [index, request] of requests.entries()) {
    const outcome = pricing[index] as Settled<Omit<PricedRequest, 'index' | 'request'>>;
    if (outcome.ok) priced.push({ index, request, ...outcome.value });
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
    priced.forEach((one, position) => (results[one.index] = written[position] as Settled<IntakeResult>));
  }
  return results;
}

/**
 * The buyer, the quote for one card and the total of each request, every pricing refusal (unknown
 * buyer or product, card list, guard, maxPrice) kept with its request. The buyers and the products
 * with their discounts are read once for the batch; FX rates and a sub-agent's parent price are read
 * by `quotePrice` where they apply.
 */
async function priceRequests(ctx: OrderIntakeContext, requests: IntakeRequest[]): Promise<Settled<Omit<PricedRequest, 'index' | 'request'>>[]> {
  // The two reads go out side by side (two pooled connections): one round trip of waiting.
  const wellFormed = requests.filter((request) => isUuid(request.input.buyerId));
  const [buyers, found] = await Promise.all([
    findAccounts(ctx.db, requests.map((request) => request.input.buyerId)),
    productsWithDiscount(ctx.db, wellFormed.map((request) => ({ accountId: request.input.buyerId, productId: request.input.productId }))),
  ]);
  const products = new Map<IntakeRequest, ProductWithDiscount | undefined>(wellFormed.map((request, position) => [request, found[position]]));
  return Promise.all(
    requests.map((request) =>
      settle(async () => {
        const { input } = request;
        const buyer = buyers.get(input.buyerId);
        if (!buyer) throw new DomainError('account_not_found', `no account ${input.buyerId}`, { accountId: input.buyerId });
        if (input.actor.channel === 'telegram') await assertOnCardList(ctx.db, BigInt(input.productId), input.face.amount);
        const productAndDiscount = products.get(request);
        if (!productAndDiscount) throw new DomainError('product_not_found', `no product ${input.productId}`, { productId: String(input.productId) });
        const quote = await quotePrice(ctx.db, { accountId: buyer.id, account: buyer, productId: input.productId, ...productAndDiscount, face: input.face, orderFee: request.orderFee });
        assertProfitGuard(quote);
        const total = multiply(quote.unitPrice, BigInt(input.quantity));
        if (input.maxTotal && (input.maxTotal.currency !== total.currency || total.amount > input.maxTotal.amount)) {
          throw new DomainError('max_price_exceeded', `the total is ${formatMoney(total)}, above ${formatMoney(input.maxTotal)}`, { total: formatMoney(total) });
        }
        return { buyer, quote, total };
      }),
    ),
  );
}

/** What `order_intake_batch` answers per order (migrations 2026_11_28_080000, 2026_11_29_000000 and 2026_11_30_000000). */
interface IntakeOutcome {
  idx: number;
  outcome:
    | 'created'
    | 'replayed'
    | 'idempotency_conflict'
    | 'account_not_found'
    | 'role_cannot_order'
    | 'account_paused'
    | 'parent_paused'
    | 'daily_limit_exceeded'
    | 'insufficient_funds';
  detail: Record<string, unknown> | null;
  order_id: string | null;
  order_number: bigint | null;
  created_at: Date | null;
  deadline_at: Date | null;
  spent_today: bigint | null;
  sandbox: boolean | null;
}

/**
 * Writes priced orders in one transaction: `order_intake_batch` (locks, replay check, rights,
 * limits, funds, inserts, holds, transitions for all of them; migration 2026_11_30_000000), then
 * the place jobs of the new ones in one insert. Throws only for a database error; refusals come back
 * per order.
 */
async function writeOrders(ctx: OrderIntakeContext, priced: PricedRequest[]): Promise<Settled<IntakeResult>[]> {
  const orders = priced.map(({ request, buyer, quote, total }, idx) => {
    const wallet = walletId(buyer.id);
    // A sandbox account's hold goes to the sandbox clearing account: test money stays apart.
    const clearing = bookAccountId('order_clearing', buyer.currency, buyer);
    const entries = movement(wallet, clearing, total).map((entry) => ({ ledgerAccountId: entry.ledgerAccountId, amount: formatMoney(entry.amount) }));
    const { input } = request;
    return {
      idx,
      buyer: buyer.id,
      reference: input.clientReference,
      fingerprint: request.fingerprint,
      channel: input.actor.channel satisfies Channel,
      product: String(quote.productId),
      face_currency: input.face.currency,
      face_minor: String(input.face.amount),
      quantity: input.quantity,
      currency: buyer.currency,
      unit_price: String(quote.unitPrice.amount),
      platform_unit_price: String(quote.platformUnitPrice.amount),
      revenue_share_unit: String(quote.revenueShareUnit.amount),
      discount_bps: quote.discountBps,
      plan: quote.planId,
      fx_rate: quote.fx?.rate ?? null,
      fx_source_time: quote.fx?.sourceTime.toISOString() ?? null,
      deadline_seconds: request.deadlineSeconds,
      wallet,
      clearing,
      total_text: formatMoney(total),
      audit_entries: entries,
    };
  });
  const rows = await withTransaction(ctx.db, async (trx) => {
    const { rows: outcomes } = await sql<IntakeOutcome>`${prepared} select * from order_intake_batch(${toJson(orders)}::jsonb)`
      .execute(trx)
      .catch((error: unknown) => {
        throw ledgerRefusal(error, orders.flatMap((order) => [order.wallet, order.clearing]));
      });
    const created = outcomes.filter((row) => row.outcome === 'created').map((row) => ({ orderId: row.order_id as string }));
    await ctx.jobs.enqueueMany(orderPlaceQueue, created, { db: trx });
    return outcomes;
  });
  const byIndex = new Map(rows.map((row) => [row.idx, row]));
  const replayed = rows.filter((row) => row.outcome === 'replayed').map((row) => row.order_id as string);
  const replays = new Map((replayed.length === 0 ? [] : await ctx.db.selectFrom('orders').selectAll().where('id', 'in', replayed).execute()).map((row) => [row.id, row]));
  return priced.map((one, idx) => {
    const row = byIndex.get(idx);
    if (!row) return { ok: false, error: new Error(`order_intake_batch returned nothing for ${one.request.input.clientReference}`) };
    if (row.outcome === 'replayed') return { ok: true, value: { order: toOrder(replays.get(row.order_id as string) as OrderRow), created: false } };
    if (row.outcome !== 'created') return { ok: false, error: refusalOf(row, one) };
    return { ok: true, value: createdOrder(one, row) };
  });
}

function createdOrder({ request, buyer, quote, total }: PricedRequest, row: IntakeOutcome): IntakeResult {
  const { input } = request;
  const order: Order = {
    id: row.order_id as string,
    number: formatOrderNumber(row.order_number as bigint),
    buyerId: buyer.id,
    channel: input.actor.channel,
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
  return { order, created: true, spentToday: row.spent_today as bigint };
}

function refusalOf(row: IntakeOutcome, { request, buyer }: PricedRequest): unknown {
  const detail = row.detail ?? {};
  switch (row.outcome) {
    case 'idempotency_conflict':
      return conflictOf(request.input, row.order_id as string);
    case 'daily_limit_exceeded':
      return dailyLimitRefusal(detail, buyer.currency);
    case 'insufficient_funds':
      return insufficientFunds(detail as unknown as WalletShortfall);
    case 'parent_paused':
      return new DomainError('parent_paused', `the parent account ${String(detail.parentName)} is paused`, { accountId: buyer.id });
    case 'account_paused':
      return new DomainError('account_paused', 'this account is paused', { accountId: buyer.id });
    case 'role_cannot_order':
      return new DomainError('role_cannot_order', 'admins do not order cards', { accountId: buyer.id });
    case 'account_not_found':
      return new DomainError('account_not_found', `no account ${buyer.id}`);
    default:
      return new Error(`order_intake answered ${row.outcome} for ${request.input.clientReference}`);
  }
}

/** After a pricing refusal: the order this reference already made (a replay), else the refusal. */
async function replayOrThrow(db: Kysely<DB>, request: IntakeRequest, refusal: unknown): Promise<IntakeResult> {
  const existing = isDomainError(refusal)
    ? await db.selectFrom('orders').selectAll().where('buyer_id', '=', request.input.buyerId).where('client_reference', '=', request.input.clientReference).executeTakeFirst()
    : undefined;
  if (!existing) throw refusal;
  if (existing.request_fingerprint !== request.fingerprint) throw conflictOf(request.input, existing.id);
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

async function settle<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

function unwrap<T>(settled: Settled<T> | undefined): T {
  if (!settled) throw new Error('a batch of one answered nothing');
  if (!settled.ok) throw settled.error;
  return settled.value;
}
