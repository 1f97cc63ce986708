// The admins' daily summary (issue 6): one UTC day of orders (count, GMV = what buyers finally paid
// for delivered cards, failures), top-ups still pending now, and the vendor's balance now; plus the
// day's growth and health figures (signups, activations, sales and revenue per channel, success
// rate, completion times, failed orders, and the orders stuck now: growth/metrics.ts).
// Real money only: sandbox orders (test money) are left out, as in the growth figures.
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { formatMoney, money } from '../../shared/money.ts';
import { growthMetrics, type GrowthMetrics } from '../growth/metrics.ts';

export interface DailySummary {
  /** YYYY-MM-DD (UTC) */
  day: string;
  orders: number;
  completed: number;
  partiallyCompleted: number;
  failed: number;
  /** Not final yet (pending, placing, processing, and needs_attention: money held until an operator decides). */
  open: number;
  /** Per wallet currency, formatted ("120.00 USD"); empty when nothing was sold. */
  gmv: string[];
  pendingTopups: number;
  /** The vendor accounts' balances, or null when the vendor could not be asked. */
  vendorBalance: string[] | null;
  /** The growth figures of this one day (`stuckOrders` is as of now). */
  growth: GrowthMetrics;
}

export async function dailySummary(ctx: Pick<AppContext, 'db' | 'vendor' | 'logger'>, day: string): Promise<DailySummary> {
  const start = new Date(`${day}T00:00:00.000Z`);
  const end = new Date(start.getTime() + 24 * 3600 * 1000);
  const rows = await ctx.db
    .selectFrom('orders')
    .select(['status', 'currency'])
    .select((eb) => [eb.fn.countAll<string>().as('count'), sql<string>`sum(unit_price_minor * coalesce(cards_delivered, 0))`.as('charged')])
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .where('sandbox', '=', false)
    .groupBy(['status', 'currency'])
    .execute();
  const count = (...statuses: string[]) => rows.filter((row) => statuses.includes(row.status)).reduce((sum, row) => sum + Number(row.count), 0);
  const gmvByCurrency = new Map<string, bigint>();
  for (const row of rows) gmvByCurrency.set(row.currency, (gmvByCurrency.get(row.currency) ?? 0n) + BigInt(row.charged ?? '0'));
  const growth = await growthMetrics(ctx.db, { from: day, to: day });
  const pending = await ctx.db
    .selectFrom('topup_requests')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  let vendorBalance: string[] | null;
  try {
    vendorBalance = (await ctx.vendor.getAccounts()).filter((account) => account.isActive).map((account) => formatMoney(account.balance));
  } catch (error) {
    ctx.logger.warn({ err: error }, 'daily summary: the vendor balance is unavailable');
    vendorBalance = null;
  }
  return {
    day,
    orders: count('pending', 'placing', 'processing', 'needs_attention', 'completed', 'partially_completed', 'failed'),
    completed: count('completed'),
    partiallyCompleted: count('partially_completed'),
    failed: count('failed'),
    open: count('pending', 'placing', 'processing', 'needs_attention'),
    gmv: [...gmvByCurrency].filter(([, amount]) => amount > 0n).map(([currency, amount]) => formatMoney(money(amount, currency))),
    pendingTopups: Number(pending.count),
    vendorBalance,
    growth,
  };
}
