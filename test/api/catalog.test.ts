import { describe, expect, it } from 'vitest';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertRate } from '../support/catalog.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;
const partner = await harness.makePartner();
// The EUR product is priced in the partner's USD wallet through a stored rate (none = not listed).
await insertRate(ctx.db, 'USD', 'EUR', '0.8');

await ctx.db
  .insertInto('catalog_brands')
  .values([
    { key: 'amazon-us', name: 'Amazon', country_code: 'US', currency: 'USD', category_ids: [1], logo_url: 'https://img.example/amazon.png' },
    { key: 'amazon-de', name: 'Amazon', country_code: 'DE', currency: 'EUR', category_ids: [1] },
    { key: 'steam-us', name: 'Steam', country_code: 'US', currency: 'USD', category_ids: [2], terms: 'No refunds.' },
  ])
  .execute();
const product = (id: number, brand: string, name: string, currency: string, min: number, max: number, active = true) => ({
  id,
  brand_key: brand,
  name,
  kind: min === max ? ('fixed' as const) : ('range' as const),
  face_currency: currency,
  min_face_minor: min,
  max_face_minor: max,
  cost_currency: 'USD',
  cost_min_minor: Math.round(min * 0.9),
  cost_max_minor: Math.round(max * 0.9),
  stock: null,
  active,
});
await ctx.db
  .insertInto('catalog_products')
  .values([
    product(101, 'amazon-us', 'Amazon US 10', 'USD', 1000, 1000),
    product(102, 'amazon-us', 'Amazon US 5-500', 'USD', 500, 50000),
    product(103, 'amazon-de', 'Amazon DE 25', 'EUR', 2500, 2500),
    product(104, 'steam-us', 'Steam Wallet 20', 'USD', 2000, 2000),
    product(105, 'steam-us', 'Steam Wallet 50 (retired)', 'USD', 5000, 5000, false),
  ])
  .execute();

interface CatalogPage {
  data: { id: string; name: string; denominations: { min: { amount: string }; max: { amount: string } }; [key: string]: unknown }[];
  nextCursor: string | null;
}
const list = async (query: string) => (await (await call(partner.liveKey, 'GET', `/v1/catalog${query}`)).json()) as CatalogPage;
const ids = (page: CatalogPage) => page.data.map((item) => item.id);

describe('catalog', () => {
  it('lists active products with face values, never vendor costs', async () => {
    const page = await list('');
    expect(ids(page)).toEqual(['101', '102', '103', '104']);
    expect(page.data[1]).toMatchObject({
      name: 'Amazon US 5-500',
      brand: { key: 'amazon-us', name: 'Amazon', logoUrl: 'https://img.example/amazon.png' },
      country: 'US',
      currency: 'USD',
      kind: 'range',
      denominations: { min: { amount: '5.00', currency: 'USD' }, max: { amount: '500.00', currency: 'USD' } },
      // No plan: face value.
      price: { min: { amount: '5.00', currency: 'USD' }, max: { amount: '500.00', currency: 'USD' } },
      orderable: true,
    });
    expect(page.data[2]).toMatchObject({ id: '103', price: { min: { amount: '31.25', currency: 'USD' } } });
    expect(JSON.stringify(page)).not.toMatch(/cost/i);
  });

  it("shows the partner's plan price, and leaves out what cannot be priced", async () => {
    const other = await harness.makePartner();
    const plan = await createPricePlan(ctx.db, harness.adminActor, { name: `catalog-4pct-${other.account.id}`, defaultDiscountBps: 400 });
    await assignPricePlan(ctx.db, harness.adminActor, { accountId: other.account.id }, plan.id);
    const page = (await (await call(other.liveKey, 'GET', '/v1/catalog?currency=USD')).json()) as CatalogPage;
    expect(page.data.map((item) => [item.id, (item.price as { min: { amount: string } }).min.amount])).toEqual([
      ['101', '9.60'],
      ['102', '4.80'],
      ['104', '19.20'],
    ]);
    // A GBP product without a stored USD→GBP rate cannot be priced: neither listed nor shown.
    await ctx.db
      .insertInto('catalog_products')
      .values(product(106, 'amazon-us', 'Amazon GBP 10', 'GBP', 1000, 1000))
      .execute();
    expect(ids(await list('?currency=GBP'))).toEqual([]);
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog/106'), 404, 'product_not_found');
    await ctx.db.deleteFrom('catalog_products').where('id', '=', 106n).execute();
  });

  it('filters by country, currency, brand, category and search words', async () => {
    expect(ids(await list('?country=de'))).toEqual(['103']);
    expect(ids(await list('?currency=USD'))).toEqual(['101', '102', '104']);
    expect(ids(await list('?brand=steam-us'))).toEqual(['104']);
    expect(ids(await list('?category=1'))).toEqual(['101', '102', '103']);
    expect(ids(await list('?search=amazon%20us'))).toEqual(['101', '102']);
    expect(ids(await list('?search=wallet'))).toEqual(['104']);
    expect(ids(await list('?search=%25'))).toEqual([]);
  });

  it('pages by cursor', async () => {
    const first = await list('?limit=3');
    expect(ids(first)).toEqual(['101', '102', '103']);
    const second = await list(`?limit=3&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual(['104']);
    expect(second.nextCursor).toBeNull();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog?cursor=x1'), 400, 'invalid_cursor');
  });

  it('returns one product by id; unknown and inactive products are 404', async () => {
    const response = await call(partner.testKey, 'GET', '/v1/catalog/104');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: '104', terms: 'No refunds.', kind: 'fixed' });
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog/105'), 404, 'product_not_found');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog/999'), 404, 'product_not_found');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog/abc'), 404, 'product_not_found');
  });

  it('validates every query field at once', async () => {
    const body = await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog?country=USA&currency=1&limit=500'), 400, 'validation_failed');
    expect((body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['query.country', 'query.currency', 'query.limit']);
  });
});
