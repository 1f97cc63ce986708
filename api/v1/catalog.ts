// GET /v1/catalog and GET /v1/catalog/{productId}: the synced catalog, with face values.
//
// The partner's price joins in `presentProducts` only (both routes go through it), from
// `catalogPrices`, the one price source (what is shown is what an order is charged). Products the
// partner's plan cannot price right now (no stored FX rate) are left out (docs/product.md#catalog-and-the-card-list).
// Answers are cached per pricing profile until a sync or a price change (`ctx.reads.priced`), with
// an ETag (docs/api.md, Caching).
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import type { ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import type { CachedBody } from '#src/domain/pricing/priced-reads.ts';
import { getCatalogProduct, listCatalog, type CatalogProduct } from '#src/domain/catalog/catalog-read.ts';
import { catalogPrices } from '#src/domain/pricing/pricing.ts';
import { DomainError } from '#src/shared/errors.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import type { ApiEnv } from '../env.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
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
    price: z
      .object({ min: MoneySchema, max: MoneySchema })
      .openapi({ description: 'Your price per card (in your wallet currency) at the smallest and largest face value: equal for `fixed` products.' }),
    orderable: z.boolean().openapi({ description: 'False while the product cannot be sold at this price (orders are refused with `profit_guard`).' }),
    categoryIds: z.array(z.number().int()),
    stock: z.number().int().nullable(),
    description: z.string().nullable(),
    redemptionInstructions: z.string().nullable(),
    terms: z.string().nullable(),
  })
  .openapi('CatalogProduct');

/** The one place catalog products become API objects, each with the partner's price; unpriceable ones are dropped. */
async function presentProducts(ctx: AppContext, principal: ApiPrincipal, products: CatalogProduct[]) {
  const orderFee = { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY };
  const prices = [];
  // catalogPrices takes at most 100 products at a time; a page has up to 200.
  for (let start = 0; start < products.length; start += 100) {
    const productIds = products.slice(start, start + 100).map((product) => BigInt(product.id));
    prices.push(...(await catalogPrices(ctx.db, { accountId: principal.accountId, productIds, orderFee })));
  }
  const priceById = new Map(prices.map((price) => [String(price.productId), price]));
  return products.flatMap((product) => {
    const price = priceById.get(product.id);
    if (!price) return [];
    return [
      {
        id: product.id,
        name: product.name,
        brand: product.brand,
        country: product.country,
        currency: product.currency,
        kind: product.kind,
        denominations: { min: toJsonMoney(product.minFaceValue), max: toJsonMoney(product.maxFaceValue) },
        price: { min: toJsonMoney(price.minPrice), max: toJsonMoney(price.maxPrice) },
        orderable: price.orderable,
        categoryIds: product.categoryIds,
        stock: product.stock,
        description: product.description,
        redemptionInstructions: product.redemptionInstructions,
        terms: product.terms,
      },
    ];
  });
}

/** Whether an If-None-Match header names `etag` (weak or strong, or `*`). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** A cached catalog answer: 304 when the client holds this body already, else the body; partners may keep either for a minute. */
function cachedJson(c: Context<ApiEnv>, cached: CachedBody): Response {
  c.header('ETag', cached.etag);
  c.header('Cache-Control', 'private, max-age=60');
  // The body depends on the key's account: shared caches must not answer another key with it.
  c.header('Vary', 'Authorization, x-api-key');
  if (notModified(c.req.header('if-none-match'), cached.etag)) return c.body(null, 304);
  return c.body(cached.bytes, 200, { 'content-type': 'application/json' });
}

const NOT_MODIFIED = { 304: { description: 'Not modified: the `If-None-Match` header names the current `ETag`' } };

export function catalogRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    defineRoute({
      permission: 'catalog:read',
      method: 'get',
      path: '/catalog',
      tags: ['Catalog'],
      summary: 'Products, filtered, by product id',
      security: SECURITY,
      request: {
        query: PageQuerySchema.extend({
          country: z
            .string()
            .regex(/^[A-Za-z]{2}$/)
            .optional()
            .openapi({ example: 'US' }),
          currency: z
            .string()
            .regex(/^[A-Za-z]{3}$/)
            .optional()
            .openapi({ example: 'USD' }),
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
        ...NOT_MODIFIED,
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const query = c.req.valid('query');
      const what = `page:${JSON.stringify(Object.entries(query).sort(([a], [b]) => a.localeCompare(b)))}`;
      const load = async () => {
        const page = await listCatalog(ctx.db, query);
        return JSON.stringify({ data: await presentProducts(ctx, principal, page.items), nextCursor: page.nextCursor });
      };
      return cachedJson(c, await ctx.reads.priced.forAccount(principal.accountId, what, load, c.var.generations));
    },
  );

  router.openapi(
    defineRoute({
      permission: 'catalog:read',
      method: 'get',
      path: '/catalog/{productId}',
      tags: ['Catalog'],
      summary: 'One product',
      security: SECURITY,
      request: {
        params: z.object({
          productId: z
            .string()
            .max(20)
            .openapi({ param: { name: 'productId', in: 'path' }, example: '120394' }),
        }),
      },
      responses: {
        200: { description: 'The product', content: { 'application/json': { schema: CatalogProductSchema } } },
        ...NOT_MODIFIED,
        ...errorResponses({ 404: 'No such active product, or none your plan can price now (`product_not_found`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const { productId } = c.req.valid('param');
      const load = async () => {
        const product = await getCatalogProduct(ctx.db, productId);
        const [presented] = await presentProducts(ctx, principal, [product]);
        if (!presented) throw new DomainError('product_not_found', `product ${product.id} cannot be priced for you right now`);
        return JSON.stringify(presented);
      };
      return cachedJson(c, await ctx.reads.priced.forAccount(principal.accountId, `product:${productId}`, load, c.var.generations));
    },
  );

  return router;
}
