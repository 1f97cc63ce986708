// Catalog sync and catalog reads, measuring our side only: the simulator runs in-process with its
// rate limits off and our limiter relaxed, so no time goes to pacing or the network.
//   sync: a full sync of a generated catalog of ~10k products (products upserted per second, peak RSS)
//   reads: first page of the active catalog and a filtered search, p50/p99 over N queries
// Needs DATABASE_URL (a server where it may create and drop a scratch database).
// Usage: DATABASE_URL=postgres://… npm run bench:catalog-sync [-- --reads 300]
import { sql } from 'kysely';
import { createConfig } from '../src/config.ts';
import { openDatabase } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { syncCatalog } from '../src/domain/catalog/catalog-sync.ts';
import { BambooClient, BAMBOO_LIMITS, BambooRateLimiter, type EndpointClass } from '../src/integrations/bamboo/index.ts';
import { BambooSimulator, generateCatalog, ManualClock, SANDBOX_CREDENTIAL } from '../src/integrations/bamboo/simulator/index.ts';
import { createLogger } from '../src/logger.ts';
import { createMemoryState } from '../src/shared-state/index.ts';
import pg from 'pg';

const reads = Number(process.argv[process.argv.indexOf('--reads') + 1]) || 300;
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops a scratch database there)');
const scratch = `bench_catalog_${process.pid}`;
const url = withDatabaseName(process.env.DATABASE_URL, scratch);
const logger = createLogger({ level: 'warn', pretty: false });
const connection = await openDatabase(createConfig({ DATABASE_URL: url }), logger);
const { db } = connection;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

try {
  const catalog = generateCatalog({ minBrands: 2_800, minProducts: 10_000 });
  const simulator = new BambooSimulator({ catalog, clock: new ManualClock(), rateLimits: false });
  const unlimited = Object.fromEntries(Object.keys(BAMBOO_LIMITS).map((name) => [name, { points: 1_000_000, durationMs: 1000 }])) as Record<
    EndpointClass,
    { points: number; durationMs: number }
  >;
  const vendor = new BambooClient({
    baseUrl: 'https://api.bamboocardportal.com',
    clientId: SANDBOX_CREDENTIAL.clientId,
    clientSecret: SANDBOX_CREDENTIAL.clientSecret,
    accountId: 555,
    limiter: new BambooRateLimiter(createMemoryState(), {
      key: 'bench',
      limits: unlimited,
      minGapMs: {},
      checkoutPerProduct: { points: 1_000_000, durationMs: 60_000 },
    }),
    fetch: simulator.fetch,
  });

  peakRss = process.memoryUsage().rss;
  const started = performance.now();
  const summary = await syncCatalog({ db, vendor }, { mode: 'full', pageSize: 100 });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `full sync: ${summary.productsSeen} products in ${summary.pages} pages, ${seconds.toFixed(2)} s, ` +
      `${(summary.productsSeen / seconds).toFixed(0)} products/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
  const again = performance.now();
  await syncCatalog({ db, vendor }, { mode: 'full', pageSize: 100 });
  console.log(`second full sync (nothing changed): ${((performance.now() - again) / 1000).toFixed(2)} s`);

  const firstPage = () =>
    db
      .selectFrom('catalog_products as p')
      .innerJoin('catalog_brands as b', 'b.key', 'p.brand_key')
      .select(['p.id', 'p.name', 'b.name as brand', 'p.min_face_minor', 'p.max_face_minor', 'p.face_currency', 'p.stock'])
      .where('p.active', '=', true)
      .orderBy('b.name')
      .orderBy('p.id')
      .limit(20)
      .execute();
  const search = () =>
    db
      .selectFrom('catalog_products as p')
      .innerJoin('catalog_brands as b', 'b.key', 'p.brand_key')
      .select(['p.id', 'p.name', 'b.name as brand'])
      .where('p.active', '=', true)
      .where('p.face_currency', '=', 'USD')
      .where(sql<boolean>`b.name ilike ${'%steam%'}`)
      .orderBy('b.name')
      .limit(20)
      .execute();
  for (const [name, query] of [
    ['first page', firstPage],
    ['filtered search', search],
  ] as const) {
    await query();
    const times: number[] = [];
    for (let index = 0; index < reads; index += 1) {
      const at = performance.now();
      await query();
      times.push(performance.now() - at);
    }
    console.log(`${name.padEnd(16)} p50 ${percentile(times, 0.5).toFixed(2)} ms  p99 ${percentile(times, 0.99).toFixed(2)} ms  (${reads} queries)`);
  }
} finally {
  clearInterval(sampler);
  await connection.close();
  const admin = new pg.Client({ connectionString: withDatabaseName(process.env.DATABASE_URL, 'postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${scratch} with (force)`);
  await admin.end();
}
