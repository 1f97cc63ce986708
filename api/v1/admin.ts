// Admin endpoints (admin key): accounts, manual credit/debit, the audit log, API keys, platform metrics.
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import { createAccount, setAccountStatus, type Account } from '#src/domain/accounts/accounts.ts';
import { ACCOUNT_ROLES } from '#src/domain/accounts/accounts.tables.ts';
import { listAccounts } from '#src/domain/accounts/listing.ts';
import { accountActor } from '#src/domain/actor.ts';
import { apiKeySecret, findSandboxAccountId, issueApiKey, listApiKeys, revokeApiKey } from '#src/domain/api-keys/api-keys.ts';
import { queryAuditLog } from '#src/domain/audit/audit.ts';
import { creditWallet, debitWallet } from '#src/domain/funding/manual.ts';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { platformMetrics } from '#src/domain/usage/platform-metrics.ts';
import { DomainError } from '#src/shared/errors.ts';
import { parseMoney, toJsonMoney } from '#src/shared/money.ts';
import type { ApiEnv } from '../env.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, PageQuerySchema, SECURITY } from '../schemas.ts';
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
  amount: z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal string such as 10.00').openapi({ example: '100.00' }),
  currency: z.string().regex(/^[A-Z]{3}$/).openapi({ example: 'USD' }),
  reason: z.string().min(1).max(500),
});
const AdjustmentHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'One key (up to 255 characters) per intended adjustment.' }),
});
const AdjustmentResultSchema = z
  .object({ transferId: z.string().uuid(), replayed: z.boolean(), balance: MoneySchema })
  .openapi('Adjustment');

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
  })
  .openapi('PlatformMetrics');

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
        const balance = await walletBalance(ctx.db, id);
        return c.json({ transferId: result.transfer.id, replayed: result.replayed, balance: toJsonMoney(balance) }, 200);
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
          cursor: z.string().regex(/^\d{1,19}$/).optional(),
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
      const rows = await queryAuditLog(ctx.db, {
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
      summary: 'Platform figures: accounts, orders and charges of the last 24 h, open orders, webhook backlog, wallet totals',
      description: 'Process metrics for monitoring systems are at `GET /metrics` (Prometheus, not under /v1).',
      security: SECURITY,
      responses: { 200: json(PlatformMetricsSchema, 'The figures now'), ...errorResponses() },
    }),
    async (c) => {
      const metrics = await platformMetrics(ctx.db, adminActor(c));
      return c.json(
        {
          ...metrics,
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
