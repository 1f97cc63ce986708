// The partner REST API over real HTTP (issue 7): GET /v1/catalog and POST /v1/orders at 10 and 50
// concurrent connections, requests/s and p50/p99, with a plain fetch loop per connection (keep-alive)
// on a thread of its own (bench/http-load.ts).
// First the fast reads (issue 22) against a bare anchor started here, in the same run: a plain
// node:http + pg server that does one key-lookup round trip plus the page query for the same 50
// rows from the same database. GET /v1/catalog?limit=50, GET /v1/catalog/{id} and GET /v1/wallet
// at 50 connections, each with its ratio to the anchor (`--only reads` stops after them).
// Then the request-log overhead (issue 8): GET /v1/wallet at 50 connections without request logs,
// with the in-process buffer, and with the Redis list (when REDIS_URL is set).
// The server runs in this process on an ephemeral port over a scratch database; order intake only
// (no workers: the orders are not bought). Rate limits are raised out of the way.
// Needs DATABASE_URL (a server where it may create and drop a scratch database).
// Usage: DATABASE_URL=postgres://… npm run bench:api [-- --seconds 5]
import { createApi } from '../api/index.ts';
import { closeServer, listen } from '../api/server.ts';
import { createConfig } from '../src/config.ts';
import { createAppContext, openDatabase } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { platformActor } from '../src/domain/actor.ts';
import { apiKeySecret, hashApiKey, issueApiKey } from '../src/domain/api-keys/api-keys.ts';
import { movement, systemAccountId, transfer, walletId } from '../src/domain/ledger/ledger.ts';
import { createVendor } from '../src/integrations/bamboo/index.ts';
import { SIM_PRODUCTS } from '../src/integrations/bamboo/simulator/index.ts';
import { createJobQueue, ensureQueues, startBoss } from '../src/jobs/boss.ts';
import { QUEUES } from '../src/jobs/queues.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { parseMoney } from '../src/shared/money.ts';
import { createMemoryState } from '../src/shared-state/index.ts';
import { createRequestLogBuffer, type RequestLogBuffer } from '../src/domain/request-logs/buffer.ts';
import { adminQuery } from '../test/support/admin.ts';
import { createServer } from 'node:http';
import pg from 'pg';
import { loadFrom, type LoadResult, type LoadSpec } from './http-load.ts';
import { arg, insertBenchCatalog, percentile } from './support.ts';

const SECONDS = arg('seconds', 5);
const ONLY_READS = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'reads';
const CONNECTIONS = [10, 50];
const PRODUCTS = 500;
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops a scratch database there)');
const SERVER = process.env.DATABASE_URL;
const runId = `bench_api_${process.pid}`;

/** Runs one statement on the server's maintenance database. */
const admin = (statement: string) => adminQuery(SERVER, statement);

const logger = createLogger({ level: 'warn', pretty: false });
const url = withDatabaseName(SERVER, runId);
const config = createConfig({
  DATABASE_URL: url,
  LOG_LEVEL: 'warn',
  DATABASE_POOL_SIZE: '20',
  API_RATE_LIMIT_PER_MINUTE: '100000',
  API_WRITE_RATE_LIMIT_PER_MINUTE: '100000',
});
const connection = await openDatabase(config, logger);
const { db } = connection;
const boss = await startBoss({ connectionString: url, worker: false, logger });
await ensureQueues(boss, QUEUES);
const state = createMemoryState();
const ctx = createAppContext({
  config,
  logger,
  db,
  state,
  jobs: createJobQueue(boss),
  metrics: createMetrics({ defaultMetrics: false }),
  vendor: createVendor(config, state, logger),
});
const { server, url: base } = await listen(createApi({ ctx, boss }).fetch, '127.0.0.1', 0);

type Result = LoadResult;

/** `connections` keep-alive loops sending `request` for SECONDS, from a thread of their own (bench/http-load.ts). */
const run = (connections: number, request: Omit<LoadSpec, 'connections' | 'seconds'>): Promise<Result> =>
  loadFrom({ ...request, connections, seconds: SECONDS });

const line = (name: string, connections: number, result: Result) =>
  `${name.padEnd(26)} ${String(connections).padStart(3)} conns: ${(result.requests / result.seconds).toFixed(0)} req/s, p50 ${percentile(result.latencies, 50).toFixed(1)} ms, ` +
  `p99 ${percentile(result.latencies, 99).toFixed(1)} ms (${result.requests} requests, ${result.errors} not 2xx)`;

try {
  const operator = platformActor('cli');
  const productIds = [SIM_PRODUCTS.steam10, ...Array.from({ length: PRODUCTS - 1 }, (_, index) => 800_000 + index)];
  await insertBenchCatalog(
    db,
    { key: 'bench-brand', name: 'Bench', countryCode: 'US' },
    productIds.map((id) => ({ id, name: `Bench ${id}` })),
  );
  const partner = await createAccount(db, operator, { role: 'partner', name: 'bench partner', currency: 'USD', parentId: null });
  await transfer(db, {
    idempotencyKey: `bench-fund-${partner.id}`,
    kind: 'topup',
    entries: movement(systemAccountId('funding', 'USD'), walletId(partner.id), parseMoney('100000000.00', 'USD')),
    actor: operator,
  });
  const { key } = await issueApiKey(db, apiKeySecret(config), operator, { accountId: partner.id, mode: 'live' });
  const headers = { authorization: `Bearer ${key}` };
  // A key of its own for each read row: one row sends more requests a minute than the per-key limit
  // allows at its highest setting (100,000).
  const ownKey = async () => ({
    authorization: `Bearer ${(await issueApiKey(db, apiKeySecret(config), operator, { accountId: partner.id, mode: 'live' })).key}`,
  });
  const catalog = { url: `${base}/v1/catalog?limit=50`, headers: await ownKey() };
  // Idempotency keys of the rounds differ: prefixed with the round's connection count.
  const order = (round: number) => ({
    url: `${base}/v1/orders`,
    method: 'POST' as const,
    headers: { ...headers, 'content-type': 'application/json' },
    idempotencyPrefix: `bench-${process.pid}-${round}`,
    body: JSON.stringify({ productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1 }),
  });

  // The bare anchor: the key lookup (by its HMAC, as we store keys) and the page query, nothing else.
  const anchorPool = new pg.Pool({ connectionString: url, max: 20 });
  const anchor = createServer((request, response) => {
    void (async () => {
      const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      const found = await anchorPool.query(
        'select k.id, k.revoked_at, a.id as account_id, a.status from api_keys k join accounts a on a.id = k.account_id where k.key_hash = $1',
        [hashApiKey(apiKeySecret(config), presented)],
      );
      if (found.rows.length === 0) {
        response.writeHead(401).end();
        return;
      }
      const page = await anchorPool.query(
        `select p.id, p.name, p.kind, p.face_currency, p.min_face_minor, p.max_face_minor, p.stock, b.key as brand_key, b.name as brand_name,
           b.logo_url, b.country_code, b.category_ids, b.description, b.redemption_instructions, b.terms
         from catalog_products p join catalog_brands b on b.key = p.brand_key where p.active order by p.id limit 51`,
      );
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: page.rows.slice(0, 50) }));
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => anchor.listen(0, '127.0.0.1', resolve));
  const anchorPort = (anchor.address() as { port: number }).port;
  const bare = { url: `http://127.0.0.1:${anchorPort}/`, headers };
  const item = { url: `${base}/v1/catalog/${SIM_PRODUCTS.steam10}`, headers: await ownKey() };
  const walletRead = { url: `${base}/v1/wallet`, headers: await ownKey() };

  // Warm-ups: connections, prepared statements, and our caches (as a running server has them).
  await run(5, bare);
  await run(5, catalog);
  await run(5, item);
  await run(5, walletRead);
  const anchorResult = await run(50, bare);
  const rate = (result: Result) => result.requests / result.seconds;
  console.log(line('anchor (bare)', 50, anchorResult));
  for (const [name, request] of [
    ['GET /v1/catalog?limit=50', catalog],
    ['GET /v1/catalog/{id}', item],
    ['GET /v1/wallet', walletRead],
  ] as const) {
    const result = await run(50, request);
    console.log(`${line(name, 50, result)}; ${(rate(result) / rate(anchorResult)).toFixed(2)} × anchor`);
  }
  // The anchor again: the machine's speed drifts, so the ratios above have an anchor on each side.
  const anchorAfter = await run(50, bare);
  console.log(line('anchor (bare)', 50, anchorAfter));
  await new Promise((resolve) => anchor.close(resolve));
  await anchorPool.end();
  if (!ONLY_READS) {
    for (const connections of CONNECTIONS) console.log(line('GET /v1/catalog', connections, await run(connections, catalog)));
    for (const connections of CONNECTIONS) console.log(line('POST /v1/orders', connections, await run(connections, order(connections))));

    // Request-log overhead: the same app with each buffer (ctx.requestLogs) on its own server.
    const buffers: [string, RequestLogBuffer | undefined][] = [
      ['no request logs', undefined],
      ['logs in process', createRequestLogBuffer({ keyPrefix: `${runId}:`, maxInProcess: 1_000_000, logger })],
    ];
    if (process.env.REDIS_URL)
      buffers.push(['logs in Redis', createRequestLogBuffer({ redisUrl: process.env.REDIS_URL, keyPrefix: `${runId}:`, maxInProcess: 1_000_000, logger })]);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the Redis buffer connects in the background
    for (const [name, requestLogs] of buffers) {
      const logged = await listen(createApi({ ctx: { ...ctx, ...(requestLogs ? { requestLogs } : {}) }, boss }).fetch, '127.0.0.1', 0);
      const wallet = { url: `${logged.url}/v1/wallet`, headers };
      await run(5, wallet); // warm-up
      const result = await run(50, wallet);
      const flushStarted = performance.now();
      const written = requestLogs ? await requestLogs.flush(db) : 0;
      console.log(
        `${line(`GET /v1/wallet, ${name}`, 50, result)}${requestLogs ? `; flush wrote ${written} rows in ${(performance.now() - flushStarted).toFixed(0)} ms` : ''}`,
      );
      await closeServer(logged.server, 1000);
      await requestLogs?.close();
    }
  }
} finally {
  await closeServer(server, 1000);
  await boss.stop({ graceful: false });
  await connection.close();
  await admin(`drop database if exists ${runId} with (force)`);
}
