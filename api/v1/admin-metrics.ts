// Admin endpoint (admin key): platform figures, growth and health over a period.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { MAX_METRICS_DAYS, resolveMetricsPeriod, type GrowthMetrics } from '#src/domain/growth/metrics.ts';
import { platformMetrics } from '#src/domain/usage/platform-metrics.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { adminActor, json } from './admin-helpers.ts';

// Growth and health figures of a period (src/domain/growth/metrics.ts has the definitions).
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const RoleCountsSchema = z.object({ partners: z.number().int(), agents: z.number().int(), subAgents: z.number().int() });
const SalesSchema = z.object({ channel: z.string(), orders: z.number().int(), gmv: MoneySchema, revenue: MoneySchema });
const GrowthMetricsShape = {
  period: z.object({ from: Day, to: Day }).openapi({ description: 'Whole UTC days, both included.' }),
  signups: z
    .object({ total: RoleCountsSchema, days: z.array(RoleCountsSchema.extend({ date: Day })) })
    .openapi({ description: 'Accounts created, by role and UTC day (every day of the period). Sandbox and admin accounts are not counted.' }),
  activations: z
    .object({ total: z.number().int(), days: z.array(z.object({ date: Day, count: z.number().int() })) })
    .openapi({ description: 'Accounts whose first order with delivered cards finished in the period, per day.' }),
  active: RoleCountsSchema.openapi({ description: 'Accounts that created at least one order in the period.' }),
  sales: z.array(SalesSchema).openapi({
    description:
      'Orders that finished in the period with delivered cards, per channel (`telegram`, `api`) and wallet currency. `gmv` = what buyers were charged for delivered cards; `revenue` = the platform margin booked on the ledger `revenue` account at settlement (after vendor cost and revenue share).',
  }),
  salesByDay: z.array(SalesSchema.extend({ date: Day })).openapi({ description: 'The same per UTC day the orders finished; days without sales are left out.' }),
  orders: z
    .object({
      finished: z.number().int(),
      completed: z.number().int(),
      partiallyCompleted: z.number().int(),
      failed: z.number().int(),
      successRate: z.number().nullable().openapi({ description: 'completed ÷ finished; null when none finished.' }),
      completionSeconds: z
        .object({ p50: z.number().nullable(), p99: z.number().nullable() })
        .openapi({ description: 'Creation to finish of orders that delivered cards (percentile_cont), in seconds.' }),
    })
    .openapi({ description: 'Orders that finished in the period.' }),
  topProducts: z.object({
    byCount: z.array(z.object({ productId: z.string(), orders: z.number().int(), cards: z.number().int() })),
    byGmv: z.array(z.object({ productId: z.string(), orders: z.number().int(), cards: z.number().int(), gmv: MoneySchema })),
  }),
  failedOrders: z.object({ count: z.number().int(), recent: z.array(z.string()).openapi({ description: 'Up to 5 order numbers, latest first.' }) }),
  stuckOrders: z
    .object({
      count: z.number().int(),
      oldestCreatedAt: z.string().datetime().nullable(),
      oldest: z.array(z.string()).openapi({ description: 'Up to 5 order numbers, oldest first.' }),
    })
    .openapi({ description: 'Open orders past their deadline now (not limited to the period).' }),
};

const usd = (amount: string) => ({ amount, currency: 'USD' });
const PLATFORM_METRICS_EXAMPLE = {
  at: '2026-11-28T09:00:00.000Z',
  accounts: [{ role: 'partner', status: 'active', count: 12 }],
  ordersLast24h: [{ status: 'completed', count: 40 }],
  chargedLast24h: [usd('1200.00')],
  openOrders: { count: 1, oldestCreatedAt: '2026-11-28T08:59:30.000Z' },
  webhookEvents: [],
  walletBalances: [usd('5300.00')],
  period: { from: '2026-11-27', to: '2026-11-28' },
  signups: {
    total: { partners: 2, agents: 1, subAgents: 3 },
    days: [
      { date: '2026-11-27', partners: 1, agents: 1, subAgents: 3 },
      { date: '2026-11-28', partners: 1, agents: 0, subAgents: 0 },
    ],
  },
  activations: {
    total: 1,
    days: [
      { date: '2026-11-27', count: 1 },
      { date: '2026-11-28', count: 0 },
    ],
  },
  active: { partners: 4, agents: 2, subAgents: 5 },
  sales: [
    { channel: 'api', orders: 30, gmv: usd('900.00'), revenue: usd('27.00') },
    { channel: 'telegram', orders: 12, gmv: usd('300.00'), revenue: usd('12.50') },
  ],
  salesByDay: [
    { date: '2026-11-27', channel: 'api', orders: 30, gmv: usd('900.00'), revenue: usd('27.00') },
    { date: '2026-11-28', channel: 'telegram', orders: 12, gmv: usd('300.00'), revenue: usd('12.50') },
  ],
  orders: { finished: 44, completed: 41, partiallyCompleted: 1, failed: 2, successRate: 0.9318, completionSeconds: { p50: 3.2, p99: 41.5 } },
  topProducts: {
    byCount: [{ productId: '439685', orders: 20, cards: 31 }],
    byGmv: [{ productId: '439685', orders: 20, cards: 31, gmv: usd('620.00') }],
  },
  failedOrders: { count: 2, recent: ['ST-000131', 'ST-000120'] },
  stuckOrders: { count: 0, oldestCreatedAt: null, oldest: [] },
};

/** The JSON form of the growth figures (money as decimal strings, times as RFC 3339). */
export function presentGrowthMetrics(metrics: GrowthMetrics) {
  const sales = (row: GrowthMetrics['sales'][number]) => ({ ...row, gmv: toJsonMoney(row.gmv), revenue: toJsonMoney(row.revenue) });
  return {
    period: metrics.period,
    signups: metrics.signups,
    activations: metrics.activations,
    active: metrics.active,
    sales: metrics.sales.map(sales),
    salesByDay: metrics.salesByDay.map((row) => ({ date: row.date, ...sales(row) })),
    orders: metrics.orders,
    topProducts: { byCount: metrics.topProducts.byCount, byGmv: metrics.topProducts.byGmv.map((row) => ({ ...row, gmv: toJsonMoney(row.gmv) })) },
    failedOrders: metrics.failedOrders,
    stuckOrders: { ...metrics.stuckOrders, oldestCreatedAt: metrics.stuckOrders.oldestCreatedAt?.toISOString() ?? null },
  };
}

const Counts = <T extends z.ZodRawShape>(shape: T) => z.array(z.object({ ...shape, count: z.number().int() }));
const PlatformMetricsSchema = z
  .object({
    at: z.string().datetime(),
    accounts: Counts({ role: z.string(), status: z.string() }),
    ordersLast24h: Counts({ status: z.string() }),
    chargedLast24h: z
      .array(MoneySchema)
      .openapi({ description: 'What finished orders created in the last 24 h were charged (delivered cards), per currency.' }),
    openOrders: z.object({ count: z.number().int(), oldestCreatedAt: z.string().datetime().nullable() }),
    webhookEvents: Counts({ status: z.string() }).openapi({ description: 'Events not delivered (yet): pending, retrying, dead.' }),
    walletBalances: z.array(MoneySchema).openapi({ description: 'Sum of customer wallet balances (what the platform owes), per currency.' }),
    ...GrowthMetricsShape,
  })
  .openapi('PlatformMetrics', { example: PLATFORM_METRICS_EXAMPLE });

export function adminMetricsRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/metrics',
      tags,
      summary: 'Platform figures: growth and health over a period, orders and charges of the last 24 h, open orders, webhook backlog, wallet totals',
      description:
        'The period is whole UTC days: `from` and/or `to` (YYYY-MM-DD, both included), or `days` ending today; by default the last 30 days. Process metrics for monitoring systems are at `GET /metrics` (Prometheus, not under /v1).',
      security: SECURITY,
      request: {
        query: z.object({
          from: Day.optional().openapi({ example: '2026-11-01' }),
          to: Day.optional().openapi({ example: '2026-11-30' }),
          days: z.coerce.number().int().min(1).max(MAX_METRICS_DAYS).optional().openapi({ example: 30 }),
        }),
      },
      responses: {
        200: json(PlatformMetricsSchema, 'The figures now'),
        ...errorResponses({ 422: `A bad period (\`invalid_period\`): from after to, days with from/to, more than ${MAX_METRICS_DAYS} days` }),
      },
    }),
    async (c) => {
      const period = resolveMetricsPeriod(c.req.valid('query'));
      const metrics = await platformMetrics(ctx.db, adminActor(c), { period });
      return c.json(
        {
          ...metrics,
          ...presentGrowthMetrics(metrics),
          at: metrics.at.toISOString(),
          chargedLast24h: metrics.chargedLast24h.map(toJsonMoney),
          openOrders: { count: metrics.openOrders.count, oldestCreatedAt: metrics.openOrders.oldestCreatedAt?.toISOString() ?? null },
          walletBalances: metrics.walletBalances.map(toJsonMoney),
        },
        200,
      );
    },
  );

  return router;
}
