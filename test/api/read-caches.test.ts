// Read caches over the API (docs/api.md, Caching): priced catalog answers with ETag / 304 /
// Cache-Control, cached until a catalog sync, a plan change or an FX sync; API key lookups cached
// until a revocation, rotation or pause. Two "processes" (two contexts, each with its own pool and
// caches) on one database and one shared state: a change committed through one is seen by the
// very next request through the other.
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createAppContext } from '../../src/context.ts';
import { createDatabase } from '../../src/db/database.ts';
import { syncCatalog } from '../../src/domain/catalog/catalog-sync.ts';
import { syncFxRates } from '../../src/domain/catalog/fx.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { addPartnerUser } from '../../src/domain/partner-users/partner-users.ts';
import { setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import type { CatalogBrand, CatalogPage } from '../../src/integrations/bamboo/model.ts';
import { createMetrics } from '../../src/metrics.ts';
import { money } from '../../src/shared/money.ts';
import { createMemoryState, createRedisState } from '../../src/shared-state/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct, insertRate } from '../support/catalog.ts';
import { testRedisPrefix } from '../support/db.ts';
import { operator } from '../support/money.ts';
import { createWebClient } from '../support/web.ts';

// Rotation with no grace, so a rotated key is refused at once.
const harness = await createApiHarness({ redis: true, env: { API_KEY_ROTATION_GRACE_SECONDS: '0' } });
const { ctx, call } = harness;

// The second process: its own pool (queries counted), caches and shared-state connection (the same
// Redis and key prefix when REDIS_URL is set), the same database.
const queries: string[] = [];
const secondPool = createDatabase(harness.database.url, { poolSize: 3 }).db;
const counted = secondPool.withPlugin({
  transformQuery: (args) => {
    queries.push(JSON.stringify(args.node, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)));
    return args.node;
  },
  transformResult: async (args) => args.result,
});
const secondState = process.env.REDIS_URL ? createRedisState(process.env.REDIS_URL, testRedisPrefix('ctx')) : createMemoryState();
const second = createAppContext({ ...ctx, db: counted, state: secondState, metrics: createMetrics({ defaultMetrics: false }) });
const secondApi = createApi({ ctx: second, boss: harness.boss });
afterAll(async () => {
  await secondPool.destroy();
  await secondState.close();
});

const callSecond = (key: string, path: string, headers: Record<string, string> = {}) =>
  secondApi.request(path, { headers: { authorization: `Bearer ${key}`, ...headers } });

await insertProduct(ctx.db, { id: 501, minFace: 1000n, costMin: 900n });
await insertProduct(ctx.db, { id: 502, currency: 'EUR', minFace: 2500n, costCurrency: 'EUR', costMin: 2000n });
await insertRate(ctx.db, 'USD', 'EUR', '0.8', new Date('2026-12-01T00:00:00Z'));

interface Item {
  id: string;
  price: { min: { amount: string } };
  orderable: boolean;
}
const priceOf = async (response: Response, id: string) => {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: Item[] };
  return body.data.find((item) => item.id === id)?.price.min.amount;
};
const firstPage = (key: string) => call(key, 'GET', '/v1/catalog?limit=50');
const secondPage = (key: string) => callSecond(key, '/v1/catalog?limit=50');

describe('priced catalog cache', () => {
  it('answers with an ETag and Cache-Control; If-None-Match with it is 304, on both routes and in both processes', async () => {
    const partner = await harness.makePartner();
    const page = await firstPage(partner.liveKey);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, max-age=60');
    const etag = page.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const body = await page.text();

    const again = await call(partner.liveKey, 'GET', '/v1/catalog?limit=50', undefined, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('private, max-age=60');
    expect(await again.text()).toBe('');
    // Weak and listed forms match too; another tag does not.
    expect((await callSecond(partner.liveKey, '/v1/catalog?limit=50', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    const other = await callSecond(partner.liveKey, '/v1/catalog?limit=50', { 'if-none-match': '"other"' });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe(body);

    // Another partner on the same plan and currency gets the same answer (one entry per pricing profile).
    const samePlan = await harness.makePartner();
    expect((await firstPage(samePlan.liveKey)).headers.get('etag')).toBe(etag);
    // Another filter is another answer.
    expect((await call(partner.liveKey, 'GET', '/v1/catalog?limit=1')).headers.get('etag')).not.toBe(etag);

    const item = await call(partner.liveKey, 'GET', '/v1/catalog/501');
    expect(item.status).toBe(200);
    expect(item.headers.get('cache-control')).toBe('private, max-age=60');
    const itemTag = item.headers.get('etag')!;
    expect((await callSecond(partner.liveKey, '/v1/catalog/501', { 'if-none-match': itemTag })).status).toBe(304);
    // An unknown product stays a 404 (errors are not cached).
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog/9999'), 404, 'product_not_found');
  });

  it('a warm process answers a page and a key from its caches: no key lookup, no catalog or price read', async () => {
    const partner = await harness.makePartner();
    await secondPage(partner.liveKey); // warm: key, profile and page
    queries.length = 0;
    for (let request = 0; request < 10; request += 1) expect((await secondPage(partner.liveKey)).status).toBe(200);
    expect(queries.filter((query) => /api_keys|catalog_products|price_plan|fx_rates|accounts/.test(query))).toEqual([]);
    // What is left is the generation read: one per request, shared by authentication and the page.
    expect(queries.every((query) => query.includes('cache_generations'))).toBe(true);
    expect(queries.length).toBe(10);
  });

  it('a plan change is seen at once in both processes', async () => {
    const partner = await harness.makePartner();
    const before = await firstPage(partner.liveKey);
    const tag = before.headers.get('etag')!;
    expect(await priceOf(before, '501')).toBe('10.00');
    expect(await priceOf(await secondPage(partner.liveKey), '501')).toBe('10.00');

    const plan = await createPricePlan(ctx.db, operator, { name: 'cache 5%', defaultDiscountBps: 500 });
    await assignPricePlan(ctx.db, operator, { accountId: partner.account.id }, plan.id);
    expect(await priceOf(await secondPage(partner.liveKey), '501')).toBe('9.50');
    const after = await call(partner.liveKey, 'GET', '/v1/catalog?limit=50', undefined, { 'if-none-match': tag });
    expect(after.status).toBe(200);
    expect(await priceOf(after, '501')).toBe('9.50');

    // A per-product discount through the admin API (process one), seen by process two.
    const discount = await call(harness.adminKey, 'PUT', `/v1/admin/price-plans/${plan.id}/discounts/501`, { discountBps: 800 });
    expect(discount.status).toBeLessThan(300);
    expect(await priceOf(await secondPage(partner.liveKey), '501')).toBe('9.20');
    const item = (await (await callSecond(partner.liveKey, '/v1/catalog/501')).json()) as Item;
    expect(item.price.min.amount).toBe('9.20');
  });

  it('an FX sync is seen at once in both processes', async () => {
    const partner = await harness.makePartner();
    // 25.00 EUR at 0.8 EUR per USD: 31.25 USD.
    expect(await priceOf(await firstPage(partner.liveKey), '502')).toBe('31.25');
    expect(await priceOf(await secondPage(partner.liveKey), '502')).toBe('31.25');
    const vendor = { getExchangeRates: async () => ({ baseCurrency: 'USD', rates: [{ currency: 'EUR', rate: '0.5' }] }) };
    await syncFxRates({ db: ctx.db, vendor });
    expect(await priceOf(await secondPage(partner.liveKey), '502')).toBe('50.00');
    expect(await priceOf(await firstPage(partner.liveKey), '502')).toBe('50.00');
  });

  it('a catalog sync commit is seen at once in both processes', async () => {
    const partner = await harness.makePartner();
    const ids = async (response: Response) => ((await response.json()) as { data: Item[] }).data.map((item) => item.id);
    expect(await ids(await secondPage(partner.liveKey))).toContain('501');
    expect(await ids(await firstPage(partner.liveKey))).not.toContain('601');

    // The vendor now lists one brand with products 501 (its cost above face: not orderable) and 601.
    const brand: CatalogBrand = {
      internalId: 'cache-test',
      name: 'Cache Test',
      countryCode: 'US',
      currencyCode: 'USD',
      description: null,
      disclaimer: null,
      redemptionInstructions: null,
      terms: null,
      logoUrl: null,
      modifiedAt: null,
      categories: [],
      products: [501, 601].map((id) => ({
        id,
        name: `Synced ${id}`,
        faceValue: { min: money(1000n, 'USD'), max: money(1000n, 'USD') },
        price: { min: money(id === 501 ? 1100n : 950n, 'USD'), max: money(id === 501 ? 1100n : 950n, 'USD') },
        stock: null,
        modifiedAt: null,
      })),
    };
    const page: CatalogPage = { pageIndex: 0, pageSize: 100, totalBrands: 1, brands: [brand], skipped: [] };
    const vendor = {
      getCatalogPage: async () => page,
      catalogPages: async function* () {
        yield page;
      },
      getCategories: async () => [],
    };
    await syncCatalog({ db: ctx.db, vendor }, { mode: 'full', pageSize: 100 });

    const synced = (await (await secondPage(partner.liveKey)).json()) as { data: Item[] };
    expect(synced.data.map((item) => item.id)).toEqual(['501', '601']);
    expect(synced.data.find((item) => item.id === '501')?.orderable).toBe(false);
    expect(await ids(await firstPage(partner.liveKey))).toEqual(['501', '601']);
  });
});

describe('API key cache', () => {
  it('a key revoked through one process is refused by the next request through the other', async () => {
    const partner = await harness.makePartner();
    expect((await callSecond(partner.liveKey, '/v1/wallet')).status).toBe(200);
    expect((await call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    const keys = (await (await call(harness.adminKey, 'GET', `/v1/admin/accounts/${partner.account.id}/api-keys`)).json()) as {
      data: { id: string; mode: string }[];
    };
    const live = keys.data.find((key) => key.mode === 'live')!;
    expect((await call(harness.adminKey, 'POST', `/v1/admin/api-keys/${live.id}/revoke`)).status).toBe(200);
    await expectProblem(await callSecond(partner.liveKey, '/v1/wallet'), 401, 'unauthorized');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/wallet'), 401, 'unauthorized');
    // The partner's other key is untouched.
    expect((await callSecond(partner.testKey, '/v1/wallet')).status).toBe(200);
  });

  it("a key the partner's user revokes on the web is refused by the next request through either process", async () => {
    const partner = await harness.makePartner();
    const user = await addPartnerUser(ctx.db, platformActor('cli'), partner.account.id, { name: 'Dev', email: 'dev@cache.example', role: 'developer' });
    await setPartnerUserPassword(ctx.db, platformActor('cli'), partner.account.id, user.id, 'correct horse battery');
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email: 'dev@cache.example', password: 'correct horse battery' })).response.status).toBe(303);
    await web.get('/app/partner/keys'); // the session's CSRF token
    const created = await web.post('/app/partner/keys', { mode: 'test' });
    const key = /sk_test_[A-Za-z0-9_-]{32}/.exec(created.text)![0];
    expect((await callSecond(key, '/v1/catalog')).status).toBe(200);
    expect((await call(key, 'GET', '/v1/catalog')).status).toBe(200);
    const { id } = await ctx.db.selectFrom('api_keys').select('id').where('partner_user_id', '=', user.id).executeTakeFirstOrThrow();
    const confirm = await web.get(`/app/partner/keys/${id}/revoke`);
    expect(confirm.text).toContain('This cannot be undone');
    // Another partner's key (or any key not the user's own) is not found from here.
    const stranger = await harness.makePartner();
    const strangerKey = await ctx.db.selectFrom('api_keys').select('id').where('account_id', '=', stranger.account.id).executeTakeFirstOrThrow();
    expect((await web.post(`/app/partner/keys/${strangerKey.id}/revoke`, {})).response.status).toBe(404);
    expect((await callSecond(stranger.liveKey, '/v1/catalog')).status).toBe(200);
    expect((await web.post(`/app/partner/keys/${id}/revoke`, {})).response.status).toBe(303);
    await expectProblem(await callSecond(key, '/v1/catalog'), 401, 'unauthorized');
    await expectProblem(await call(key, 'GET', '/v1/catalog'), 401, 'unauthorized');
  });

  it('a key rotated through one process is refused by the other at once (no grace here); the new key works in both', async () => {
    const partner = await harness.makePartner();
    expect((await callSecond(partner.liveKey, '/v1/wallet')).status).toBe(200);
    const rotated = await call(partner.liveKey, 'POST', '/v1/keys/rotate');
    expect(rotated.status).toBe(201);
    const { key } = (await rotated.json()) as { key: string };
    await expectProblem(await callSecond(partner.liveKey, '/v1/wallet'), 401, 'unauthorized');
    expect((await callSecond(key, '/v1/wallet')).status).toBe(200);
    expect((await call(key, 'GET', '/v1/wallet')).status).toBe(200);
  });

  it('a partner paused through one process is refused by the other at once, and let in again when resumed', async () => {
    const partner = await harness.makePartner();
    expect((await callSecond(partner.testKey, '/v1/wallet')).status).toBe(200);
    expect((await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/pause`)).status).toBe(200);
    await expectProblem(await callSecond(partner.testKey, '/v1/wallet'), 403, 'account_paused');
    expect((await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/resume`)).status).toBe(200);
    expect((await callSecond(partner.testKey, '/v1/wallet')).status).toBe(200);
  });
});
