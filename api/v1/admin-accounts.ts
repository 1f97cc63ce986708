// Admin endpoints (admin key) for accounts: list, create (a partner with its sandbox and first test
// key), pause and resume, and manual credit and debit of a wallet.
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { createAccount, setAccountStatus, type Account } from '#src/domain/accounts/accounts.ts';
import { ACCOUNT_ROLES } from '#src/domain/accounts/accounts.tables.ts';
import { accountOverview, listAccounts } from '#src/domain/accounts/listing.ts';
import { apiKeySecret, issueApiKey } from '#src/domain/api-keys/api-keys.ts';
import { creditWallet, debitWallet } from '#src/domain/funding/manual.ts';
import { parseMoney, toJsonMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, PageQuerySchema, SECURITY } from '../schemas.ts';
import { adminActor, body, IdParams, json } from './admin-helpers.ts';
import { IssuedApiKeySchema, presentIssuedKey } from './keys.ts';

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

const AdjustmentSchema = z.object({
  amount: AmountSchema.openapi({ example: '100.00' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .openapi({ example: 'USD' }),
  reason: z.string().min(1).max(500),
});
const AdjustmentHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'One key (up to 255 characters) per intended adjustment.' }),
});
const AdjustmentResultSchema = z.object({ transferId: z.string().uuid(), replayed: z.boolean(), balance: MoneySchema }).openapi('Adjustment');

/**
 * The ledger key of an adjustment. Ledger keys are at most 200 characters, so a client key longer
 * than 150 is kept as its SHA-256 (shorter ones stay readable, as they always were).
 */
function adjustmentKey(accountId: string, clientKey: string): string {
  const key = clientKey.length <= 150 ? clientKey : `sha256:${createHash('sha256').update(clientKey).digest('hex')}`;
  return `api:${accountId}:${key}`;
}

export function adminAccountRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
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
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/accounts',
      tags,
      summary: 'Create an account',
      description:
        'A partner gets a sandbox account and a `sk_test_` key at once (the key is shown once). Issue live keys with POST /admin/accounts/{id}/api-keys.',
      security: SECURITY,
      request: body(
        z.object({
          role: z.enum(ACCOUNT_ROLES),
          name: z.string().min(1).max(200),
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/)
            .optional(),
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
      defineRoute({
        permission: 'admin',
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
      defineRoute({
        permission: 'admin',
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

  return router;
}
