// A partner's agent network (B2B2C, docs/api.md, Agents): invite agents into the bot, list them
// with their balances, move money between the partner's wallet and theirs, pause and resume them,
// read their orders. The rules (direct children only, paused accounts, no agents under a sandbox
// account) are the domain's: `createInvite`, `childSummaries`, `allocate` / `reclaim`,
// `setAccountStatus`, `listOrders`.
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import { getDirectChild, resolvePrincipal, setAccountStatus } from '#src/domain/accounts/accounts.ts';
import { createInvite, inviteDeepLink } from '#src/domain/accounts/invites.ts';
import { childSummaries, childSummary, type ChildSummary } from '#src/domain/accounts/network.ts';
import { accountActor } from '#src/domain/actor.ts';
import { allocate, reclaim } from '#src/domain/funding/allocation.ts';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { monthOf } from '#src/domain/month.ts';
import { listOrders } from '#src/domain/orders/orders.ts';
import { ORDER_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { DomainError } from '#src/shared/errors.ts';
import { parseMoney, toJsonMoney } from '#src/shared/money.ts';
import type { ApiEnv } from '../env.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { OrderPageSchema, presentOrders } from './orders.ts';

const DEFAULT_INVITE_DAYS = 7;

const AgentSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    status: z.enum(['active', 'paused']),
    telegramLinked: z.boolean().openapi({ description: 'Whether a Telegram user joined with the invite (always true for an agent made by an invite).' }),
    balance: MoneySchema,
    monthSales: MoneySchema.openapi({ description: "What the agent's orders of this calendar month (UTC) were charged, net of refunds." }),
    createdAt: z.string().datetime(),
  })
  .openapi('Agent');

const presentAgent = ({ account, balance, monthSales }: ChildSummary) => ({
  id: account.id,
  name: account.name,
  status: account.status,
  telegramLinked: account.telegramUserId !== null,
  balance: toJsonMoney(balance),
  monthSales: toJsonMoney(monthSales),
  createdAt: account.createdAt.toISOString(),
});

const AgentInviteSchema = z
  .object({
    id: z.string().uuid(),
    token: z.string().openapi({ description: 'One-time token: the agent sends `/start <token>` to the bot, or opens `link`.' }),
    link: z
      .string()
      .nullable()
      .openapi({ description: 'The bot deep link `https://t.me/<bot>?start=<token>`; null when the server has no TELEGRAM_BOT_USERNAME configured.' }),
    name: z.string().nullable(),
    expiresAt: z.string().datetime(),
  })
  .openapi('AgentInvite');

const MoveSchema = z.object({
  amount: AmountSchema.openapi({ example: '50.00' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .openapi({ example: 'USD' }),
});
const MoveHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description: 'One key (up to 255 characters) per intended movement; a retry with it moves nothing.',
    }),
});
const MoveResultSchema = z
  .object({
    transferId: z.string().uuid(),
    replayed: z.boolean().openapi({ description: 'True when the key was used before: the first transfer, nothing moved now.' }),
    agentBalance: MoneySchema,
    walletBalance: MoneySchema.openapi({ description: "The partner's own wallet after it." }),
  })
  .openapi('AgentTransfer');

const AgentParams = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** The partner's key: a live key acts on the partner, a test key on its sandbox (which has no agents). */
const partnerActor = (c: Context<ApiEnv>) => accountActor(partnerPrincipal(c).accountId, 'api');

/**
 * The ledger key of a movement through the API: the partner's client key, scoped to the partner (two
 * partners may use the same key). Ledger keys are at most 200 characters, so a client key longer
 * than 100 is kept as its SHA-256.
 */
function movementKey(partnerId: string, clientKey: string): string {
  const key = clientKey.length <= 100 ? clientKey : `sha256:${createHash('sha256').update(clientKey).digest('hex')}`;
  return `api:${partnerId}:${key}`;
}

export function agentRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Agents'];

  router.openapi(
    defineRoute({
      permission: 'agents:invite',
      method: 'post',
      path: '/agent-invites',
      tags,
      summary: 'Invite an agent into the bot, under you',
      description:
        'A one-time invite (single use, revocable, valid `expiresInDays`, default 7). Whoever opens the link in Telegram becomes your agent: they order cards in the bot with the money you allocate to them. Live keys only: a sandbox account has no agents (`sandbox_account_cannot_have_children`).',
      security: SECURITY,
      request: {
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z.object({
                name: z.string().trim().min(1).max(200).optional().openapi({ description: "The agent's name (default: their Telegram name)." }),
                expiresInDays: z.number().int().min(1).max(30).optional().openapi({ description: 'Default 7.' }),
              }),
            },
          },
        },
      },
      responses: {
        201: { description: 'The invite', content: { 'application/json': { schema: AgentInviteSchema } } },
        ...errorResponses({ 422: 'A test key (`sandbox_account_cannot_have_children`)' }),
      },
    }),
    async (c) => {
      // The body is optional: without one (no JSON content type) the defaults apply.
      const input: { name?: string | undefined; expiresInDays?: number } = c.req.valid('json') ?? {};
      const { invite, token } = await createInvite(ctx.db, partnerActor(c), {
        role: 'agent',
        ...(input.name ? { name: input.name } : {}),
        ttlMs: (input.expiresInDays ?? DEFAULT_INVITE_DAYS) * 24 * 3600 * 1000,
      });
      const username = ctx.config.TELEGRAM_BOT_USERNAME;
      return c.json(
        { id: invite.id, token, link: username ? inviteDeepLink(username, token) : null, name: invite.name, expiresAt: invite.expiresAt.toISOString() },
        201,
      );
    },
  );

  router.openapi(
    defineRoute({
      permission: 'agents:read',
      method: 'get',
      path: '/agents',
      tags,
      summary: 'Your agents with their balances',
      description: 'Oldest first. A test key sees none (a sandbox account has no agents).',
      security: SECURITY,
      request: {
        query: z.object({
          cursor: z.string().max(20).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
          limit: z.coerce.number().int().min(1).max(100).default(50),
        }),
      },
      responses: {
        200: {
          description: 'A page of agents',
          content: { 'application/json': { schema: z.object({ data: z.array(AgentSchema), nextCursor: z.string().nullable() }).openapi('AgentPage') } },
        },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid('query');
      if (cursor !== undefined && !/^\d{1,9}$/.test(cursor)) throw new DomainError('invalid_cursor', 'not a cursor from this list');
      const offset = cursor === undefined ? 0 : Number(cursor);
      const page = await childSummaries(ctx.db, partnerActor(c), { month: monthOf(new Date()).label, offset, limit });
      const next = offset + page.items.length;
      return c.json({ data: page.items.map(presentAgent), nextCursor: next < page.total ? String(next) : null }, 200);
    },
  );

  for (const direction of ['allocate', 'reclaim'] as const) {
    router.openapi(
      defineRoute({
        permission: 'agents:fund',
        method: 'post',
        path: `/agents/{id}/${direction}`,
        tags,
        summary: direction === 'allocate' ? "Move money from your wallet to an agent's" : "Take unspent money back from an agent's wallet into yours",
        description:
          'One ledger transfer, idempotent on the Idempotency-Key header: a retry with the same key and body moves nothing (`replayed: true`); the same key for another movement is `409 idempotency_conflict`.' +
          (direction === 'allocate' ? ' A paused agent cannot be allocated to.' : ' Reclaiming from a paused agent is allowed.'),
        security: SECURITY,
        request: { params: AgentParams, headers: MoveHeaders, body: { required: true, content: { 'application/json': { schema: MoveSchema } } } },
        responses: {
          200: { description: 'The transfer and both balances after it', content: { 'application/json': { schema: MoveResultSchema } } },
          ...errorResponses({
            402: `The ${direction === 'allocate' ? 'your' : "agent's"} wallet holds less (\`insufficient_funds\`, with \`balance\`)`,
            403: 'Not one of your agents (`not_direct_child`), or a paused agent or account (`account_paused`)',
            409: 'The key was used for another movement (`idempotency_conflict`)',
            422: 'Wrong currency or amount (`currency_mismatch`, `invalid_amount`)',
          }),
        },
      }),
      async (c) => {
        const actor = partnerActor(c);
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const move = direction === 'allocate' ? allocate : reclaim;
        const result = await move(ctx, actor, {
          childId: id,
          amount: parseMoney(input.amount, input.currency),
          idempotencyKey: movementKey(actor.accountId!, c.req.valid('header')['idempotency-key']),
        });
        return c.json(
          {
            transferId: result.transfer.id,
            replayed: result.replayed,
            agentBalance: toJsonMoney(await walletBalance(ctx.db, id)),
            walletBalance: toJsonMoney(await walletBalance(ctx.db, actor.accountId!)),
          },
          200,
        );
      },
    );
  }

  for (const action of ['pause', 'resume'] as const) {
    router.openapi(
      defineRoute({
        permission: 'agents:manage',
        method: 'post',
        path: `/agents/{id}/${action}`,
        tags,
        summary: action === 'pause' ? 'Pause an agent: it cannot order or receive money (its sub-agents cannot order either)' : 'Resume a paused agent',
        description: 'Audited. Pausing a paused agent (or resuming an active one) changes nothing. Its pending orders still finish.',
        security: SECURITY,
        request: { params: AgentParams },
        responses: {
          200: { description: 'The agent', content: { 'application/json': { schema: AgentSchema } } },
          ...errorResponses({ 403: 'Not one of your agents (`not_direct_child`)' }),
        },
      }),
      async (c) => {
        const actor = partnerActor(c);
        const account = await setAccountStatus(ctx.db, actor, c.req.valid('param').id, action === 'pause' ? 'paused' : 'active');
        return c.json(presentAgent(await childSummary(ctx.db, actor, account, monthOf(new Date()).label)), 200);
      },
    );
  }

  router.openapi(
    defineRoute({
      permission: 'agents:read',
      method: 'get',
      path: '/agents/{id}/orders',
      tags,
      summary: "An agent's orders, newest first (never with cards)",
      description: "The cards are the agent's: they are delivered to the agent in the bot, never over the API.",
      security: SECURITY,
      request: {
        params: AgentParams,
        query: z.object({
          cursor: z.string().max(20).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          status: z.enum(ORDER_STATUSES).optional(),
        }),
      },
      responses: {
        200: { description: 'A page of orders', content: { 'application/json': { schema: OrderPageSchema } } },
        ...errorResponses({
          400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)',
          403: 'Not one of your agents (`not_direct_child`)',
        }),
      },
    }),
    async (c) => {
      const actor = partnerActor(c);
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      // An unknown id and another partner's agent answer the same (no probing of the tree).
      await getDirectChild(ctx.db, await resolvePrincipal(ctx.db, actor), id);
      const page = await listOrders(ctx.db, actor, {
        buyerId: id,
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.status ? { status: query.status } : {}),
      });
      return c.json({ data: await presentOrders(ctx.db, page.orders), nextCursor: page.nextCursor }, 200);
    },
  );

  return router;
}
