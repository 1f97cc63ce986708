// The vendor float (docs/orders.md, Vendor operations): what is left of our prepaid balance at
// Bamboo for orders not yet bought, so the intake refuses an order the vendor could not fill instead
// of holding the buyer's money and failing later.
//
// left = the balance Bamboo last reported (per book and currency, `vendor_float`)
//      − the vendor cost of orders bought since that balance was asked for (`vendor_bought_at`, set
//        by a trigger when an order leaves pending/placing bought)
//      − the vendor cost of orders held but not yet bought (`pending`, `placing`: `vendor_float_held`,
//        a counter in 16 shards the intake adds to and a trigger takes from, so reading it costs the
//        same however many orders wait for the vendor; `holdFloat`)
//      − what intakes in flight reserved (`vendor_float_reservations`).
// An order bought just before the accounts call may be counted twice until the next refresh; never
// zero times, so every error is on the safe side. Without a reported balance (never refreshed) the
// intake does not check: an unknown float is not an empty one.
//
// Exact under concurrency, without serializing the intake: before its transaction a batch reserves
// what its orders take in one call of its own (`vendor_float_reserve`) under an advisory lock per
// (book, currency), committed without waiting for the disk (a reservation lost in a crash goes with
// the intake that needed it). Its intake transaction deletes the reservation and writes the held orders,
// so at its commit the orders replace the reservation at once; a refused order's share goes back
// the same way. Two batches in any processes therefore never both take the last of the float, while
// their intake transactions (and their commits) still run side by side. A reservation its intake
// never deleted (the process died between the two) stops counting after RESERVATION_TTL_MINUTES.
// Placements and refreshes need no lock: a placement moves an order from held to bought (the float
// stays the same) and a refresh replaces the balance with a newer one.
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { prepared } from '../../db/database.ts';
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

/** A reservation older than this no longer counts (its intake died before deleting it); swept by the refresh. The same 5 minutes in `vendor_float_reserve`. */
const RESERVATION_TTL_MINUTES = 5;

/** What a batch took from the float: per demand whether it is covered, and the reservations its intake transaction deletes. */
export interface FloatTaken {
  covered: boolean[];
  reservations: string[];
}

/**
 * Before the intake's transaction: answers, per demand in order, whether the float covers it, and
 * reserves what the covered ones take, under the floats' locks, in one call of its own
 * (`vendor_float_reserve`; outside a caller's transaction it commits at once, without waiting for
 * the disk). Demands that fit are counted in order; one that does not is refused and takes nothing.
 * The intake transaction deletes the reservations (`holdFloat`) as it writes the orders.
 */
export async function takeFloat(db: Kysely<DB>, demands: readonly FloatDemand[]): Promise<FloatTaken> {
  const input = demands.map((demand) => ({ book: demand.book, currency: demand.cost.currency, amount: String(demand.cost.amount) }));
  const { rows } = await sql<{
    taken: FloatTaken;
  }>`${prepared} select vendor_float_reserve(${JSON.stringify(input)}::jsonb, ${!db.isTransaction}) as taken`.execute(db);
  return (rows[0] as { taken: FloatTaken }).taken;
}

/** Shards of the held counter: two intakes rarely update the same row at once. */
const HELD_SHARDS = 16;

/**
 * In the intake's transaction, one statement: the batch's reservations deleted, the new orders'
 * vendor cost and float recorded on them and added to the float's held counter (one shard per
 * batch), so at the commit the held orders replace the reservations at once. A trigger takes each
 * order out of the counter when it leaves pending/placing (`orders_float_held_release`).
 */
export async function holdFloat(trx: Kysely<DB>, reservations: readonly string[], orders: { orderId: string; book: FloatBook; cost: Money }[]): Promise<void> {
  if (reservations.length === 0 && orders.length === 0) return;
  const rows = orders.map(({ orderId, book, cost }) => ({ id: orderId, book, minor: String(cost.amount), currency: cost.currency }));
  const shard = Math.floor(Math.random() * HELD_SHARDS);
  await sql`${prepared}
    with released as (delete from vendor_float_reservations where id = any(${[...reservations]}::uuid[])),
    costed as (
      update orders o set vendor_cost_minor = c.minor, vendor_cost_currency = c.currency, float_book = c.book
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(id uuid, book text, minor bigint, currency text)
      where o.id = c.id
    )
    insert into vendor_float_held (book, currency, shard, held_minor)
    select c.book, c.currency, ${shard}, sum(c.minor)
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(id uuid, book text, minor bigint, currency text)
    group by c.book, c.currency
    on conflict (book, currency, shard) do update set held_minor = vendor_float_held.held_minor + excluded.held_minor`.execute(trx);
}

/** Gives reservations back: in the intake's transaction (its orders replace them), or after it failed. */
export async function releaseFloat(db: Kysely<DB>, reservations: readonly string[]): Promise<void> {
  if (reservations.length === 0) return;
  await db
    .deleteFrom('vendor_float_reservations')
    .where('id', 'in', [...reservations])
    .execute();
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
  /** Vendor cost of orders held, not yet bought, and reserved by intakes in flight. */
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
    reserved_minor: string;
  }>`
    select f.book, f.currency, f.balance_minor, f.refreshed_at,
      coalesce((select sum(h.held_minor) from vendor_float_held h where h.book = f.book and h.currency = f.currency), 0) as held_minor,
      coalesce((select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency and o.vendor_bought_at > f.requested_at), 0) as bought_since_minor,
      coalesce((select sum(o.vendor_cost_minor) from orders o
        where o.float_book = f.book and o.vendor_cost_currency = f.currency
          and o.vendor_bought_at > now() - make_interval(hours => ${SALES_WINDOW_HOURS})), 0) as recent_minor,
      coalesce((select sum(r.amount_minor) from vendor_float_reservations r
        where r.book = f.book and r.currency = f.currency and r.created_at > now() - make_interval(mins => ${RESERVATION_TTL_MINUTES})), 0) as reserved_minor
    from vendor_float f order by f.book, f.currency`.execute(db);
  return rows.map((row) => {
    const left = BigInt(row.balance_minor) - BigInt(row.held_minor) - BigInt(row.bought_since_minor) - BigInt(row.reserved_minor);
    const hourly = BigInt(row.recent_minor) / BigInt(SALES_WINDOW_HOURS);
    return {
      book: row.book,
      currency: row.currency,
      balance: money(BigInt(row.balance_minor), row.currency),
      refreshedAt: row.refreshed_at,
      held: money(BigInt(row.held_minor) + BigInt(row.reserved_minor), row.currency),
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
  await ctx.db
    .deleteFrom('vendor_float_reservations')
    .where('created_at', '<=', sql<Date>`now() - make_interval(mins => ${RESERVATION_TTL_MINUTES})`)
    .execute();
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
