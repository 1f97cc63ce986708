// Catalog sync against the simulator's large generated catalog, on a real database: full sync,
// changes and removals, interruption by a 429 and by an error (the last good catalog stays visible
// and the run resumes), delta sync, and abandoning a stale run.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { syncCatalog, type CatalogSyncDeps } from '../../src/domain/catalog/catalog-sync.ts';
import { getCatalogProduct, listCatalog } from '../../src/domain/catalog/catalog-read.ts';
import { money } from '../../src/shared/money.ts';
import { BambooError, BambooRateLimitError } from '../../src/integrations/bamboo/errors.ts';
import { ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { createTestDatabase } from '../support/db.ts';

const PAGE_SIZE = 250;

async function setup(simulatorOptions: { maxPageSize?: number } = {}) {
  const { db } = await createTestDatabase();
  const clock = new ManualClock();
  const { simulator } = mountSimulator({ clock, rateLimits: false, ...simulatorOptions });
  const vendor = simulatorClient({ clock, limiterOptions: { maxWaitMs: 60_000 } });
  const deps: CatalogSyncDeps = { db, vendor, now: () => new Date(clock.now()) };
  const activeProducts = async () =>
    Number(
      (
        await db
          .selectFrom('catalog_products')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('active', '=', true)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { db, clock, simulator, deps, activeProducts };
}

describe('catalog sync', () => {
  it('copies the whole generated catalog, records the run, and a second run changes nothing', async () => {
    const { db, simulator, deps, activeProducts } = await setup();
    const progress: number[] = [];
    const first = await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE, onProgress: ({ pagesDone }) => progress.push(pagesDone) });
    const expectedPages = Math.ceil(simulator.brands.length / PAGE_SIZE);
    expect(first).toMatchObject({
      kind: 'full',
      pages: expectedPages,
      productsSeen: simulator.productCount,
      added: simulator.productCount,
      changed: 0,
      removed: 0,
    });
    expect(progress).toEqual(Array.from({ length: expectedPages }, (_, index) => index + 1));
    expect(await activeProducts()).toBe(simulator.productCount);
    expect(await activeProducts()).toBeGreaterThanOrEqual(9000);

    const steam = await db.selectFrom('catalog_products').selectAll().where('id', '=', BigInt(SIM_PRODUCTS.steam10)).executeTakeFirstOrThrow();
    expect(steam).toMatchObject({
      kind: 'fixed',
      face_currency: 'USD',
      min_face_minor: 1000n,
      cost_currency: 'USD',
      cost_min_minor: 947n,
      stock: null,
      active: true,
    });
    const range = await db.selectFrom('catalog_products').selectAll().where('id', '=', BigInt(SIM_PRODUCTS.range)).executeTakeFirstOrThrow();
    expect(range).toMatchObject({ kind: 'range', min_face_minor: 500n, max_face_minor: 50000n });
    const categories = await db.selectFrom('catalog_categories').select('id').execute();
    expect(categories).toHaveLength(27);

    const run = await db.selectFrom('catalog_sync_runs').selectAll().where('id', '=', BigInt(first.runId)).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', pages: expectedPages, products_added: simulator.productCount, errors: [] });
    expect(run.finished_at).toBeInstanceOf(Date);
    expect(await db.selectFrom('catalog_sync_pages').selectAll().execute()).toEqual([]);

    const second = await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    expect(second).toMatchObject({ added: 0, changed: 0, removed: 0 });
  });

  it('counts changed products and marks vanished ones inactive', async () => {
    const { db, simulator, deps } = await setup();
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    simulator.updateProduct(SIM_PRODUCTS.itunes100, { count: 5 });
    simulator.updateProduct(SIM_PRODUCTS.steam10, { name: 'Steam 10 USD Bahrain' });
    simulator.removeProduct(SIM_PRODUCTS.limitedStock);
    const summary = await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    expect(summary).toMatchObject({ added: 0, changed: 2, removed: 1 });
    const removed = await db.selectFrom('catalog_products').select(['active']).where('id', '=', BigInt(SIM_PRODUCTS.limitedStock)).executeTakeFirstOrThrow();
    expect(removed.active).toBe(false);
  });

  it('pauses on a 429 with a long wait, keeps the last good catalog, then resumes where it stopped', async () => {
    const { db, clock, simulator, deps, activeProducts } = await setup();
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    simulator.removeProduct(SIM_PRODUCTS.itunes100);
    // After page 3 Bamboo asks for an hour's pause: longer than the client may wait.
    const paused = await syncCatalog(deps, {
      mode: 'full',
      pageSize: PAGE_SIZE,
      onProgress: ({ pagesDone }) => {
        if (pagesDone === 3) simulator.injectFault({ endpoint: 'catalog', rateLimitSeconds: 3406 });
      },
    }).catch((error: unknown) => error);
    expect(paused).toBeInstanceOf(BambooRateLimitError);
    const run = await db.selectFrom('catalog_sync_runs').selectAll().where('status', '=', 'running').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ kind: 'full', next_page: 3, pages: 3 });
    expect(run.errors[0]?.message).toMatch(/rate limited/);
    // The half-fetched run is invisible: the previous catalog, removed product included, is live.
    const itunes = await db.selectFrom('catalog_products').select('active').where('id', '=', BigInt(SIM_PRODUCTS.itunes100)).executeTakeFirstOrThrow();
    expect(itunes.active).toBe(true);

    clock.advance(3406_000);
    const requestsBefore = simulator.requestCount;
    const resumed = await syncCatalog(deps, { mode: 'auto', pageSize: PAGE_SIZE });
    expect(resumed).toMatchObject({ runId: String(run.id), removed: 1 });
    const expectedPages = Math.ceil(simulator.brands.length / PAGE_SIZE);
    // Only the missing pages were fetched again (plus categories).
    expect(simulator.requestCount - requestsBefore).toBe(expectedPages - 3 + 1);
    expect(await activeProducts()).toBe(simulator.productCount);
  });

  it('keeps the run resumable after an error, and the next run finishes it', async () => {
    const { db, simulator, deps, activeProducts } = await setup();
    const failed = await syncCatalog(deps, {
      mode: 'full',
      pageSize: PAGE_SIZE,
      onProgress: ({ pagesDone }) => {
        if (pagesDone === 2) simulator.injectFault({ endpoint: 'catalog', status: 500 });
      },
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(BambooError);
    expect(await activeProducts()).toBe(0); // nothing visible before a run commits
    const run = await db.selectFrom('catalog_sync_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'running', next_page: 2 });
    expect(run.errors[0]?.message).toMatch(/HTTP 500/);

    const finished = await syncCatalog(deps, { mode: 'auto', pageSize: PAGE_SIZE });
    expect(finished).toMatchObject({ runId: String(run.id), added: simulator.productCount });
    const after = await db.selectFrom('catalog_sync_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('succeeded');
    expect(after.errors).toHaveLength(1); // the error stays on the record
  });

  it('stops between pages when its signal aborts (a worker shutting down) and resumes later', async () => {
    const { db, deps, simulator } = await setup();
    const shutdown = new AbortController();
    const stopped = await syncCatalog(deps, {
      mode: 'full',
      pageSize: PAGE_SIZE,
      signal: shutdown.signal,
      onProgress: ({ pagesDone }) => {
        if (pagesDone === 2) shutdown.abort();
      },
    }).catch((error: unknown) => error);
    expect((stopped as Error).name).toBe('AbortError');
    expect(await db.selectFrom('catalog_sync_runs').select(['status', 'next_page']).executeTakeFirstOrThrow()).toEqual({ status: 'running', next_page: 2 });
    expect((await syncCatalog(deps, { mode: 'auto', pageSize: PAGE_SIZE })).productsSeen).toBe(simulator.productCount);
  });

  it('abandons a stale running run and starts a fresh one', async () => {
    const { db, clock, simulator, deps } = await setup();
    await syncCatalog(deps, {
      mode: 'full',
      pageSize: PAGE_SIZE,
      onProgress: ({ pagesDone }) => {
        if (pagesDone === 1) simulator.injectFault({ endpoint: 'catalog', status: 503 });
      },
    }).catch(() => undefined);
    clock.advance(7 * 3_600_000);
    const fresh = await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    const runs = await db.selectFrom('catalog_sync_runs').select(['id', 'status']).orderBy('id').execute();
    expect(runs.map((run) => run.status)).toEqual(['failed', 'succeeded']);
    expect(fresh.runId).toBe(String(runs[1]!.id));
  });

  it('delta sync applies only products modified since the last good run; auto picks delta after a recent full', async () => {
    const { db, clock, simulator, deps } = await setup();
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    clock.advance(3_600_000);
    simulator.updateProduct(SIM_PRODUCTS.itunes100, { count: 9 });
    simulator.updateProduct(SIM_PRODUCTS.range, { discount: '0.1' });
    const requestsBefore = simulator.requestCount;
    const delta = await syncCatalog(deps, { mode: 'auto', pageSize: PAGE_SIZE });
    expect(delta).toMatchObject({ kind: 'delta', pages: 1, productsSeen: 2, added: 0, changed: 2, removed: 0 });
    expect(simulator.requestCount - requestsBefore).toBe(1);
    const itunes = await db.selectFrom('catalog_products').select('stock').where('id', '=', BigInt(SIM_PRODUCTS.itunes100)).executeTakeFirstOrThrow();
    expect(itunes.stock).toBe(9);
    const run = await db.selectFrom('catalog_sync_runs').selectAll().where('id', '=', BigInt(delta.runId)).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ kind: 'delta', status: 'succeeded' });
    // The day before the full sync started (the manual clock starts on 2026-11-28).
    expect(run.modified_since).toBe('2026-11-27');

    clock.advance(25 * 3_600_000); // the last full sync is now more than a day old
    expect((await syncCatalog(deps, { mode: 'auto', pageSize: PAGE_SIZE })).kind).toBe('full');
  });

  it('follows the page size Bamboo uses when it caps the one asked for', async () => {
    const { simulator, deps, activeProducts } = await setup({ maxPageSize: 100 });
    const summary = await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    expect(summary.pages).toBe(Math.ceil(simulator.brands.length / 100));
    expect(await activeProducts()).toBe(simulator.productCount);
  });

  it('refuses to apply a catalog that suddenly lost more than half its products', async () => {
    const { db, simulator, deps, activeProducts } = await setup();
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    for (const brand of simulator.brands.slice(0, Math.ceil(simulator.brands.length * 0.6))) {
      for (const product of [...brand.products]) simulator.removeProduct(product.id);
    }
    await expect(syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE })).rejects.toThrow(/shrank/);
    expect(await activeProducts()).toBeGreaterThanOrEqual(9000);
    const runs = await db.selectFrom('catalog_sync_runs').select('status').orderBy('id').execute();
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'failed']);
    expect(await db.selectFrom('catalog_sync_pages').selectAll().execute()).toEqual([]);
  });
});

describe('catalog reads', () => {
  it('finds active products and lists them by currency, country, name and category, page by page', async () => {
    const { db, simulator, deps } = await setup();
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });
    simulator.removeProduct(SIM_PRODUCTS.itunes100);
    await syncCatalog(deps, { mode: 'full', pageSize: PAGE_SIZE });

    expect(await getCatalogProduct(db, String(SIM_PRODUCTS.steam10))).toMatchObject({
      id: String(SIM_PRODUCTS.steam10),
      name: 'Steam 10 USD BH',
      brand: { name: 'Steam Bahrain' },
      country: 'BH',
      kind: 'fixed',
      minFaceValue: money(1000n, 'USD'),
      maxFaceValue: money(1000n, 'USD'),
      stock: null,
    });
    // A vanished product stays in the table (inactive) but is no longer readable.
    expect(await db.selectFrom('catalog_products').select('active').where('id', '=', BigInt(SIM_PRODUCTS.itunes100)).executeTakeFirst()).toEqual({
      active: false,
    });
    await expect(getCatalogProduct(db, String(SIM_PRODUCTS.itunes100))).rejects.toMatchObject({ code: 'product_not_found' });
    await expect(getCatalogProduct(db, '1')).rejects.toMatchObject({ code: 'product_not_found' });

    const uae = await listCatalog(db, { search: 'test brand uae', currency: 'AED' });
    expect(uae.items.map((product) => product.minFaceValue)).toEqual([money(100n, 'AED'), money(1000n, 'AED'), money(2000n, 'AED')]);
    expect((await listCatalog(db, { search: 'iTunes USA eGift' })).items).toEqual([]);
    const firstPage = await listCatalog(db, { country: 'BH', limit: 20 });
    const secondPage = await listCatalog(db, { country: 'BH', limit: 20, cursor: firstPage.nextCursor! });
    expect(firstPage.items).toHaveLength(20);
    expect(BigInt(secondPage.items[0]!.id)).toBeGreaterThan(BigInt(firstPage.items.at(-1)!.id));
    expect([...firstPage.items, ...secondPage.items].every((product) => product.country === 'BH')).toBe(true);
    expect((await listCatalog(db, { search: '100%_' })).items).toEqual([]);

    const firstCategory = await db
      .selectFrom('catalog_categories')
      .select(['id', 'name'])
      .orderBy(sql`lower(name)`)
      .executeTakeFirst();
    expect(firstCategory).toEqual({ id: 6, name: 'Airlines & Hotels' });
    const inCategory = await listCatalog(db, { category: 2, limit: 20 });
    expect(inCategory.items.length).toBeGreaterThan(0);
    expect(inCategory.items.every((product) => product.categoryIds.includes(2))).toBe(true);
  });
});
