// Writing priced orders (src/domain/orders/intake-batch.ts): one `order_intake_batch` statement for
// the whole batch and one job insert for the new orders, in one transaction; each order's outcome
// mapped back to its order or its refusal.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { prepared } from '../../db/database.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Settled } from '../../shared/batcher.ts';
import { DomainError } from '../../shared/errors.ts';
import { add, formatMoney, money, toJsonMoney, type Money } from '../../shared/money.ts';
import type { Actor, Channel } from '../actor.ts';
import { toJson } from '../json.ts';
import { bookAccountId, insufficientFunds, ledgerRefusal, movement, walletId, type WalletShortfall } from '../ledger/ledger.ts';
import { recordLowBalanceCrossing } from '../ledger/low-balance.ts';
import { floatBookOf, floatExhausted, holdFloat, releaseFloat, takeFloat, type FloatTaken } from '../vendor/float.ts';
import type { FloatBook } from '../vendor/vendor.tables.ts';
import type { PricedRequest } from './intake-pricing.ts';
import { conflictOf, referenceConflict, type IntakeResult, type OrderIntakeContext } from './intake-request.ts';
import { formatOrderNumber, toOrder, type Order } from './orders.ts';
import type { OrderRow } from './orders.tables.ts';
import { orderPlaceQueue } from './queues.ts';

/** What `order_intake_batch` answers per order (migrations 2026_11_28_080000, 2026_11_29_000000, 2026_11_30_000000 and 2026_12_06_020000). */
interface IntakeOutcome {
  idx: number;
  outcome:
    | 'created'
    | 'replayed'
    | 'idempotency_conflict'
    | 'cart_reference'
    | 'account_not_found'
    | 'role_cannot_order'
    | 'account_paused'
    | 'parent_paused'
    | 'daily_limit_exceeded'
    | 'order_limit_exceeded'
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
 * Writes priced orders: the vendor float taken first (a reservation under the float's lock; an order
 * it cannot cover is refused with `vendor_float_exhausted` and not written; src/domain/vendor/float.ts),
 * then in one transaction `order_intake_batch` (locks, replay check, rights, limits, funds, inserts,
 * holds, transitions for all of them; migration 2026_11_30_000000), one statement that deletes the
 * reservation and holds the new orders' vendor cost in the float (`holdFloat`), and the place jobs
 * of the new ones in one insert. Throws only for a database error; refusals come
 * back per order.
 *
 * `within`: a cart's transaction (carts.ts) to write in instead of one of its own, with the float the
 * cart reserved before opening it (`reserveFloat`; a call on another connection from inside the
 * transaction could wait for a pooled connection that concurrent carts hold).
 */
export async function writeOrders(
  ctx: OrderIntakeContext,
  priced: PricedRequest[],
  within?: { trx: Transaction<DB>; float: FloatTaken },
): Promise<Settled<IntakeResult>[]> {
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
  const books = floatBooks(ctx, priced);
  // Reserved in one call of its own (vendor_float_reserve); this transaction deletes the
  // reservation as it writes the orders, so they replace it at the commit (src/domain/vendor/float.ts).
  const float = within?.float ?? (await reserveFloat(ctx, priced));
  const covered = float.covered;
  const toWrite = orders.filter((order) => covered[order.idx]);
  const rows = await withTransaction(within?.trx ?? ctx.db, async (trx) => {
    if (toWrite.length === 0) {
      await releaseFloat(trx, float.reservations);
      return [] as IntakeOutcome[];
    }
    const { rows: outcomes } = await sql<IntakeOutcome>`${prepared} select * from order_intake_batch(${toJson(toWrite)}::jsonb)`
      .execute(trx)
      .catch((error: unknown) => {
        throw ledgerRefusal(
          error,
          toWrite.flatMap((order) => [order.wallet, order.clearing]),
        );
      });
    const created = outcomes.filter((row) => row.outcome === 'created');
    await holdFloat(
      trx,
      float.reservations,
      created.map((row) => ({ orderId: row.order_id as string, book: books[row.idx] as FloatBook, cost: (priced[row.idx] as PricedRequest).vendorCost })),
    );
    await ctx.jobs.enqueueMany(
      orderPlaceQueue,
      created.map((row) => ({ orderId: row.order_id as string })),
      { db: trx },
    );
    // The holds took money from the buyers' wallets: made in the bot, a buyer may be told it ran low.
    for (const hold of holdsByBuyer(created.map((row) => priced[row.idx] as PricedRequest))) {
      await recordLowBalanceCrossing(ctx, trx, hold.actor, hold.buyerId, hold.debited);
    }
    return outcomes;
  }).catch(async (error: unknown) => {
    // Not written: the reservation goes back now rather than when it runs out. (In a cart's
    // transaction, still open here, the cart gives it back after its rollback.)
    if (!within) await releaseFloatOrWarn(ctx, float.reservations);
    throw error;
  });
  const byIndex = new Map(rows.map((row) => [row.idx, row]));
  const replayed = rows.filter((row) => row.outcome === 'replayed').map((row) => row.order_id as string);
  const replays = new Map(
    (replayed.length === 0 ? [] : await ctx.db.selectFrom('orders').selectAll().where('id', 'in', replayed).execute()).map((row) => [row.id, row]),
  );
  return priced.map((one, idx) => {
    if (!covered[idx]) return { ok: false, error: floatExhausted() };
    const row = byIndex.get(idx);
    if (!row) return { ok: false, error: new Error(`order_intake_batch returned nothing for ${one.request.input.clientReference}`) };
    if (row.outcome === 'replayed') return { ok: true, value: { order: toOrder(replays.get(row.order_id as string) as OrderRow), created: false } };
    if (row.outcome !== 'created') return { ok: false, error: refusalOf(row, one) };
    return { ok: true, value: createdOrder(one, row) };
  });
}

const floatBooks = (ctx: Pick<OrderIntakeContext, 'config'>, priced: PricedRequest[]) => priced.map(({ buyer }) => floatBookOf(ctx.config, buyer.sandbox));

/** What priced orders take from the vendor float, reserved in one call of its own before their intake transaction (`takeFloat`). */
export async function reserveFloat(ctx: Pick<OrderIntakeContext, 'db' | 'config'>, priced: PricedRequest[]): Promise<FloatTaken> {
  const books = floatBooks(ctx, priced);
  return takeFloat(
    ctx.db,
    priced.map(({ vendorCost }, idx) => ({ book: books[idx] as FloatBook, cost: vendorCost })),
  );
}

/** Gives float reservations back after their intake failed; one left behind stops counting in minutes. */
export async function releaseFloatOrWarn(ctx: Pick<OrderIntakeContext, 'db' | 'logger'>, reservations: readonly string[]): Promise<void> {
  await releaseFloat(ctx.db, reservations).catch((releaseError: unknown) =>
    ctx.logger.warn({ err: releaseError }, 'a float reservation was not given back; it stops counting in minutes'),
  );
}

/** The money the new orders held, per buyer and channel (several orders of one buyer cross a threshold once). */
function holdsByBuyer(created: PricedRequest[]): { buyerId: string; actor: Actor; debited: Money }[] {
  const holds = new Map<string, { buyerId: string; actor: Actor; debited: Money }>();
  for (const { request, buyer, total } of created) {
    const key = `${buyer.id}:${request.input.actor.channel}`;
    const hold = holds.get(key);
    holds.set(key, { buyerId: buyer.id, actor: request.input.actor, debited: hold ? add(hold.debited, total) : total });
  }
  return [...holds.values()];
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
    cartId: null, // a cart's transaction sets it on its items after writing them (carts.ts)
  };
  return { order, created: true, spentToday: row.spent_today as bigint };
}

function refusalOf(row: IntakeOutcome, { request, buyer }: PricedRequest): unknown {
  const detail = row.detail ?? {};
  switch (row.outcome) {
    case 'idempotency_conflict':
      return conflictOf(request.input, row.order_id as string);
    case 'cart_reference':
      // A cart took this key between the intake's own look (intake-batch.ts) and this write.
      return referenceConflict(request.input.clientReference, { cartId: String(detail.cartId) });
    case 'daily_limit_exceeded':
      return dailyLimitRefusal(detail, buyer.currency);
    case 'order_limit_exceeded': {
      const limit = money(BigInt(String(detail.value)), buyer.currency);
      return new DomainError('order_limit_exceeded', `this order is larger than the largest order allowed (${formatMoney(limit)})`, {
        limit: 'max_order',
        value: toJsonMoney(limit),
      });
    }
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

function dailyLimitRefusal(detail: Record<string, unknown>, currency: string): DomainError {
  if (detail.limit === 'daily_order_count') {
    return new DomainError('daily_limit_exceeded', `the daily limit of ${String(detail.value)} orders is reached`, {
      limit: 'daily_order_count',
      value: Number(detail.value),
    });
  }
  const limit = money(BigInt(String(detail.value)), currency);
  return new DomainError('daily_limit_exceeded', `this order would pass the daily spend limit of ${formatMoney(limit)}`, {
    limit: 'daily_spend',
    value: toJsonMoney(limit),
  });
}
