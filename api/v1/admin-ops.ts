// Operations views for admins (admin key): job queues, failed and dead-lettered work and its retry
// (audited), the vendor view (Bamboo accounts and balances, last sync runs, error rate) and the
// orders waiting for an operator (`needs_attention`).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import { databaseJobControl, failedJobs, queueSummaries, retryFailedWork } from '#src/ops/jobs.ts';
import { ordersNeedingAttention } from '#src/ops/orders.ts';
import { vendorView } from '#src/ops/vendor.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { adminActor, json } from './admin-helpers.ts';
import { SalesPauseSchema, salesPauseJson } from './admin-vendor.ts';

const QueueName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9._-]+$/i, 'a queue name such as orders.place');

const QueueSummarySchema = z
  .object({
    queue: z.string(),
    waiting: z.number().int(),
    active: z.number().int(),
    failed: z.number().int(),
    oldestWaitingSince: z.string().datetime().nullable().openapi({ description: 'Created time of the oldest job still waiting.' }),
  })
  .openapi('QueueSummary');

const FailedJobSchema = z
  .object({
    queue: z.string().openapi({ description: 'Where the job is now (a `.dead` queue for a dead-lettered job).' }),
    id: z.string().uuid(),
    failedIn: z.string().openapi({ description: 'The queue whose handler failed.' }),
    error: z.string(),
    retryCount: z.number().int(),
    createdAt: z.string().datetime(),
  })
  .openapi('FailedJob');

const RetriedSchema = z.object({ data: z.array(z.object({ queue: z.string(), id: z.string() })) }).openapi('RetriedJobs');

const VendorViewSchema = z
  .object({
    accounts: z
      .array(z.object({ id: z.number().int(), balance: MoneySchema, isActive: z.boolean(), sandboxMode: z.boolean() }))
      .nullable()
      .openapi({
        description:
          'Bamboo accounts as read at most 15 s ago (one read serves every view meanwhile); null when Bamboo could not be asked (see accountsError).',
      }),
    accountsError: z.string().nullable(),
    floats: z
      .array(
        z.object({
          book: z.enum(['live', 'sandbox']),
          currency: z.string(),
          balance: MoneySchema.openapi({ description: 'What Bamboo last reported.' }),
          refreshedAt: z.string().datetime(),
          held: MoneySchema.openapi({ description: 'Vendor cost of orders accepted, not yet bought.' }),
          boughtSince: MoneySchema.openapi({ description: 'Vendor cost of orders bought since that balance was read.' }),
          left: MoneySchema.openapi({ description: 'What new orders may still take; an order it cannot cover is refused (`vendor_float_exhausted`).' }),
          hourlySales: MoneySchema,
          hoursLeft: z.number().nullable(),
        }),
      )
      .openapi({ description: 'The vendor float per book and currency.' }),
    breaker: z
      .object({
        state: z.enum(['closed', 'open', 'half_open']),
        openUntil: z.string().datetime().nullable(),
        trippedAt: z.string().datetime().nullable(),
        failures: z.number().int(),
        windowSeconds: z.number().int(),
        cooldownSeconds: z.number().int(),
      })
      .nullable()
      .openapi({ description: 'The vendor breaker: open pauses placements; null when its shared state could not be read.' }),
    pauses: z.array(SalesPauseSchema).openapi({ description: 'Open sales pauses.' }),
    syncs: z
      .array(
        z.object({
          kind: z.string().openapi({ example: 'catalog.delta' }),
          status: z.string().openapi({ example: 'succeeded' }),
          startedAt: z.string().datetime(),
          finishedAt: z.string().datetime().nullable(),
          counts: z.record(z.string(), z.number()),
          error: z.string().nullable(),
        }),
      )
      .openapi({ description: 'The newest catalog sync run of each kind and the newest FX sync.' }),
    errorRate: z.object({ calls: z.number().int(), failures: z.number().int(), rate: z.number().nullable() }).openapi({
      description: 'Bamboo calls over the last hour; failed: no answer, 429 or 5xx.',
    }),
  })
  .openapi('VendorView');

const OrderNeedingAttentionSchema = z
  .object({
    id: z.string().uuid(),
    number: z.string().openapi({ example: 'ST-000123' }),
    buyerId: z.string(),
    total: MoneySchema.openapi({ description: 'Held in order clearing until an operator resolves the order.' }),
    reason: z.string().openapi({ description: '`vendor_lost_order` (Bamboo has no such order after it may have accepted it) or `vendor_cards_contradict`.' }),
    problem: z.string().nullable().openapi({ description: "What Bamboo's card list had wrong (for `vendor_cards_contradict`)." }),
    since: z.string().datetime(),
  })
  .openapi('OrderNeedingAttention');

/** `queues`: what the operations views show and retry (the root passes every bound queue). */
export function adminOpsRoutes(ctx: AppContext, queues: readonly QueueContract[]) {
  const router = createRouter();
  const tags = ['Admin: operations'];
  const control = databaseJobControl(ctx.db, ctx.jobs, queues);

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/ops/queues',
      tags,
      summary: 'Waiting, active and failed jobs per queue, with the oldest waiting job',
      security: SECURITY,
      responses: { 200: json(z.object({ data: z.array(QueueSummarySchema) }), 'Every queue (dead-letter queues when not empty)'), ...errorResponses() },
    }),
    async (c) => {
      const summaries = await queueSummaries(
        ctx.db,
        adminActor(c),
        queues.map((queue) => queue.name),
      );
      return c.json({ data: summaries.map((row) => ({ ...row, oldestWaitingSince: row.oldestWaitingSince?.toISOString() ?? null })) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/ops/failed',
      tags,
      summary: 'Failed and dead-lettered jobs with their error, newest first',
      description: 'Job payloads are not shown (they may carry customer data); the CLI `steller ops failed --json` shows them to operators.',
      security: SECURITY,
      request: { query: z.object({ queue: QueueName.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: json(z.object({ data: z.array(FailedJobSchema) }), 'Failed work'), ...errorResponses() },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const jobs = await failedJobs(ctx.db, adminActor(c), {
        ...(query.queue ? { queue: query.queue } : {}),
        limit: query.limit,
      });
      return c.json(
        {
          data: jobs.map((job) => ({
            queue: job.queue,
            id: job.id,
            failedIn: job.failedIn,
            error: job.error,
            retryCount: job.retryCount,
            createdAt: job.createdAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/ops/retry',
      tags,
      summary: 'Run failed work again: one job by id, or every failed job of a queue (audited)',
      security: SECURITY,
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.union([
                z
                  .object({ queue: QueueName.openapi({ description: "The job's queue (a `.dead` queue for a dead-lettered job)." }), id: z.string().uuid() })
                  .strict(),
                z.object({ queue: QueueName, all: z.literal(true) }).strict(),
              ]),
            },
          },
        },
      },
      responses: {
        200: json(RetriedSchema, 'What was put back (a dead-lettered job gets a new id in its queue)'),
        ...errorResponses({ 404: 'No such failed job (`job_not_found`)' }),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const actor = adminActor(c);
      const retried = await retryFailedWork(control, ctx.db, actor, 'id' in input ? { queue: input.queue, id: input.id } : { queue: input.queue, all: true });
      return c.json({ data: retried }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/ops/vendor',
      tags,
      summary: 'Bamboo accounts and balances, the float, the breaker, sales pauses, the last catalog and FX syncs, the vendor error rate',
      security: SECURITY,
      responses: { 200: json(VendorViewSchema, 'The vendor now'), ...errorResponses() },
    }),
    async (c) => {
      const view = await vendorView(ctx, adminActor(c));
      return c.json(
        {
          accounts: view.accounts?.map((account) => ({ ...account, balance: toJsonMoney(account.balance) })) ?? null,
          accountsError: view.accountsError,
          floats: view.floats.map((float) => ({
            ...float,
            balance: toJsonMoney(float.balance),
            refreshedAt: float.refreshedAt.toISOString(),
            held: toJsonMoney(float.held),
            boughtSince: toJsonMoney(float.boughtSince),
            left: toJsonMoney(float.left),
            hourlySales: toJsonMoney(float.hourlySales),
          })),
          breaker: view.breaker && {
            ...view.breaker,
            openUntil: view.breaker.openUntil?.toISOString() ?? null,
            trippedAt: view.breaker.trippedAt?.toISOString() ?? null,
          },
          pauses: view.pauses.map(salesPauseJson),
          syncs: view.syncs.map((run) => ({ ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null })),
          errorRate: view.errorRate,
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/ops/orders/needs-attention',
      tags,
      summary: 'Orders waiting for an operator (needs_attention), oldest first, with their count',
      description:
        'Resolve each with `npx steller order resolve <number> --vendor-has | --vendor-lacks` after checking the order with Bamboo; the money stays held until then.',
      security: SECURITY,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: {
        200: json(z.object({ count: z.number().int(), data: z.array(OrderNeedingAttentionSchema) }), 'Orders needing attention'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      const view = await ordersNeedingAttention(ctx.db, adminActor(c), { limit });
      return c.json(
        { count: view.count, data: view.orders.map((order) => ({ ...order, total: toJsonMoney(order.total), since: order.since.toISOString() })) },
        200,
      );
    },
  );

  return router;
}
