// GET /v1/usage: the partner's requests, orders and spend per day, success rate and top products.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { MAX_USAGE_DAYS, usageFor } from '#src/domain/usage/usage.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import type { RequestCounter } from '../request-counter.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, SECURITY } from '../schemas.ts';

const UsageSchema = z
  .object({
    from: z.string().openapi({ example: '2026-10-30' }),
    to: z.string().openapi({ example: '2026-11-28' }),
    days: z.array(z.object({ date: z.string(), requests: z.number().int(), orders: z.number().int(), spend: MoneySchema })),
    totals: z.object({
      requests: z.number().int(),
      orders: z.number().int(),
      completed: z.number().int(),
      partiallyCompleted: z.number().int(),
      failed: z.number().int(),
      spend: MoneySchema,
      successRate: z
        .number()
        .nullable()
        .openapi({ description: 'Completed ÷ finished (completed, partially completed, failed) orders; null when none finished.' }),
    }),
    topProducts: z.array(z.object({ productId: z.string(), orders: z.number().int(), cards: z.number().int(), spend: MoneySchema })),
  })
  .openapi('Usage');

export function usageRoutes(ctx: AppContext, requests: RequestCounter) {
  const router = createRouter();
  router.openapi(
    defineRoute({
      permission: 'usage:read',
      method: 'get',
      path: '/usage',
      tags: ['Usage'],
      summary: 'Requests, orders and spend per UTC day; success rate and top products',
      description: 'Spend is what finished orders were charged (delivered cards). Request counts reach this report within about 10 seconds.',
      security: SECURITY,
      request: { query: z.object({ days: z.coerce.number().int().min(1).max(MAX_USAGE_DAYS).default(30) }) },
      responses: {
        200: { description: 'Usage of the account the key acts on', content: { 'application/json': { schema: UsageSchema } } },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      await requests.flush();
      const usage = await usageFor(ctx.db, principal.accountId, { days: c.req.valid('query').days });
      return c.json(
        {
          ...usage,
          days: usage.days.map((day) => ({ ...day, spend: toJsonMoney(day.spend) })),
          totals: { ...usage.totals, spend: toJsonMoney(usage.totals.spend) },
          topProducts: usage.topProducts.map((product) => ({ ...product, spend: toJsonMoney(product.spend) })),
        },
        200,
      );
    },
  );
  return router;
}
