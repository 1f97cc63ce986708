// Admin endpoints for price plans, the bounds of agents' margins and the Telegram card list (admin key), over the same audited,
// admin-checked domain functions the CLI uses (src/domain/pricing).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { readCardList, saveCardList, type CardListEntry, type CardListEntryInput } from '#src/domain/pricing/card-list.ts';
import { setMarginBounds } from '#src/domain/pricing/margins.ts';
import { assignPricePlan, createPricePlan, getProduct, listPricePlans, setProductDiscount } from '#src/domain/pricing/pricing.ts';
import { money, parseMoney, toJsonMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { adminActor, body, json } from './admin-helpers.ts';

const Bps = z.number().int().min(-9999).max(9999).openapi({ description: 'Basis points off the face value (400 = 4 %); negative is a markup.', example: 400 });
// The upper limit (5000) is the domain's (`margin_out_of_bounds`).
const MarginBps = z.number().int().min(0);
const MarginBoundsSchema = z
  .object({ minBps: MarginBps.openapi({ example: 0 }), maxBps: MarginBps.openapi({ example: 1000 }) })
  .strict()
  .openapi('MarginBounds');
const PlanParams = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const PricePlanSchema = z.object({ id: z.string().uuid(), name: z.string(), defaultDiscountBps: z.number().int() }).openapi('PricePlan');
const PricePlanOverviewSchema = PricePlanSchema.extend({
  roles: z.array(z.string()).openapi({ description: 'Roles whose default plan this is', example: ['partner'] }),
  accounts: z.number().int().openapi({ description: 'Accounts with this plan as their own' }),
  discounts: z.array(z.object({ productId: z.string(), discountBps: z.number().int() })).openapi({ description: 'Per-product discounts' }),
}).openapi('PricePlanOverview');
const ProductId = z
  .string()
  .regex(/^\d{1,18}$/, 'a catalog product id')
  .openapi({ example: '120394' });
const FaceValue = AmountSchema.openapi({ example: '10.00' });

const CardListEntryInputSchema = z.union([
  z.object({ productId: ProductId, denominations: z.array(FaceValue).min(1) }).strict(),
  z.object({ productId: ProductId, range: z.object({ min: FaceValue, max: FaceValue }).strict() }).strict(),
]);
const CardListEntrySchema = z
  .object({
    position: z.number().int(),
    productId: z.string(),
    denominations: z.array(MoneySchema).nullable(),
    range: z.object({ min: MoneySchema, max: MoneySchema }).nullable(),
  })
  .openapi('CardListEntry');

/** Face values are decimal strings in the product's currency; the domain keeps minor units. */
async function toDomainEntries(ctx: AppContext, entries: z.infer<typeof CardListEntryInputSchema>[]): Promise<CardListEntryInput[]> {
  const result: CardListEntryInput[] = [];
  for (const entry of entries) {
    const product = await getProduct(ctx.db, BigInt(entry.productId));
    const minor = (value: string) => parseMoney(value, product.face_currency).amount;
    result.push(
      'denominations' in entry
        ? { productId: product.id, denominations: entry.denominations.map(minor) }
        : { productId: product.id, range: { min: minor(entry.range.min), max: minor(entry.range.max) } },
    );
  }
  return result;
}

async function presentCardList(ctx: AppContext, entries: CardListEntry[]) {
  const presented = [];
  for (const entry of entries) {
    const currency = (await getProduct(ctx.db, entry.productId)).face_currency;
    const face = (minor: bigint) => toJsonMoney(money(minor, currency));
    presented.push({
      position: entry.position,
      productId: String(entry.productId),
      denominations: 'denominations' in entry ? entry.denominations.map(face) : null,
      range: 'range' in entry ? { min: face(entry.range.min), max: face(entry.range.max) } : null,
    });
  }
  return presented;
}

export function adminPricingRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/price-plans',
      tags,
      summary: 'List price plans',
      description: 'Every plan with the roles it is the default of, how many accounts have it as their own, and its per-product discounts.',
      security: SECURITY,
      responses: { 200: json(z.object({ data: z.array(PricePlanOverviewSchema) }), 'The plans, by name'), ...errorResponses({}) },
    }),
    async (c) => c.json({ data: await listPricePlans(ctx.db, adminActor(c)) }, 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/price-plans',
      tags,
      summary: 'Create a price plan',
      security: SECURITY,
      request: body(z.object({ name: z.string().min(1).max(200), defaultDiscountBps: Bps })),
      responses: {
        201: json(PricePlanSchema, 'The plan'),
        ...errorResponses({ 409: 'A plan with this name exists (`price_plan_name_taken`)', 422: 'Refused (`invalid_discount`)' }),
      },
    }),
    async (c) => {
      const plan = await createPricePlan(ctx.db, adminActor(c), c.req.valid('json'));
      return c.json(plan, 201);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'put',
      path: '/price-plans/{id}/discounts/{productId}',
      tags,
      summary: "Set (or with null remove) a plan's discount for one product",
      security: SECURITY,
      request: {
        params: PlanParams.extend({ productId: ProductId.openapi({ param: { name: 'productId', in: 'path' } }) }),
        ...body(z.object({ discountBps: Bps.nullable() })),
      },
      responses: {
        200: json(z.object({ planId: z.string().uuid(), productId: z.string(), discountBps: z.number().int().nullable() }), 'The discount now'),
        ...errorResponses({ 404: 'No such plan or product (`price_plan_not_found`, `product_not_found`)', 422: 'Refused (`invalid_discount`)' }),
      },
    }),
    async (c) => {
      const { id, productId } = c.req.valid('param');
      const { discountBps } = c.req.valid('json');
      await setProductDiscount(ctx.db, adminActor(c), { planId: id, productId: BigInt(productId), discountBps });
      return c.json({ planId: id, productId, discountBps }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/price-plans/{id}/assign',
      tags,
      summary: "Give an account this plan, or make it a role's default",
      security: SECURITY,
      request: {
        params: PlanParams,
        ...body(z.union([z.object({ accountId: z.string().uuid() }).strict(), z.object({ role: z.enum(['agent', 'sub_agent', 'partner']) }).strict()])),
      },
      responses: {
        200: json(z.object({ planId: z.string().uuid(), accountId: z.string().uuid().optional(), role: z.string().optional() }), 'Assigned'),
        ...errorResponses({ 404: 'No such plan or account (`price_plan_not_found`, `account_not_found`)', 422: 'Refused (`role_cannot_order`)' }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const target = c.req.valid('json');
      await assignPricePlan(ctx.db, adminActor(c), target, id);
      return c.json({ planId: id, ...target }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'put',
      path: '/margin-bounds',
      tags,
      summary: "The bounds of the markups agents may set on their sub-agents' prices",
      description:
        "Basis points on the agent's own price (100 = 1 %), 0 ≤ min ≤ max ≤ 5000; until set, agents can set no markup. A margin outside bounds narrowed later is priced at the nearest bound. Audited.",
      security: SECURITY,
      request: body(MarginBoundsSchema),
      responses: { 200: json(MarginBoundsSchema, 'The bounds now'), ...errorResponses({ 422: 'Refused (`margin_out_of_bounds`)' }) },
    }),
    async (c) => c.json(await setMarginBounds(ctx.db, adminActor(c), c.req.valid('json')), 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/card-list',
      tags,
      summary: 'The Telegram card list, in order',
      security: SECURITY,
      responses: { 200: json(z.object({ data: z.array(CardListEntrySchema) }), 'The card list'), ...errorResponses() },
    }),
    async (c) => c.json({ data: await presentCardList(ctx, await readCardList(ctx.db)) }, 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'put',
      path: '/card-list',
      tags,
      summary: 'Replace the Telegram card list',
      description: "Each entry: a product with fixed denominations, or a range inside the product's range; face values in the product's currency.",
      security: SECURITY,
      request: body(z.object({ entries: z.array(CardListEntryInputSchema) })),
      responses: {
        200: json(z.object({ data: z.array(CardListEntrySchema) }), 'The saved card list'),
        ...errorResponses({
          404: 'No such product (`product_not_found`)',
          422: 'Refused (`invalid_card_list`, `denomination_out_of_range`, `invalid_amount`)',
        }),
      },
    }),
    async (c) => {
      const entries = await toDomainEntries(ctx, c.req.valid('json').entries);
      const saved = await saveCardList(ctx.db, adminActor(c), entries, { maxEntries: ctx.config.CARD_LIST_MAX_ENTRIES });
      return c.json({ data: await presentCardList(ctx, saved) }, 200);
    },
  );

  return router;
}
