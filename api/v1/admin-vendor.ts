// Kill switches for admins (admin key): pause all sales, one vendor product or one brand with a
// reason, resume, list the open pauses (docs/orders.md, Vendor operations). Each change is audited
// and told to the admins in the domain (src/domain/vendor/sales-pauses.ts).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { listSalesPauses, MAX_PAUSE_REASON_LENGTH, pauseSales, resumeSales, SALES_PAUSE_SCOPES, type SalesPause } from '#src/domain/vendor/sales-pauses.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';
import { adminActor, body, json } from './admin-helpers.ts';

export const SalesPauseSchema = z
  .object({
    id: z.string().uuid(),
    scope: z.enum(SALES_PAUSE_SCOPES),
    target: z.string().openapi({ description: 'The product id or brand key; empty for `all`.' }),
    reason: z.string(),
    pausedBy: z.string().nullable().openapi({ description: 'The admin account; null for an operator on the command line.' }),
    pausedAt: z.string().datetime(),
  })
  .openapi('SalesPause');

const PauseTargetSchema = z
  .object({
    scope: z.enum(SALES_PAUSE_SCOPES),
    target: z.string().max(100).optional().openapi({ description: 'The product id (`product`) or brand key (`brand`); none for `all`.' }),
  })
  .strict();

export const salesPauseJson = (pause: SalesPause) => ({ ...pause, pausedAt: pause.pausedAt.toISOString() });

export function adminVendorRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin: operations'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/sales-pauses',
      tags,
      summary: 'The open sales pauses (kill switches), newest first',
      security: SECURITY,
      responses: { 200: json(z.object({ data: z.array(SalesPauseSchema) }), 'Open pauses'), ...errorResponses() },
    }),
    async (c) => c.json({ data: (await listSalesPauses(ctx.db, adminActor(c))).map(salesPauseJson) }, 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/sales-pauses',
      tags,
      summary: 'Pause sales: all, one vendor product or one brand, with a reason (audited)',
      description:
        'New orders it covers are refused with `sales_paused` (503); orders already accepted finish. Pausing what is already paused answers the open pause (200).',
      security: SECURITY,
      request: body(PauseTargetSchema.extend({ reason: z.string().min(1).max(MAX_PAUSE_REASON_LENGTH) }).strict()),
      responses: {
        201: json(SalesPauseSchema, 'Paused'),
        200: json(SalesPauseSchema, 'Already paused: the open pause'),
        ...errorResponses({ 422: 'Unknown product or brand, a target for `all`, or no reason (`invalid_sales_pause`)' }),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { pause, created } = await pauseSales(ctx, adminActor(c), input);
      return created ? c.json(salesPauseJson(pause), 201) : c.json(salesPauseJson(pause), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/sales-pauses/resume',
      tags,
      summary: 'Resume sales: lift the open pause of a scope and target (audited)',
      security: SECURITY,
      request: body(PauseTargetSchema),
      responses: {
        200: json(z.object({ resumed: z.boolean().openapi({ description: 'false: there was no such open pause.' }) }), 'Resumed'),
        ...errorResponses(),
      },
    }),
    async (c) => c.json({ resumed: await resumeSales(ctx, adminActor(c), c.req.valid('json')) }, 200),
  );

  return router;
}
