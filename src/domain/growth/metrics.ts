// Growth and health figures over a period of whole UTC days (GET /v1/admin/metrics, the admins'
// daily summary). Definitions (docs/api.md, "Admin metrics"):
// - signups: accounts created per day by role (partners, agents, sub-agents; admins and partners'
//   sandbox accounts are not customers and never count anywhere here);
// - activations: accounts whose first order with delivered cards finished in the period;
// - active: accounts that created an order in the period;
// - sales: orders that finished with delivered cards, by the day they finished, channel and wallet
//   currency: GMV = what buyers were charged for delivered cards (unit price × cards delivered),
//   revenue = what the order's `order_settle` booked on the ledger's `revenue` account (the
//   platform's margin after the vendor's actual cost and a sub-agent's revenue share; negative when
//   the vendor charged more than we took);
// - outcomes and completion times of orders finished in the period; success rate = completed ÷
//   finished; p50/p99 from creation to finish over orders that delivered cards;
// - stuck orders are open (pending, placing, processing) past their deadline now, whatever the period.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import { formatOrderNumber } from '../orders/orders.ts';
import { OPEN_STATUSES } from '../orders/orders.tables.ts';

export const MAX_METRICS_DAYS = 366;
export const DEFAULT_METRICS_DAYS = 30;
/** How many order numbers the failed and stuck lists show; the counts are complete. */
export const ORDERS_SHOWN = 5;
const TOP_PRODUCTS = 10;

export interface MetricsPeriod {
  /** YYYY-MM-DD (UTC), inclusive. */
  from: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  to: string;
}

export interface RoleCounts {
  partners: number;
  agents: number;
  subAgents: number;
}

export interface SalesRow {
  channel: string;
  orders: number;
  gmv: Money;
  revenue: Money;
}

export interface GrowthMetrics {
  period: MetricsPeriod;
  signups: { total: RoleCounts; days: ({ date: string } & RoleCounts)[] };
  activations: { total: number; days: { date: string; count: number }[] };
  active: RoleCounts;
  /** Per channel and wallet currency over the period. */
  sales: SalesRow[];
  /** Per day (the day orders finished), channel and currency; only days with sales. */
  salesByDay: ({ date: string } & SalesRow)[];
  orders: {
    finished: number;
    completed: number;
    partiallyCompleted: number;
    failed: number;
    /** completed ÷ finished; null when nothing finished. */
    successRate: number | null;
    /** Seconds from creation to finish of orders that delivered cards; null when there were none. */
    completionSeconds: { p50: number | null; p99: number | null };
  };
  topProducts: {
    byCount: { productId: string; orders: number; cards: number }[];
    byGmv: { productId: string; orders: number; cards: number; gmv: Money }[];
  };
  failedOrders: { count: number; recent: string[] };
  stuckOrders: { count: number; oldestCreatedAt: Date | null; oldest: string[] };
}

const DAY_MS = 24 * 3600 * 1000;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const startOf = (day: string) => new Date(`${day}T00:00:00.000Z`);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period from `from`/`to` (either may be missing) or `days` ending today; default the last 30 days. */
export function resolveMetricsPeriod(input: { from?: string; to?: string; days?: number }, now = new Date()): MetricsPeriod {
  const valid = (day: string) => DAY.test(day) && !Number.isNaN(startOf(day).getTime()) && dayOf(startOf(day)) === day;
  if ((input.from !== undefined && !valid(input.from)) || (input.to !== undefined && !valid(input.to))) {
    throw new DomainError('invalid_period', 'from and to are UTC days (YYYY-MM-DD)');
  }
  if (input.days !== undefined && (input.from !== undefined || input.to !== undefined)) {
    throw new DomainError('invalid_period', 'give either days or from/to');
  }
  const days = input.days ?? DEFAULT_METRICS_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_METRICS_DAYS) throw new DomainError('invalid_period', `days is 1 to ${MAX_METRICS_DAYS}`);
  const to = input.to ?? dayOf(now);
  const from = input.from ?? dayOf(new Date(startOf(to).getTime() - (days - 1) * DAY_MS));
  const length = (startOf(to).getTime() - startOf(from).getTime()) / DAY_MS + 1;
  if (length < 1) throw new DomainError('invalid_period', 'from is after to');
  if (length > MAX_METRICS_DAYS) throw new DomainError('invalid_period', `a period is at most ${MAX_METRICS_DAYS} days`);
  return { from, to };
}

function daysOf(period: MetricsPeriod): string[] {
  const days: string[] = [];
  for (let at = startOf(period.from).getTime(); at <= startOf(period.to).getTime(); at += DAY_MS) days.push(dayOf(new Date(at)));
  return days;
}

const roleKey = { partner: 'partners', agent: 'agents', sub_agent: 'subAgents' } as const;
const emptyRoles = (): RoleCounts => ({ partners: 0, agents: 0, subAgents: 0 });
function addRole(counts: RoleCounts, role: string, count: number): void {
  const key = roleKey[role as keyof typeof roleKey];
  if (key) counts[key] += count;
}

const DELIVERED = ['completed', 'partially_completed'] as const;
/** A partner's sandbox account trades test money: not a customer, not sales. */
const notSandbox = (column: string) =>
  sql<boolean>`not exists (select 1 from api_sandbox_accounts sandbox where sandbox.sandbox_account_id = ${sql.ref(column)})`;
const utcDay = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD')`;

export async function growthMetrics(db: Kysely<DB>, period: MetricsPeriod, now = new Date()): Promise<GrowthMetrics> {
  const start = startOf(period.from);
  const end = new Date(startOf(period.to).getTime() + DAY_MS);
  const finishedInPeriod = db.selectFrom('orders as o').where('o.finished_at', '>=', start).where('o.finished_at', '<', end).where(notSandbox('o.buyer_id'));
  // The platform's margin of one order, as settlement booked it on the ledger's revenue account:
  // delivered price − revenue share − the vendor's actual total. When the vendor charged in the
  // wallet currency that is computed from the order's own columns (exactly the settle entry, no
  // ledger scan); otherwise the vendor total was converted at settlement, so the entry itself is read.
  const revenueOf = sql<string>`case when o.vendor_currency = o.currency
    then (o.unit_price_minor - o.revenue_share_unit_minor) * coalesce(o.cards_delivered, 0) - coalesce(o.vendor_total_minor, 0)
    else coalesce((select sum(e.amount) from transfers t join entries e on e.transfer_id = t.id
      where t.idempotency_key = 'order-settle:' || o.id::text and e.ledger_account_id = 'system:revenue:' || o.currency), 0)
    end`;
  const gmvOf = sql<string>`o.unit_price_minor * coalesce(o.cards_delivered, 0)`;

  const [signups, activations, active, sales, outcomes, times, byCount, byGmv, failed, stuck] = await Promise.all([
    db
      .selectFrom('accounts as a')
      .select([utcDay('a.created_at').as('day'), 'a.role', sql<string>`count(*)`.as('count')])
      .where('a.created_at', '>=', start)
      .where('a.created_at', '<', end)
      .where('a.role', '<>', 'admin')
      .where(notSandbox('a.id'))
      .groupBy([sql`1`, 'a.role'])
      .execute(),
    db
      .selectFrom(
        db
          .selectFrom('orders as o')
          .select(['o.buyer_id', sql<Date>`min(o.finished_at)`.as('first_at')])
          .where('o.status', 'in', [...DELIVERED])
          .where(notSandbox('o.buyer_id'))
          .groupBy('o.buyer_id')
          .as('firsts'),
      )
      .select([utcDay('firsts.first_at').as('day'), sql<string>`count(*)`.as('count')])
      .where('firsts.first_at', '>=', start)
      .where('firsts.first_at', '<', end)
      .groupBy(sql`1`)
      .execute(),
    db
      .selectFrom('orders as o')
      .innerJoin('accounts as a', 'a.id', 'o.buyer_id')
      .select(['a.role', sql<string>`count(distinct o.buyer_id)`.as('count')])
      .where('o.created_at', '>=', start)
      .where('o.created_at', '<', end)
      .where(notSandbox('o.buyer_id'))
      .groupBy('a.role')
      .execute(),
    finishedInPeriod
      .select([
        utcDay('o.finished_at').as('day'),
        'o.channel',
        'o.currency',
        sql<string>`count(*)`.as('orders'),
        sql<string>`sum(${gmvOf})`.as('gmv'),
        sql<string>`sum(${revenueOf})`.as('revenue'),
      ])
      .where('o.status', 'in', [...DELIVERED])
      .groupBy([sql`1`, 'o.channel', 'o.currency'])
      .orderBy(sql`1`)
      .orderBy('o.channel')
      .orderBy('o.currency')
      .execute(),
    finishedInPeriod
      .select(['o.status', sql<string>`count(*)`.as('count')])
      .where('o.status', 'in', ['completed', 'partially_completed', 'failed'])
      .groupBy('o.status')
      .execute(),
    finishedInPeriod
      .select([
        sql<number | null>`percentile_cont(0.5) within group (order by extract(epoch from o.finished_at - o.created_at))`.as('p50'),
        sql<number | null>`percentile_cont(0.99) within group (order by extract(epoch from o.finished_at - o.created_at))`.as('p99'),
      ])
      .where('o.status', 'in', [...DELIVERED])
      .executeTakeFirstOrThrow(),
    finishedInPeriod
      .select(['o.product_id', sql<string>`count(*)`.as('orders'), sql<string>`sum(o.cards_delivered)`.as('cards')])
      .where('o.status', 'in', [...DELIVERED])
      .groupBy('o.product_id')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy(sql`sum(o.cards_delivered)`, 'desc')
      .orderBy('o.product_id')
      .limit(TOP_PRODUCTS)
      .execute(),
    finishedInPeriod
      .select([
        'o.product_id',
        'o.currency',
        sql<string>`count(*)`.as('orders'),
        sql<string>`sum(o.cards_delivered)`.as('cards'),
        sql<string>`sum(${gmvOf})`.as('gmv'),
      ])
      .where('o.status', 'in', [...DELIVERED])
      .groupBy(['o.product_id', 'o.currency'])
      .orderBy(sql`sum(${gmvOf})`, 'desc')
      .orderBy('o.product_id')
      .limit(TOP_PRODUCTS)
      .execute(),
    finishedInPeriod
      .select(['o.number', sql<string>`count(*) over ()`.as('total')])
      .where('o.status', '=', 'failed')
      .orderBy('o.finished_at', 'desc')
      .orderBy('o.number', 'desc')
      .limit(ORDERS_SHOWN)
      .execute(),
    db
      .selectFrom('orders as o')
      .select(['o.number', 'o.created_at', sql<string>`count(*) over ()`.as('total')])
      .where('o.status', 'in', [...OPEN_STATUSES])
      .where('o.deadline_at', '<', now)
      .where(notSandbox('o.buyer_id'))
      .orderBy('o.created_at')
      .orderBy('o.number')
      .limit(ORDERS_SHOWN)
      .execute(),
  ]);

  const signupDays = new Map(daysOf(period).map((day) => [day, emptyRoles()]));
  const signupTotal = emptyRoles();
  for (const row of signups) {
    const day = signupDays.get(row.day);
    if (day) addRole(day, row.role, Number(row.count));
    addRole(signupTotal, row.role, Number(row.count));
  }
  const activationDays = new Map(daysOf(period).map((day) => [day, 0]));
  for (const row of activations) activationDays.set(row.day, Number(row.count));
  const activeRoles = emptyRoles();
  for (const row of active) addRole(activeRoles, row.role, Number(row.count));

  const salesByDay = sales.map((row) => ({
    date: row.day,
    channel: row.channel,
    orders: Number(row.orders),
    gmv: money(BigInt(row.gmv), row.currency),
    revenue: money(BigInt(row.revenue), row.currency),
  }));
  const totals = new Map<string, SalesRow>();
  for (const row of salesByDay) {
    const key = `${row.channel}:${row.gmv.currency}`;
    const total = totals.get(key) ?? { channel: row.channel, orders: 0, gmv: money(0n, row.gmv.currency), revenue: money(0n, row.gmv.currency) };
    totals.set(key, {
      channel: row.channel,
      orders: total.orders + row.orders,
      gmv: money(total.gmv.amount + row.gmv.amount, row.gmv.currency),
      revenue: money(total.revenue.amount + row.revenue.amount, row.gmv.currency),
    });
  }

  const outcome = (status: string) => Number(outcomes.find((row) => row.status === status)?.count ?? 0);
  const completed = outcome('completed');
  const partiallyCompleted = outcome('partially_completed');
  const failedCount = outcome('failed');
  const finished = completed + partiallyCompleted + failedCount;
  const seconds = (value: number | string | null) => (value === null ? null : Math.round(Number(value) * 1000) / 1000);

  return {
    period,
    signups: { total: signupTotal, days: [...signupDays].map(([date, counts]) => ({ date, ...counts })) },
    activations: {
      total: [...activationDays.values()].reduce((sum, count) => sum + count, 0),
      days: [...activationDays].map(([date, count]) => ({ date, count })),
    },
    active: activeRoles,
    sales: [...totals.values()].sort((a, b) => a.channel.localeCompare(b.channel) || a.gmv.currency.localeCompare(b.gmv.currency)),
    salesByDay,
    orders: {
      finished,
      completed,
      partiallyCompleted,
      failed: failedCount,
      successRate: finished === 0 ? null : completed / finished,
      completionSeconds: { p50: seconds(times.p50), p99: seconds(times.p99) },
    },
    topProducts: {
      byCount: byCount.map((row) => ({ productId: row.product_id.toString(), orders: Number(row.orders), cards: Number(row.cards) })),
      byGmv: byGmv.map((row) => ({
        productId: row.product_id.toString(),
        orders: Number(row.orders),
        cards: Number(row.cards),
        gmv: money(BigInt(row.gmv), row.currency),
      })),
    },
    failedOrders: { count: Number(failed[0]?.total ?? 0), recent: failed.map((row) => formatOrderNumber(row.number)) },
    stuckOrders: {
      count: Number(stuck[0]?.total ?? 0),
      oldestCreatedAt: stuck[0] ? new Date(stuck[0].created_at) : null,
      oldest: stuck.map((row) => formatOrderNumber(row.number)),
    },
  };
}
