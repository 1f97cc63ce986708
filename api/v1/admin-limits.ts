// Risk limits of one account over REST (admin key): its daily spend, daily order count and largest
// order, where they come from (its own override, its role's default, none) and today's use of them;
// setting them writes the account's override (audited, src/domain/orders/risk.ts).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { accountRiskLimits, riskLimitsJson, setAccountRiskLimits } from '#src/domain/orders/risk.ts';
import { parseMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { adminActor, body, IdParams, json } from './admin-helpers.ts';

// Inline (not the named Money schema): a nullable $ref loses its `null` in the generated document.
const limitAmount = (description: string) =>
  z
    .object({ amount: AmountSchema.openapi({ example: '500.00' }), currency: z.string().regex(/^[A-Z]{3}$/) })
    .nullable()
    .openapi({ description: `${description} In the account's currency; null for no limit.` });

const RiskLimitsSchema = z
  .object({
    accountId: z.string().uuid(),
    source: z.enum(['account', 'role', 'none']).openapi({ description: "`account`: its own limits; `role`: its role's defaults; `none`: no limits." }),
    dailySpend: limitAmount('Most the account may order in a UTC day (orders that failed do not count).'),
    dailyOrderCount: z.number().int().nullable().openapi({ description: 'Most orders in a UTC day; null for no limit.' }),
    maxOrder: limitAmount('The largest single order.'),
    today: z.object({ spent: MoneySchema, orders: z.number().int() }).openapi({ description: "Today's orders that did not fail (UTC day)." }),
  })
  .openapi('RiskLimits');

const SetRiskLimitsSchema = z.object({
  dailySpend: limitAmount('Most the account may order in a UTC day.'),
  dailyOrderCount: z.number().int().min(1).max(1_000_000_000).nullable(),
  maxOrder: limitAmount('The largest single order.'),
});

export function adminLimitRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/accounts/{id}/limits',
      tags,
      summary: "An account's risk limits and today's use of them",
      security: SECURITY,
      request: { params: IdParams },
      responses: {
        200: json(RiskLimitsSchema, 'The limits the order intake applies to the account'),
        ...errorResponses({ 404: 'No such account (`account_not_found`)' }),
      },
    }),
    async (c) => c.json(riskLimitsJson(await accountRiskLimits(ctx.db, adminActor(c), c.req.valid('param').id)), 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'put',
      path: '/accounts/{id}/limits',
      tags,
      summary: "Set an account's risk limits (its own, overriding its role's defaults; audited)",
      description:
        'Enforced at order intake: `daily_limit_exceeded` (daily spend or count) and `order_limit_exceeded` (largest order). Admins are alerted when a daily limit reaches 80 %.',
      security: SECURITY,
      request: { params: IdParams, ...body(SetRiskLimitsSchema) },
      responses: {
        200: json(RiskLimitsSchema, 'The limits now'),
        ...errorResponses({
          404: 'No such account (`account_not_found`)',
          422: 'An amount in another currency than the account (`currency_mismatch`) or not positive (`invalid_risk_limits`)',
        }),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const amount = (value: { amount: string; currency: string } | null) => (value === null ? null : parseMoney(value.amount, value.currency));
      const view = await setAccountRiskLimits(ctx.db, adminActor(c), c.req.valid('param').id, {
        dailySpend: amount(input.dailySpend),
        dailyOrderCount: input.dailyOrderCount,
        maxOrder: amount(input.maxOrder),
      });
      return c.json(riskLimitsJson(view), 200);
    },
  );

  return router;
}
