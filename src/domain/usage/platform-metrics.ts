// Platform figures for admins (GET /v1/admin/metrics): accounts, the last 24 h of orders and what
// they were charged, open orders and the oldest one's age, webhook deliveries needing attention, and
// what the platform owes in wallets. Cheap aggregate queries; the full ledger check stays hourly.
// Real money only: sandbox orders and partners' sandbox wallets (test money) are left out.
// Plus the growth and health figures of a period of UTC days (growth/metrics.ts).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { money, type Money } from '../../shared/money.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { growthMetrics, resolveMetricsPeriod, type GrowthMetrics, type MetricsPeriod } from '../growth/metrics.ts';
import { OPEN_STATUSES } from '../orders/orders.tables.ts';
import { RecentAnswers } from '../../shared/recent-answers.ts';

export interface PlatformMetrics extends GrowthMetrics {
  at: Date;
  accounts: { role: string; status: string; count: number }[];
  ordersLast24h: { status: string; count: number }[];
  /** What finished orders created in the last 24 h were charged (delivered cards), per currency. */
  chargedLast24h: Money[];
  openOrders: { count: number; oldestCreatedAt: Date | null };
  webhookEvents: { status: string; count: number }[];
  /** Sum of customer wallet balances (sandbox wallets left out), per currency. */
  walletBalances: Money[];
}

export async function platformMetrics(db: Kysely<DB>, actor: Actor, options: { period?: MetricsPeriod; now?: Date } = {}): Promise<PlatformMetrics> {
  await requireAdmin(db, actor);
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [growth, accounts, orders, charged, open, webhooks, wallets] = await Promise.all([
    growthMetrics(db, options.period ?? resolveMetricsPeriod({}, now), now),
    db
      .selectFrom('accounts')
      .select(['role', 'status', sql<string>`count(*)`.as('count')])
      .groupBy(['role', 'status'])
      .orderBy('role')
      .orderBy('status')
      .execute(),
    db
      .selectFrom('orders')
      .select(['status', sql<string>`count(*)`.as('count')])
      .where('created_at', '>=', since)
      .where('sandbox', '=', false)
      .groupBy('status')
      .orderBy('status')
      .execute(),
    db
      .selectFrom('orders')
      .select(['currency', sql<string>`coalesce(sum(unit_price_minor * coalesce(cards_delivered, 0)), 0)`.as('charged')])
      .where('created_at', '>=', since)
      .where('status', 'in', ['completed', 'partially_completed'])
      .where('sandbox', '=', false)
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
    db
      .selectFrom('orders')
      .select([sql<string>`count(*)`.as('count'), sql<Date | null>`min(created_at)`.as('oldest')])
      .where('status', 'in', [...OPEN_STATUSES])
      .where('sandbox', '=', false)
      .executeTakeFirstOrThrow(),
    // Deliveries that have not (yet) succeeded; delivered ones are the normal case and not counted.
    db
      .selectFrom('webhook_events')
      .select(['status', sql<string>`count(*)`.as('count')])
      .where('status', 'in', ['pending', 'retrying', 'dead'])
      .groupBy('status')
      .orderBy('status')
      .execute(),
    db
      .selectFrom('ledger_accounts')
      .select(['currency', sql<string>`coalesce(sum(balance), 0)`.as('total')])
      .where('kind', '=', 'wallet')
      .where(sql<boolean>`not exists (select 1 from api_sandbox_accounts sandbox where sandbox.sandbox_account_id = ledger_accounts.account_id)`)
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
  ]);
  return {
    ...growth,
    at: now,
    accounts: accounts.map((row) => ({ role: row.role, status: row.status, count: Number(row.count) })),
    ordersLast24h: orders.map((row) => ({ status: row.status, count: Number(row.count) })),
    chargedLast24h: charged.map((row) => money(BigInt(row.charged), row.currency)),
    openOrders: { count: Number(open.count), oldestCreatedAt: open.oldest === null ? null : new Date(open.oldest) },
    webhookEvents: webhooks.map((row) => ({ status: row.status, count: Number(row.count) })),
    walletBalances: wallets.map((row) => money(BigInt(row.total), row.currency)),
  };
}

/** How long the console's metrics page shows one reading; the API reads afresh. */
const RECENT_METRICS_MS = 30_000;
const recentReadings = new WeakMap<Kysely<DB>, RecentAnswers<PlatformMetrics>>();

/**
 * platformMetrics as read at most 30 s ago, shared by the admins asking meanwhile: a page many admins
 * keep open costs one set of aggregate queries per period every 30 s, not one per view. The admin
 * check is made on every call.
 */
export async function recentPlatformMetrics(db: Kysely<DB>, actor: Actor, period: MetricsPeriod): Promise<PlatformMetrics> {
  await requireAdmin(db, actor);
  let readings = recentReadings.get(db);
  if (!readings) recentReadings.set(db, (readings = new RecentAnswers(RECENT_METRICS_MS, 20)));
  return readings.get(`${period.from}/${period.to}`, () => platformMetrics(db, actor, { period }));
}
