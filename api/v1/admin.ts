// Admin endpoints (admin key): accounts, manual credit/debit, the audit log, API keys, platform metrics.
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import { createAccount, setAccountStatus, type Account } from '#src/domain/accounts/accounts.ts';
import { ACCOUNT_ROLES } from '#src/domain/accounts/accounts.tables.ts';
import { accountOverview, listAccounts } from '#src/domain/accounts/listing.ts';
import { accountActor } from '#src/domain/actor.ts';
import { apiKeySecret, findSandboxAccountId, issueApiKey, listApiKeys, revokeApiKey } from '#src/domain/api-keys/api-keys.ts';
import { queryAuditLog } from '#src/domain/audit/audit.ts';
import { creditWallet, debitWallet } from '#src/domain/funding/manual.ts';
import { MAX_METRICS_DAYS, resolveMetricsPeriod, type GrowthMetrics } from '#src/domain/usage/growth-metrics.ts';
import { platformMetrics } from '#src/domain/usage/platform-metrics.ts';
import { DomainError } from '#src/shared/errors.ts';
import { parseMoney, toJsonMoney } from '#src/shared/money.ts';
import type { ApiEnv } from '../env.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, Int8CursorSchema, MoneySchema, PageQuerySchema, SECURITY } from '../schemas.ts';
import { ApiKeySchema, IssuedApiKeySchema, presentApiKey, presentIssuedKey } from './keys.ts';

const AccountSchema = z
  .object({
    id: z.string().uuid(),
    role: z.enum(ACCOUNT_ROLES),
    name: z.string(),
    parentId: z.string().uuid().nullable(),
    status: z.enum(['active', 'paused']),
    currency: z.string(),
    createdAt: z.string().datetime(),
  })
  .openapi('Account');

const presentAccount = (account: Account) => ({
  id: account.id,
  role: account.role,
  name: account.name,
  parentId: account.parentId,
  status: account.status,
  currency: account.currency,
  createdAt: account.createdAt.toISOString(),
});

const IdParams = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const adminActor = (c: Context<ApiEnv>) => accountActor(c.var.principal.accountId, 'api');

const AdjustmentSchema = z.object({
  amount: AmountSchema.openapi({ example: '100.00' }),
  currency: z.string().regex(/^[A-Z]{3}$/).openapi({ example: 'USD' }),
  reason: z.string().min(1).max(500),
});
const AdjustmentHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'One key (up to 255 characters) per intended adjustment.' }),
});
const AdjustmentResultSchema = z
  .object({ transferId: z.string().uuid(), replayed: z.boolean(), balance: MoneySchema })
  .openapi('Adjustment');

// Growth and health figures of a period (src/domain/usage/growth-metrics.ts has the definitions).
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
    .object({ count: z.number().int(), oldestCreatedAt: z.string().datetime().nullable(), oldest: z.array(z.string()).openapi({ description: 'Up to 5 order numbers, oldest first.' }) })
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
  activations: { total: 1, days: [{ date: '2026-11-27', count: 1 }, { date: '2026-11-28', count: 0 }] },
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
    chargedLast24h: z.array(MoneySchema).openapi({ description: 'What finished orders created in the last 24 h were charged (delivered cards), per currency.' }),
    openOrders: z.object({ count: z.number().int(), oldestCreatedAt: z.string().datetime().nullable() }),
    webhookEvents: Counts({ status: z.string() }).openapi({ description: 'Events not delivered (yet): pending, retrying, dead.' }),
    walletBalances: z.array(MoneySchema).openapi({ description: 'Sum of customer wallet balances (what the platform owes), per currency.' }),
    ...GrowthMetricsShape,
  })
  .openapi('PlatformMetrics', { example: PLATFORM_METRICS_EXAMPLE });

/**
 * The ledger key of an adjustment. Ledger keys are at most 200 characters, so a client key longer
 * than 150 is kept as its SHA-256 (shorter ones stay readable, as they always were).
 */
function adjustmentKey(accountId: string, clientKey: string): string {
  const key = clientKey.length <= 150 ? clientKey : `sha256:${createHash('sha256').update(clientKey).digest('hex')}`;
  return `api:${accountId}:${key}`;
}

export function adminRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    createRoute({
      method: 'get',
      path: '/accounts',
      tags,
      summary: 'List accounts',
      security: SECURITY,
      request: { query: PageQuerySchema.extend({ role: z.enum(ACCOUNT_ROLES).optional(), status: z.enum(['active', 'paused']).optional() }) },
      responses: { 200: json(z.object({ data: z.array(AccountSchema), nextCursor: z.string().nullable() }), 'A page of accounts'), ...errorResponses() },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await listAccounts(ctx.db, adminActor(c), query);
      return c.json({ data: page.items.map(presentAccount), nextCursor: page.nextCursor }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/accounts',
      tags,
      summary: 'Create an account',
      description: 'A partner gets a sandbox account and a `sk_test_` key at once (the key is shown once). Issue live keys with POST /admin/accounts/{id}/api-keys.',
      security: SECURITY,
      request: body(
        z.object({
          role: z.enum(ACCOUNT_ROLES),
          name: z.string().min(1).max(200),
          currency: z.string().regex(/^[A-Z]{3}$/).optional(),
          parentId: z.string().uuid().optional(),
        }),
      ),
      responses: {
        201: json(
          z.object({
            account: AccountSchema,
            sandboxAccountId: z.string().uuid().nullable(),
            // Optional rather than nullable: the generator drops `null` beside a named schema's $ref.
            apiKey: IssuedApiKeySchema.optional().openapi({ description: 'Partners only: the first `sk_test_` key, shown once.' }),
          }),
          'The account',
        ),
        ...errorResponses({ 422: 'Refused by the hierarchy rules (e.g. `invalid_parent`, `currency_required`)' }),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const actor = adminActor(c);
      // A partner comes with its first key: both or neither.
      const { account, apiKey } = await ctx.db.transaction().execute(async (trx) => {
        const created = await createAccount(trx, actor, {
          role: input.role,
          name: input.name,
          parentId: input.parentId ?? null,
          ...(input.currency ? { currency: input.currency } : input.parentId ? {} : { currency: ctx.config.SETTLEMENT_CURRENCY }),
        });
        const key = created.role === 'partner' ? await issueApiKey(trx, apiKeySecret(ctx.config), actor, { accountId: created.id, mode: 'test' }) : null;
        return { account: created, apiKey: key };
      });
      return c.json(
        { account: presentAccount(account), sandboxAccountId: apiKey?.accountId ?? null, ...(apiKey ? { apiKey: presentIssuedKey(apiKey) } : {}) },
        201,
      );
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/accounts/{id}/${action}`,
        tags,
        summary: action === 'pause' ? 'Pause an account (its keys answer 403)' : 'Resume a paused account',
        security: SECURITY,
        request: { params: IdParams },
        responses: { 200: json(AccountSchema, 'The account'), ...errorResponses({ 404: 'No such account (`account_not_found`)' }) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const account = await setAccountStatus(ctx.db, adminActor(c), id, action === 'pause' ? 'paused' : 'active');
        return c.json(presentAccount(account), 200);
      },
    );
  }

  for (const direction of ['credit', 'debit'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/accounts/{id}/${direction}`,
        tags,
        summary: direction === 'credit' ? 'Credit a wallet (with a reason)' : 'Debit a wallet (with a reason)',
        description: 'Idempotent on the Idempotency-Key header: a retry with the same key and amount moves nothing (`replayed: true`).',
        security: SECURITY,
        request: { params: IdParams, headers: AdjustmentHeaders, ...body(AdjustmentSchema) },
        responses: {
          200: json(AdjustmentResultSchema, 'The transfer and the new balance'),
          ...errorResponses({
            402: 'The wallet holds less than the debit (`insufficient_funds`)',
            404: 'No such account (`account_not_found`)',
            409: 'The key was used for another adjustment (`idempotency_conflict`)',
            422: 'Wrong currency or amount (`currency_mismatch`, `invalid_amount`)',
          }),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const idempotencyKey = c.req.valid('header')['idempotency-key'];
        const amount = parseMoney(input.amount, input.currency);
        const adjust = direction === 'credit' ? creditWallet : debitWallet;
        const result = await adjust(ctx.db, adminActor(c), { accountId: id, amount, reason: input.reason, idempotencyKey: adjustmentKey(id, idempotencyKey) });
        // The adjustment moved money, so the account has a wallet and a balance.
        const { balance } = await accountOverview(ctx.db, adminActor(c), id);
        return c.json({ transferId: result.transfer.id, replayed: result.replayed, balance: toJsonMoney(balance!) }, 200);
      },
    );
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/audit-log',
      tags,
      summary: 'Query the audit log, newest first',
      security: SECURITY,
      request: {
        query: z.object({
          actorAccountId: z.string().uuid().optional(),
          subjectType: z.string().max(50).optional(),
          subjectId: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          from: z.string().datetime().optional(),
          to: z.string().datetime().optional(),
          cursor: Int8CursorSchema.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      responses: {
        200: json(
          z.object({
            data: z.array(
              z.object({
                id: z.string(),
                at: z.string().datetime(),
                actorAccountId: z.string().uuid().nullable(),
                channel: z.string(),
                action: z.string(),
                subject: z.object({ type: z.string(), id: z.string() }),
                before: z.unknown(),
                after: z.unknown(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          'A page of audit rows',
        ),
        ...errorResponses({ 422: 'subjectType without subjectId or the reverse (`invalid_filter`)' }),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      if ((query.subjectType === undefined) !== (query.subjectId === undefined)) {
        throw new DomainError('invalid_filter', 'subjectType and subjectId go together');
      }
      const rows = await queryAuditLog(ctx.db, adminActor(c), {
        ...(query.actorAccountId ? { actorAccountId: query.actorAccountId } : {}),
        ...(query.subjectType && query.subjectId ? { subject: { type: query.subjectType, id: query.subjectId } } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.cursor ? { beforeId: BigInt(query.cursor) } : {}),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return c.json(
        {
          data: page.map((row) => ({
            id: row.id.toString(),
            at: row.at.toISOString(),
            actorAccountId: row.actor_account_id,
            channel: row.channel,
            action: row.action,
            subject: { type: row.subject_type, id: row.subject_id },
            before: row.before,
            after: row.after,
          })),
          nextCursor: rows.length > query.limit ? (page.at(-1)?.id.toString() ?? null) : null,
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/api-keys',
      tags,
      summary: 'The API keys of an account and of its sandbox (never the keys themselves)',
      security: SECURITY,
      request: { params: IdParams },
      responses: { 200: json(z.object({ data: z.array(ApiKeySchema), sandboxAccountId: z.string().uuid().nullable() }), 'Keys'), ...errorResponses({ 404: 'No such account' }) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const keys = await listApiKeys(ctx.db, adminActor(c), id);
      return c.json({ data: keys.map(presentApiKey), sandboxAccountId: await findSandboxAccountId(ctx.db, id) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/api-keys',
      tags,
      summary: 'Issue an API key (shown once)',
      description: '`live` keys act on the account; `test` keys on the partner\'s sandbox account. Admin accounts get live keys.',
      security: SECURITY,
      request: {
        params: IdParams,
        ...body(
          z.object({
            mode: z.enum(['live', 'test']),
            ipAllowlist: z.array(z.string().max(50)).max(50).optional().openapi({ description: 'IPv4/IPv6 addresses or CIDR blocks; omit for anywhere.' }),
          }),
        ),
      },
      responses: {
        201: json(IssuedApiKeySchema, 'The new key'),
        ...errorResponses({ 404: 'No such account', 422: 'This account cannot have such a key (`api_key_not_allowed`), or a bad allowlist (`invalid_ip_allowlist`)' }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { mode, ipAllowlist } = c.req.valid('json');
      const issued = await issueApiKey(ctx.db, apiKeySecret(ctx.config), adminActor(c), { accountId: id, mode, ipAllowlist: ipAllowlist ?? null });
      return c.json(presentIssuedKey(issued), 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api-keys/{id}/revoke',
      tags,
      summary: 'Revoke an API key now',
      security: SECURITY,
      request: { params: IdParams },
      responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorResponses({ 404: 'No such key (`api_key_not_found`)' }) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(presentApiKey(await revokeApiKey(ctx.db, adminActor(c), id)), 200);
    },
  );

  router.openapi(
    createRoute({
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
