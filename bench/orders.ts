// Order intake and end-to-end order time, next to pgbench simple-update (-N) on the same server in
// the same run (issue 5):
//   intake: createOrder through the domain service (price, guard, limits, hold, insert, place job),
//           many buyers, at 8 and at 64 concurrent callers: creates/s, p50/p99, WAL bytes per order.
//           Creates are written in batches (group commit), so throughput grows with the callers
//           waiting: 8 callers measure a lightly loaded server, 64 its capacity.
//   pgbench -N at 8 clients (the issue's yardstick) and at 64.
//   The machine's speed drifts by up to 2× within minutes (a shared VM), so intake and pgbench
//   alternate in ROUNDS short rounds and each ratio is taken within its round; the median is reported.
//   end to end: one order at a time at light load, create → completed with real pg-boss workers and
//           the in-process simulator answering at once: p50/p99
// Needs DATABASE_URL (a server where it may create and drop scratch databases) and pgbench.
// Usage: DATABASE_URL=postgres://… npm run bench:orders [-- --seconds 5 --rounds 3 --e2e 40 --history 20000]
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { createConfig } from '../src/config.ts';
import { createAppContext, openDatabase } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { accountActor, platformActor } from '../src/domain/actor.ts';
import { movement, systemAccountId, transfer, walletId } from '../src/domain/ledger/ledger.ts';
import { createOrder } from '../src/domain/orders/intake.ts';
import { SIM_PRODUCTS } from '../src/integrations/bamboo/simulator/index.ts';
import { createJobQueue, ensureQueues, startBoss, startWorkers } from '../src/jobs/boss.ts';
import { orderEventsWorker, orderPlaceWorker, orderPollWorker } from '../src/jobs/handlers/orders.ts';
import { QUEUES } from '../src/jobs/queues.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { parseMoney } from '../src/shared/money.ts';
import { createMemoryState } from '../src/shared-state/index.ts';
import { adminQuery } from '../test/support/admin.ts';
import { arg, insertBenchCatalog, percentile, instantVendor } from './support.ts';

const SECONDS = arg('seconds', 5);
const ROUNDS = arg('rounds', 3);
const E2E_ORDERS = arg('e2e', 40);
const HISTORY = arg('history', 20_000);
const CALLERS = [8, 64] as const;
const PGBENCH_CLIENTS = [8, 64] as const;
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
const ctx = createAppContext({
  config,
  logger,
  db,
  state,
  jobs: createJobQueue(boss),
  metrics: createMetrics({ defaultMetrics: false }),
  vendor: instantVendor(state),
});

try {
  const operator = platformActor('cli');
  await insertBenchCatalog(db, { key: 'bench-steam', name: 'Steam Bahrain', countryCode: 'BH' }, [{ id: SIM_PRODUCTS.steam10, name: 'Steam 10 USD BH' }]);
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
  // As in service, where the vendor float is read every minute: every create is checked against it
  // (src/domain/vendor/float.ts), here with a balance it never runs out of.
  await db
    .insertInto('vendor_float')
    .values({ book: 'live', currency: 'USD', balance_minor: 10n ** 15n, requested_at: new Date() })
    .execute();
  let sequence = 0;
  const oneOrder = (buyerId: string) => {
    sequence += 1;
    return createOrder(ctx, {
      buyerId,
      actor: accountActor(buyerId, 'api'),
      clientReference: `bench-${sequence}`,
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
  };

  // Intake: workers not running, so only createOrder is measured. First a history, as a database
  // in service has: measured on nearly empty tables, every pooled connection would keep the plans
  // it made when `orders` had a few pages (sequential scans) while the table grows during the run.
  let written = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (written < HISTORY) {
        written += 1;
        await oneOrder(buyers[written % BUYERS] as string);
      }
    }),
  );
  await boss.deleteAllJobs(orderPlaceWorker.name);
  await sql`analyze`.execute(db); // statistics, as autovacuum keeps them in service (it would take a minute here)
  const walPosition = async () => (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db)).rows[0]?.lsn as string;
  const walBytesSince = async (from: string) =>
    Number((await sql<{ bytes: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${from}::pg_lsn)::text as bytes`.execute(db)).rows[0]?.bytes);

  async function measureIntake(callers: number) {
    const latencies: number[] = [];
    const wal = await walPosition();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const until = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        let turn = caller;
        while (performance.now() < until) {
          const at = performance.now();
          await oneOrder(buyers[turn % BUYERS] as string);
          latencies.push(performance.now() - at);
          turn += callers;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const walPerOrder = (await walBytesSince(wal)) / latencies.length;
    await boss.deleteAllJobs(orderPlaceWorker.name); // the intake orders are not bought
    latencies.sort((x, y) => x - y);
    return {
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      orders: latencies.length,
      walPerOrder,
      nodeCpu: (user + system) / 1e6 / seconds,
    };
  }

  const pgbenchDb = `${runId}_pgbench`;
  await admin(`create database ${pgbenchDb}`);
  pgbench(pgbenchDb, ['-i', '-s', '10', '-q']);
  const measurePgbench = (clients: number) =>
    Number(/tps = ([\d.]+)/.exec(pgbench(pgbenchDb, ['-N', '-c', String(clients), '-j', '2', '-T', String(SECONDS)]))?.[1]);

  const checkpoint = () => sql`checkpoint`.execute(db);
  type IntakeRun = Awaited<ReturnType<typeof measureIntake>>;
  const rounds: { intake: Record<number, IntakeRun>; pgbench: Record<number, number> }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const intake: Record<number, IntakeRun> = {};
      const tps: Record<number, number> = {};
      // Each phase starts with no dirty pages of the other in shared buffers (pgbench's data set
      // is larger than PostgreSQL's default shared_buffers): a checkpoint writes them out first.
      for (const callers of CALLERS) {
        await checkpoint();
        intake[callers] = await measureIntake(callers);
      }
      for (const clients of PGBENCH_CLIENTS) {
        await checkpoint();
        tps[clients] = measurePgbench(clients);
      }
      rounds.push({ intake, pgbench: tps });
    }
  } finally {
    await admin(`drop database if exists ${pgbenchDb} with (force)`);
  }

  // End to end at light load: one order at a time with the workers running.
  const metrics = createMetrics({ defaultMetrics: false });
  await startWorkers(boss, [orderPlaceWorker, orderPollWorker, orderEventsWorker], ctx, metrics);
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

  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
  const fixed = (value: number, digits = 0) => value.toFixed(digits);
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s each, ${BUYERS} buyers, ${HISTORY} orders written before; per round: intake at ${CALLERS.join(' and ')} callers, then pgbench -N at ${PGBENCH_CLIENTS.join(' and ')} clients`,
  );
  rounds.forEach(({ intake, pgbench: tps }, index) => {
    const parts = CALLERS.map((callers) => {
      const run = intake[callers] as IntakeRun;
      return `${callers} callers ${fixed(run.perSecond)} creates/s (p50 ${fixed(run.p50, 1)} ms, p99 ${fixed(run.p99, 1)} ms, ${fixed(run.walPerOrder)} WAL bytes/order, Node ${fixed(run.nodeCpu * 100)} % of a core)`;
    });
    console.log(
      `round ${index + 1}: intake ${parts.join('; ')}; pgbench ${PGBENCH_CLIENTS.map((clients) => `${clients} clients ${fixed(tps[clients] as number)} tps`).join(', ')}`,
    );
  });
  for (const callers of CALLERS) {
    const versus8 = median(rounds.map(({ intake, pgbench: tps }) => (intake[callers] as IntakeRun).perSecond / (tps[8] as number)));
    const versusSame = median(rounds.map(({ intake, pgbench: tps }) => (intake[callers] as IntakeRun).perSecond / (tps[callers] as number)));
    const same = callers === 8 ? '' : `, ${fixed(versusSame, 2)} of pgbench at ${callers} clients`;
    console.log(`intake at ${callers} callers / pgbench -N: median ${fixed(versus8, 2)} of pgbench at 8 clients${same} (target ≥ 0.3)`);
  }
  console.log(
    `create → completed (${E2E_ORDERS} orders, one at a time): p50 ${percentile(endToEnd, 50).toFixed(0)} ms, p99 ${percentile(endToEnd, 99).toFixed(0)} ms (targets 1000 / 2000 ms)`,
  );
} finally {
  await boss.stop({ graceful: false });
  await connection.close();
  await admin(`drop database if exists ${runId} with (force)`);
}
