// Order intake and end-to-end order time, next to pgbench simple-update (-N, 8 clients) on the same
// server in the same run (issue 5):
//   intake: createOrder through the domain service (price, guard, limits, hold, insert, place job),
//           many buyers, CLIENTS concurrent callers: creates/s, p50/p99
//   end to end: one order at a time at light load, create → completed with real pg-boss workers and
//           the in-process simulator answering at once: p50/p99
// Needs DATABASE_URL (a server where it may create and drop scratch databases) and pgbench.
// Usage: DATABASE_URL=postgres://… npm run bench:orders [-- --seconds 10 --e2e 40]
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { createConfig } from '../src/config.ts';
import { openDatabase, type AppContext } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { accountActor, platformActor } from '../src/domain/actor.ts';
import { movement, systemAccountId, transfer, walletId } from '../src/domain/ledger/ledger.ts';
import { createOrder } from '../src/domain/orders/intake.ts';
import { SIM_PRODUCTS } from '../src/integrations/bamboo/simulator/index.ts';
import { createJobQueue, ensureQueues, startBoss, startWorkers } from '../src/jobs/boss.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../src/jobs/handlers/orders.ts';
import { QUEUES } from '../src/jobs/queues.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { parseMoney } from '../src/shared/money.ts';
import { createMemoryState } from '../src/shared-state/index.ts';
import { adminQuery } from '../test/support/admin.ts';
import { arg, percentile, instantVendor } from './support.ts';

const SECONDS = arg('seconds', 10);
const E2E_ORDERS = arg('e2e', 40);
const CLIENTS = 8;
const BUYERS = 200;
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops scratch databases there)');
const SERVER = process.env.DATABASE_URL;
const runId = `bench_orders_${process.pid}`;

/** Runs one statement on the server's maintenance database. */
const admin = (statement: string) => adminQuery(SERVER, statement);

function pgbench(database: string, args: string[]): string {
  const url = new URL(withDatabaseName(SERVER, database));
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  const connection = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')];
  return execFileSync('pgbench', [...connection, ...args, database], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const logger = createLogger({ level: 'warn', pretty: false });
const url = withDatabaseName(SERVER, runId);
const config = createConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20' });
const connection = await openDatabase(config, logger);
const { db } = connection;
const boss = await startBoss({ connectionString: url, worker: true, logger });
await ensureQueues(boss, QUEUES);
const state = createMemoryState();
const ctx: AppContext = {
  config,
  logger,
  db,
  state,
  jobs: createJobQueue(boss),
  metrics: createMetrics({ defaultMetrics: false }),
  vendor: instantVendor(state),
};

try {
  const operator = platformActor('cli');
  await db.insertInto('catalog_brands').values({ key: 'bench-steam', name: 'Steam Bahrain', country_code: 'BH', currency: 'USD', updated_at: new Date() }).execute();
  await db
    .insertInto('catalog_products')
    .values({
      id: BigInt(SIM_PRODUCTS.steam10), brand_key: 'bench-steam', name: 'Steam 10 USD BH', kind: 'fixed', face_currency: 'USD',
      min_face_minor: 1000n, max_face_minor: 1000n, cost_currency: 'USD', cost_min_minor: 947n, cost_max_minor: 947n,
      stock: null, created_at: new Date(), updated_at: new Date(),
    })
    .execute();
  const buyers: string[] = [];
  for (let index = 0; index < BUYERS; index += 1) {
    const account = await createAccount(db, operator, { role: 'partner', name: `bench buyer ${index}`, currency: 'USD', parentId: null });
    await transfer(db, {
      idempotencyKey: `bench-fund-${account.id}`,
      kind: 'topup',
      entries: movement(systemAccountId('funding', 'USD'), walletId(account.id), parseMoney('1000000.00', 'USD')),
      actor: operator,
    });
    buyers.push(account.id);
  }
  let sequence = 0;
  const oneOrder = (buyerId: string) => {
    sequence += 1;
    return createOrder(ctx, {
      buyerId, actor: accountActor(buyerId, 'api'), clientReference: `bench-${sequence}`,
      productId: SIM_PRODUCTS.steam10, face: parseMoney('10.00', 'USD'), quantity: 1,
    });
  };

  // Intake: workers not running, so only createOrder is measured.
  for (let index = 0; index < 50; index += 1) await oneOrder(buyers[index % BUYERS] as string); // warm-up
  await sql`analyze`.execute(db); // statistics, as a database in service has them (autovacuum would take a minute)
  const latencies: number[] = [];
  const intakeStarted = performance.now();
  const intakeCpu = process.cpuUsage();
  const until = intakeStarted + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      let turn = client;
      while (performance.now() < until) {
        const at = performance.now();
        await oneOrder(buyers[turn % BUYERS] as string);
        latencies.push(performance.now() - at);
        turn += CLIENTS;
      }
    }),
  );
  const intakeSeconds = (performance.now() - intakeStarted) / 1000;
  const { user, system } = process.cpuUsage(intakeCpu);
  const nodeCpuShare = (user + system) / 1e6 / intakeSeconds;
  latencies.sort((a, b) => a - b);
  const intakeTps = latencies.length / intakeSeconds;
  await boss.deleteAllJobs(orderPlaceQueue.name); // the intake orders are not bought

  // End to end at light load: one order at a time with the workers running.
  const metrics = createMetrics({ defaultMetrics: false });
  await startWorkers(boss, [orderPlaceQueue, orderPollQueue, orderEventsQueue], ctx, metrics);
  const endToEnd: number[] = [];
  for (let index = 0; index < E2E_ORDERS; index += 1) {
    const at = performance.now();
    const { order } = await oneOrder(buyers[index % BUYERS] as string);
    for (;;) {
      const row = await db.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow();
      if (row.status === 'completed') break;
      if (row.status === 'failed' || row.status === 'partially_completed') throw new Error(`bench order ${order.id} ended ${row.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    endToEnd.push(performance.now() - at);
  }
  endToEnd.sort((a, b) => a - b);

  // pgbench simple-update on the same server, in the same run.
  const pgbenchDb = `${runId}_pgbench`;
  await admin(`create database ${pgbenchDb}`);
  let pgbenchTps = NaN;
  try {
    pgbench(pgbenchDb, ['-i', '-s', '10', '-q']);
    pgbenchTps = Number(/tps = ([\d.]+)/.exec(pgbench(pgbenchDb, ['-N', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS)]))?.[1]);
  } finally {
    await admin(`drop database if exists ${pgbenchDb} with (force)`);
  }

  console.log(`intake (createOrder, ${CLIENTS} callers, ${BUYERS} buyers): ${intakeTps.toFixed(0)} creates/s, p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms (${latencies.length} orders in ${intakeSeconds.toFixed(1)} s; this process used ${(nodeCpuShare * 100).toFixed(0)} % of a core)`);
  console.log(`pgbench -N (${CLIENTS} clients): ${pgbenchTps.toFixed(0)} tps; intake / pgbench = ${(intakeTps / pgbenchTps).toFixed(2)} (target ≥ 0.3)`);
  console.log(`create → completed (${E2E_ORDERS} orders, one at a time): p50 ${percentile(endToEnd, 50).toFixed(0)} ms, p99 ${percentile(endToEnd, 99).toFixed(0)} ms (targets 1000 / 2000 ms)`);
} finally {
  await boss.stop({ graceful: false });
  await connection.close();
  await admin(`drop database if exists ${runId} with (force)`);
}
