// Usage stats for a partner (GET /v1/usage): API requests, orders and spend per UTC day, the
// success rate and the top products over a window of days. Orders and money come from the orders
// table (what was charged = unit price × cards delivered); requests from `api_usage_days`, which
// API processes fill through `addApiRequests`.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { money, type Money } from '../../shared/money.ts';
import { getAccount } from '../accounts/accounts.ts';

export const MAX_USAGE_DAYS = 90;

export interface UsageDay {
  /** YYYY-MM-DD (UTC). */
  date: string;
  requests: number;
  orders: number;
  /** What finished orders of the day were charged (delivered cards only). */
  spend: Money;
}

export interface Usage {
  from: string;
  to: string;
  days: UsageDay[];
  totals: {
    requests: number;
    orders: number;
    completed: number;
    partiallyCompleted: number;
    failed: number;
    spend: Money;
    /** Completed ÷ finished orders, null when none finished. */
    successRate: number | null;
  };
  topProducts: { productId: string; orders: number; cards: number; spend: Money }[];
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/** Adds request counts (one row per account and day). */
export async function addApiRequests(db: Kysely<DB>, counts: readonly { accountId: string; day: string; requests: number }[]): Promise<void> {
  if (counts.length === 0) return;
  await db
    .insertInto('api_usage_days')
    .values(counts.map((count) => ({ account_id: count.accountId, day: count.day, requests: count.requests })))
    .onConflict((conflict) => conflict.columns(['account_id', 'day']).doUpdateSet({ requests: sql`api_usage_days.requests + excluded.requests` }))
    .execute();
}

/** The window of the last `days` UTC days up to and including today. */
function windowOf(options: { days: number; now?: Date }): { from: string; to: string; fromDate: Date } {
  const days = Math.min(Math.max(Math.trunc(options.days), 1), MAX_USAGE_DAYS);
  const to = dayOf(options.now ?? new Date());
  const fromDate = new Date(`${to}T00:00:00.000Z`);
  fromDate.setUTCDate(fromDate.getUTCDate() - (days - 1));
  return { from: dayOf(fromDate), to, fromDate };
}

const charged = sql<string>`coalesce(sum(case when status in ('completed', 'partially_completed') then unit_price_minor * coalesce(cards_delivered, 0) else 0 end), 0)`;

const ordersOf = (db: Kysely<DB>, accountId: string, currency: string, fromDate: Date) =>
  db.selectFrom('orders').where('buyer_id', '=', accountId).where('currency', '=', currency).where('created_at', '>=', fromDate);

const perDayOf = (db: Kysely<DB>, accountId: string, currency: string, fromDate: Date) =>
  ordersOf(db, accountId, currency, fromDate)
    .select([sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'), sql<string>`count(*)`.as('orders'), charged.as('spend')])
    .groupBy('day')
    .execute();

function seriesOf(
  window: { to: string; fromDate: Date },
  currency: string,
  perDay: readonly { day: string; orders: string; spend: string }[],
  requestsByDay: ReadonlyMap<string, number> = new Map(),
): UsageDay[] {
  const ordersByDay = new Map(perDay.map((row) => [row.day, row]));
  const series: UsageDay[] = [];
  for (const date = new Date(window.fromDate); dayOf(date) <= window.to; date.setUTCDate(date.getUTCDate() + 1)) {
    const day = dayOf(date);
    const row = ordersByDay.get(day);
    series.push({ date: day, requests: requestsByDay.get(day) ?? 0, orders: Number(row?.orders ?? 0), spend: money(BigInt(row?.spend ?? 0), currency) });
  }
  return series;
}

const spendOf = (series: readonly UsageDay[], currency: string) =>
  money(
    series.reduce((sum, day) => sum + day.spend.amount, 0n),
    currency,
  );

/**
 * Orders and spend per day only (the web overview's chart): two queries, where `usageFor` needs five.
 * `requests` is 0 in each day (not read).
 */
export async function spendPerDay(
  db: Kysely<DB>,
  accountId: string,
  options: { days: number; now?: Date },
): Promise<Pick<Usage, 'from' | 'to' | 'days'> & { totals: Pick<Usage['totals'], 'orders' | 'spend'> }> {
  const account = await getAccount(db, accountId);
  const window = windowOf(options);
  const series = seriesOf(window, account.currency, await perDayOf(db, accountId, account.currency, window.fromDate));
  return {
    from: window.from,
    to: window.to,
    days: series,
    totals: { orders: series.reduce((sum, day) => sum + day.orders, 0), spend: spendOf(series, account.currency) },
  };
}

/** The last `days` UTC days up to and including today, for one account. */
export async function usageFor(db: Kysely<DB>, accountId: string, options: { days: number; now?: Date }): Promise<Usage> {
  const account = await getAccount(db, accountId);
  const window = windowOf(options);
  const { from, to, fromDate } = window;
  const orders = ordersOf(db, accountId, account.currency, fromDate);
  const [perDay, requestRows, totalsRow, top] = await Promise.all([
    perDayOf(db, accountId, account.currency, fromDate),
    db
      .selectFrom('api_usage_days')
      .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'requests'])
      .where('account_id', '=', accountId)
      .where('day', '>=', from)
      .execute(),
    orders
      .select([
        sql<string>`count(*) filter (where status = 'completed')`.as('completed'),
        sql<string>`count(*) filter (where status = 'partially_completed')`.as('partial'),
        sql<string>`count(*) filter (where status = 'failed')`.as('failed'),
      ])
      .executeTakeFirstOrThrow(),
    orders
      .select(['product_id', sql<string>`count(*)`.as('orders'), sql<string>`coalesce(sum(coalesce(cards_delivered, 0)), 0)`.as('cards'), charged.as('spend')])
      .groupBy('product_id')
      .orderBy('spend', 'desc')
      .orderBy('orders', 'desc')
      .orderBy('product_id')
      .limit(10)
      .execute(),
  ]);

  const series = seriesOf(window, account.currency, perDay, new Map(requestRows.map((row) => [row.day, Number(row.requests)])));
  const completed = Number(totalsRow.completed);
  const partiallyCompleted = Number(totalsRow.partial);
  const failed = Number(totalsRow.failed);
  const finished = completed + partiallyCompleted + failed;
  return {
    from,
    to,
    days: series,
    totals: {
      requests: series.reduce((sum, day) => sum + day.requests, 0),
      orders: series.reduce((sum, day) => sum + day.orders, 0),
      completed,
      partiallyCompleted,
      failed,
      spend: spendOf(series, account.currency),
      successRate: finished === 0 ? null : completed / finished,
    },
    topProducts: top.map((row) => ({
      productId: String(row.product_id),
      orders: Number(row.orders),
      cards: Number(row.cards),
      spend: money(BigInt(row.spend), account.currency),
    })),
  };
}
