// GET /v1/catalog and GET /v1/catalog/{productId}: the synced catalog, with face values.
//
// Pricing seam: the partner's price is added in `presentProducts` only (both routes go through it)
// and in `CatalogProductSchema`. The pricing engine will provide a batch `price(accountId, products)`;
// call it there and add `price: MoneySchema` to the schema. See docs/api.md, "Catalog".
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import type { ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import { getCatalogProduct, listCatalog, type CatalogProduct } from '#src/domain/catalog/catalog-read.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, PageQuerySchema, SECURITY } from '../schemas.ts';

export const CatalogProductSchema = z
  .object({
    id: z.string().openapi({ example: '120394' }),
    name: z.string(),
    brand: z.object({ key: z.string(), name: z.string(), logoUrl: z.string().nullable() }),
    country: z.string().openapi({ example: 'US' }),
    currency: z.string().openapi({ example: 'USD' }),
    kind: z.enum(['fixed', 'range']),
    denominations: z.object({ min: MoneySchema, max: MoneySchema }).openapi({ description: 'Face values: equal for `fixed` products.' }),
    categoryIds: z.array(z.number().int()),
    stock: z.number().int().nullable(),
    description: z.string().nullable(),
    redemptionInstructions: z.string().nullable(),
    terms: z.string().nullable(),
  })
  .openapi('CatalogProduct');

/** The one place catalog products become API objects (and where the partner's price will join). */
async function presentProducts(_ctx: AppContext, _principal: ApiPrincipal, products: CatalogProduct[]) {
  return products.map((product) => ({
    id: product.id,
    name: product.name,
    brand: product.brand,
    country: product.country,
    currency: product.currency,
    kind: product.kind,
    denominations: { min: toJsonMoney(product.minFaceValue), max: toJsonMoney(product.maxFaceValue) },
    categoryIds: product.categoryIds,
    stock: product.stock,
    description: product.description,
    redemptionInstructions: product.redemptionInstructions,
    terms: product.terms,
  }));
}

export function catalogRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/catalog',
      tags: ['Catalog'],
      summary: 'Products, filtered, by product id',
      security: SECURITY,
      request: {
        query: PageQuerySchema.extend({
          country: z.string().regex(/^[A-Za-z]{2}$/).optional().openapi({ example: 'US' }),
          currency: z.string().regex(/^[A-Za-z]{3}$/).optional().openapi({ example: 'USD' }),
          brand: z.string().max(200).optional().openapi({ description: 'Brand key' }),
          category: z.coerce.number().int().min(0).optional(),
          search: z.string().max(100).optional(),
        }),
      },
      responses: {
        200: {
          description: 'A page of products',
          content: { 'application/json': { schema: z.object({ data: z.array(CatalogProductSchema), nextCursor: z.string().nullable() }) } },
        },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const page = await listCatalog(ctx.db, c.req.valid('query'));
      return c.json({ data: await presentProducts(ctx, principal, page.items), nextCursor: page.nextCursor }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/catalog/{productId}',
      tags: ['Catalog'],
      summary: 'One product',
      security: SECURITY,
      request: { params: z.object({ productId: z.string().max(20).openapi({ param: { name: 'productId', in: 'path' }, example: '120394' }) }) },
      responses: {
        200: { description: 'The product', content: { 'application/json': { schema: CatalogProductSchema } } },
        ...errorResponses({ 404: 'No such active product (`product_not_found`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const product = await getCatalogProduct(ctx.db, c.req.valid('param').productId);
      const [presented] = await presentProducts(ctx, principal, [product]);
      if (!presented) throw new Error(`presentProducts dropped product ${product.id}`);
      return c.json(presented, 200);
    },
  );

  return router;
}
