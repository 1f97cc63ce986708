// The vendor float (docs/orders.md, Vendor operations): what is left of our prepaid balance at
// Bamboo for orders not yet bought, so the intake refuses an order the vendor could not fill instead
// of holding the buyer's money and failing later.
//
// left = the balance Bamboo last reported (per book and currency, `vendor_float`)
//      − the vendor cost of orders bought since that balance was asked for (`vendor_bought_at`, set
//        by a trigger when an order leaves pending/placing bought)
//      − the vendor cost of orders held but not yet bought (`pending`, `placing`).
// An order bought just before the accounts call may be counted twice until the next refresh; never
// zero times, so every error is on the safe side. Without a reported balance (never refreshed) the
// intake does not check: an unknown float is not an empty one.
//
// Exact under concurrency: each intake transaction takes an advisory lock per (book, currency) it
// draws on before it reads the float and keeps it until it commits, so two batches (in any process)
// cannot both take the last of it. Placements and refreshes need no lock: a placement moves an
// order from held to bought (the float stays the same) and a refresh replaces the balance with a
// newer one.
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Account, BambooClient } from '../../integrations/bamboo/index.ts';
import { createPostgresKeyValueStore } from '../../shared-state/index.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, money, type Money } from '../../shared/money.ts';
import { eventMoney } from '../events.ts';
import type { FloatBook } from './vendor.tables.ts';

/** How long a refused buyer should wait: the float is refreshed every minute. */
export const FLOAT_RETRY_AFTER_SECONDS = 60;
/** Recent sales, for "hours of float left": the vendor cost bought in this many hours. */
const SALES_WINDOW_HOURS = 24;

/**
 * The float an order draws on: a sandbox order bought from the simulator beside a real Bamboo has
 * its own (the simulator's account); with VENDOR=simulator every order buys from the one simulator
 * account, so all draw on `live`.
 */
export const floatBookOf = (config: Pick<AppContext['config'], 'VENDOR'>, sandbox: boolean): FloatBook =>
  sandbox && config.VENDOR === 'bamboo' ? 'sandbox' : 'live';

/** What one new order would take from the float. */
export interface FloatDemand {
  book: FloatBook;
  cost: Money;
}

const lockKey = (book: FloatBook, currency: string) => `vendor-float:${book}:${currency}`;

/** What is left of each float asked for (absent: no balance known), read under nothing. */
async function floatsLeft(db: Kysely<DB>, keys: { book: FloatBook; currency: string }[]): Promise<Map<string, bigint>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ book: FloatBook; currency: string; left_minor: string }>`
    select f.book, f.currency,
      f.balance_minor - coalesce((
        select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency
          and (o.status in ('pending', 'placing') or o.vendor_bought_at > f.requested_at)
      ), 0) as left_minor
    from vendor_float f
    where (f.book, f.currency) in (${sql.join(keys.map((key) => sql`(${key.book}, ${key.currency})`))})`.execute(db);
  return new Map(rows.map((row) => [lockKey(row.book, row.currency), BigInt(row.left_minor)]));
}

/**
 * In the intake's transaction, before its orders are written: locks the floats the demands draw on
 * (until the commit) and answers, per demand in order, whether the float covers it. Demands that fit
 * are counted against the float in order; one that does not is refused and takes nothing.
 */
export async function takeFloat(trx: Kysely<DB>, demands: readonly FloatDemand[]): Promise<boolean[]> {
  const keys = [
    ...new Map(demands.map((demand) => [lockKey(demand.book, demand.cost.currency), { book: demand.book, currency: demand.cost.currency }])).entries(),
  ]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, key]) => key);
  // In one order everywhere (sorted), so two batches never wait for each other's second lock.
  for (const key of keys) await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey(key.book, key.currency)}, 0))`.execute(trx);
  const left = await floatsLeft(trx, keys);
  return demands.map((demand) => {
    const key = lockKey(demand.book, demand.cost.currency);
    const available = left.get(key);
    if (available === undefined) return true;
    if (demand.cost.amount > available) return false;
    left.set(key, available - demand.cost.amount);
    return true;
  });
}

/** The refusal of an order the float cannot cover (503 with Retry-After in the API). */
export const floatExhausted = () =>
  new DomainError('vendor_float_exhausted', 'the vendor cannot fill this order right now; try again later', {
    retryAfterSeconds: FLOAT_RETRY_AFTER_SECONDS,
  });

export interface FloatView {
  book: FloatBook;
  currency: string;
  /** What Bamboo last reported, and when. */
  balance: Money;
  refreshedAt: Date;
  /** Vendor cost of orders held, not yet bought. */
  held: Money;
  /** Vendor cost of orders bought since the balance was asked for. */
  boughtSince: Money;
  left: Money;
  /** Vendor cost bought per hour over the last 24 h. */
  hourlySales: Money;
  /** left / hourlySales; null without recent sales. */
  hoursLeft: number | null;
}

/** Every known float with what holds and recent sales take from it. */
export async function floatViews(db: Kysely<DB>): Promise<FloatView[]> {
  const { rows } = await sql<{
    book: FloatBook;
    currency: string;
    balance_minor: string;
    refreshed_at: Date;
    held_minor: string;
    bought_since_minor: string;
    recent_minor: string;
  }>`
    select f.book, f.currency, f.balance_minor, f.refreshed_at,
      coalesce((select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency and o.status in ('pending', 'placing')), 0) as held_minor,
      coalesce((select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency and o.vendor_bought_at > f.requested_at), 0) as bought_since_minor,
      coalesce((select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency
          and o.vendor_bought_at > now() - make_interval(hours => ${SALES_WINDOW_HOURS})), 0) as recent_minor
    from vendor_float f order by f.book, f.currency`.execute(db);
  return rows.map((row) => {
    const left = BigInt(row.balance_minor) - BigInt(row.held_minor) - BigInt(row.bought_since_minor);
    const hourly = BigInt(row.recent_minor) / BigInt(SALES_WINDOW_HOURS);
    return {
      book: row.book,
      currency: row.currency,
      balance: money(BigInt(row.balance_minor), row.currency),
      refreshedAt: row.refreshed_at,
      held: money(BigInt(row.held_minor), row.currency),
      boughtSince: money(BigInt(row.bought_since_minor), row.currency),
      left: money(left, row.currency),
      hourlySales: money(hourly, row.currency),
      hoursLeft: hourly === 0n ? null : Math.max(0, Number(left) / Number(hourly)),
    };
  });
}

export type FloatRefreshContext = Pick<AppContext, 'db' | 'config' | 'vendor' | 'sandboxVendor' | 'events' | 'logger'>;

/** The vendor account each book buys from, as the accounts endpoint reports it. */
async function bookAccount(vendor: BambooClient): Promise<Account | undefined> {
  return (await vendor.getAccounts()).find((account) => account.id === vendor.accountId && account.isActive);
}

/**
 * Asks Bamboo for the balances (live, and the simulator's for sandbox orders beside a real Bamboo),
 * stores them with the database time the call was sent, then tells the admins (once per crossing)
 * when the live float covers fewer than VENDOR_FLOAT_ALERT_HOURS of recent sales.
 */
export async function refreshVendorFloat(ctx: FloatRefreshContext): Promise<FloatView[]> {
  const books: [FloatBook, BambooClient][] = [['live', ctx.vendor]];
  if (ctx.config.VENDOR === 'bamboo' && ctx.sandboxVendor) books.push(['sandbox', ctx.sandboxVendor]);
  for (const [book, vendor] of books) {
    const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(ctx.db);
    const requestedAt = (rows[0] as { now: Date }).now;
    const account = await bookAccount(vendor);
    if (!account) {
      ctx.logger.warn({ book, accountId: vendor.accountId }, 'the vendor reports no active account we buy from; float not refreshed');
      continue;
    }
    await ctx.db
      .insertInto('vendor_float')
      .values({ book, currency: account.balance.currency, balance_minor: account.balance.amount, requested_at: requestedAt, refreshed_at: new Date() })
      .onConflict((conflict) =>
        conflict
          .columns(['book', 'currency'])
          .doUpdateSet({ balance_minor: account.balance.amount, requested_at: requestedAt, refreshed_at: new Date() })
          // A slower refresh never replaces a newer balance.
          .where('vendor_float.requested_at', '<', requestedAt),
      )
      .execute();
  }
  const views = await floatViews(ctx.db);
  await alertLowFloat(ctx, views);
  return views;
}

/** Live floats below the alert threshold, told once per crossing (a marker kept while low, written with the event). */
async function alertLowFloat(ctx: FloatRefreshContext, views: FloatView[]): Promise<void> {
  for (const view of views.filter((one) => one.book === 'live')) {
    const key = `vendor-float-low:${view.book}:${view.currency}`;
    const low = view.left.amount <= 0n || (view.hoursLeft !== null && view.hoursLeft < ctx.config.VENDOR_FLOAT_ALERT_HOURS);
    if (!low) {
      await createPostgresKeyValueStore(ctx.db).delete(key);
      continue;
    }
    await withTransaction(ctx.db, async (trx) => {
      if (!(await createPostgresKeyValueStore(trx).setIfAbsent(key, formatMoney(view.left), 365 * 24 * 3600 * 1000))) return;
      await ctx.events.record(trx, {
        type: 'vendor.float_low',
        currency: view.currency,
        left: eventMoney(view.left),
        hoursLeft: view.hoursLeft === null ? null : Math.floor(view.hoursLeft * 10) / 10,
        thresholdHours: ctx.config.VENDOR_FLOAT_ALERT_HOURS,
      });
      ctx.logger.warn({ currency: view.currency, left: formatMoney(view.left), hoursLeft: view.hoursLeft }, 'the vendor float is running low');
    });
  }
}
