// Vendor throughput under Bamboo's real limits (issue 17): how many buyers' orders become cards per
// minute when the vendor enforces its published limits, and what that costs in vendor calls.
//   - A PostgreSQL database of its own: a scratch database on the server of DATABASE_URL (created
//     and dropped), or an embedded cluster in a temp directory when DATABASE_URL is unset.
//   - As separate processes (`node src/cli/bin.js …`, as bench/chaos.ts starts them): the standalone
//     simulator (`simulator --limits real --log-requests`), the api (`start --roles api`) and one
//     worker (`start --roles worker`), the vendor reached over HTTP (VENDOR=bamboo); the simulator's
//     completion callbacks go to the api's /bamboo/callback. Redis only when REDIS_URL is set.
//   - Seed: migrate, a full catalog sync (the simulator's limits off for the seed only), partners
//     with live keys, funds and no risk limits.
//   - Load: `POST /v1/orders` at --rate orders a second for --seconds, 1–3 cards each, over 40 USD
//     products (`--products mixed`) or one (`--products one`); a 5xx, 429 or network error is retried
//     with the same Idempotency-Key. Then it waits up to --drain seconds for every order to be final.
// It prints: buyer orders sent and completed per minute, create → completed p50/p99, vendor orders
// and cards per vendor order (bamboo_sim.orders), Get Order calls per vendor order and the vendor's
// 429s (the simulator's request log: what reached "Bamboo"), and the orders still open at the end.
// Not in CI. Usage: [DATABASE_URL=postgres://…] npm run bench:vendor-throughput -- [--rate 10]
//   [--seconds 600] [--products mixed|one] [--partners 3] [--drain 300] [--keep] [--timeline]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createConfig } from '../src/config.ts';
import { openDatabase } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { platformActor } from '../src/domain/actor.ts';
import { apiKeySecret, issueApiKey } from '../src/domain/api-keys/api-keys.ts';
import { creditWallet } from '../src/domain/funding/manual.ts';
import { FINAL_STATUSES } from '../src/domain/orders/orders.tables.ts';
import { setRiskLimits } from '../src/domain/orders/risk.ts';
import { SANDBOX_CREDENTIAL } from '../src/integrations/bamboo/simulator/index.ts';
import { createLogger } from '../src/logger.ts';
import { parseMoney } from '../src/shared/money.ts';
import { adminQuery } from '../test/support/admin.ts';
import { arg, percentile } from './support.ts';

const SECONDS = arg('seconds', 600);
const RATE = arg('rate', 10); // buyer orders per second, all partners together
const PARTNERS = arg('partners', 3);
const DRAIN_SECONDS = arg('drain', 300);
const PRODUCTS = process.argv.includes('--products') ? process.argv[process.argv.indexOf('--products') + 1] : 'mixed';
if (PRODUCTS !== 'mixed' && PRODUCTS !== 'one') throw new Error('--products takes mixed or one');
const KEEP = process.argv.includes('--keep');
const FUNDS = '1000000.00'; // USD per partner
const VENDOR_BALANCE_USD = '100000000.00'; // Bamboo's balance (the simulator's): never what limits a run
const TARGET_P99_MS = 30_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'src/cli/bin.js');

const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = createLogger({ level: 'warn', pretty: false });

// ---------------------------------------------------------------------------------------------
// The database this run owns.

const workDir = mkdtempSync(path.join(os.tmpdir(), 'steller-vendor-bench-'));
chmodSync(workDir, 0o755); // as root, an embedded PostgreSQL runs as the postgres OS user, which must enter it
const server = process.env.DATABASE_URL;
const scratchName = `bench_vendor_${process.pid}`;
const cluster: EmbeddedDatabase | undefined = server
  ? undefined
  : await startEmbeddedDatabase({ dataDir: path.join(workDir, 'pg'), port: await freePort(), database: 'steller', logger });
const databaseUrl = server ? withDatabaseName(server, scratchName) : cluster!.url;
const simulatorPort = await freePort();
const apiPort = await freePort();
const apiUrl = `http://127.0.0.1:${apiPort}`;
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
const callbackSecret = randomBytes(16).toString('hex');

const childEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? os.tmpdir(),
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  DATABASE_URL: databaseUrl,
  HOST: '127.0.0.1',
  PORT: String(apiPort),
  VENDOR: 'bamboo',
  BAMBOO_BASE_URL: simulatorUrl,
  BAMBOO_CLIENT_ID: SANDBOX_CREDENTIAL.clientId,
  BAMBOO_CLIENT_SECRET: SANDBOX_CREDENTIAL.clientSecret,
  BAMBOO_ACCOUNT_ID: '555',
  BAMBOO_CALLBACK_SECRET: callbackSecret,
  CARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  API_KEY_SECRET: randomBytes(32).toString('hex'),
  // The vendor's limits are the point, not the partner API's per-key limits.
  API_WRITE_RATE_LIMIT_PER_MINUTE: '100000',
  API_RATE_LIMIT_PER_MINUTE: '100000',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `steller-vendor-bench-${process.pid}-${Date.now()}:` } : {}),
};
const config = createConfig({ ...childEnv, LOG_LEVEL: 'warn' });
// Created once the configuration is known to be valid, so a bad one leaves no database behind.
if (server) await adminQuery(server, `create database ${scratchName}`);

// ---------------------------------------------------------------------------------------------
// Processes.

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}
const children: Child[] = [];
const logPath = (name: string) => path.join(workDir, `${name}.log`);

/** Starts `steller <args>` and resolves once it printed its ready line. */
function startChild(name: string, args: string[], ready: RegExp, timeoutMs = 120_000): Promise<Child> {
  const log = createWriteStream(logPath(name), { flags: 'a' });
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { name, process: proc, exited: new Promise((resolve) => proc.once('exit', () => resolve())) };
  children.push(child);
  let seen = '';
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ready after ${timeoutMs} ms (see ${logPath(name)})`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      log.end();
      reject(new Error(`${name} exited (code ${code}); see ${logPath(name)}`));
    });
  });
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const inTime = await Promise.race([child.exited.then(() => true), sleep(config.SHUTDOWN_TIMEOUT_MS + 10_000).then(() => false)]);
  if (!inTime) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

function cli(args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

async function cleanUp(): Promise<void> {
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  if (cluster) await cluster.stop();
  if (server) await adminQuery(server, `drop database if exists ${scratchName} with (force)`);
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

// ---------------------------------------------------------------------------------------------
// Seed.

interface Partner {
  accountId: string;
  key: string;
}
const partners: Partner[] = [];
let products: { id: string; face: string }[] = [];

async function seed(): Promise<void> {
  cli(['migrate']);
  // A full catalog sync at 1 page a second would take long: the seed's simulator has no limits.
  const seedSimulator = await startChild('simulator-seed', ['simulator', '--port', String(simulatorPort), '--limits', 'off'], /Bamboo simulator on/);
  cli(['catalog', 'sync', '--mode', 'full', '--page-size', '1000']);
  cli(['fx', 'sync']);
  // The simulator's USD account starts with about 100,000 USD: ten minutes at 10 orders a second
  // spend about 200,000, and the float would refuse the rest (503). Ours is made big enough, and read.
  cli(['simulator-state', 'balance', '--account', '555', '--amount', VENDOR_BALANCE_USD]);
  cli(['vendor', 'float', '--refresh']);
  await stopChild(seedSimulator);

  const connection = await openDatabase(config, logger, { migrate: false });
  const { db } = connection;
  try {
    const rows = await db
      .selectFrom('catalog_products')
      .select(['id', 'min_face_minor'])
      .where('active', '=', true)
      .where('kind', '=', 'fixed')
      .where('face_currency', '=', 'USD')
      .where('cost_currency', '=', 'USD')
      .where('stock', 'is', null)
      .where('id', '>=', 500_000n)
      .where('max_face_minor', '<=', 5_000n)
      .orderBy('id')
      .limit(PRODUCTS === 'one' ? 1 : 40)
      .execute();
    if (rows.length === 0) throw new Error('no orderable USD product in the synced catalog');
    products = rows.map((row) => ({ id: String(row.id), face: (Number(row.min_face_minor) / 100).toFixed(2) }));
    const operator = platformActor('cli');
    for (let n = 1; n <= PARTNERS; n += 1) {
      const account = await createAccount(db, operator, { role: 'partner', name: `Throughput partner ${n}`, parentId: null, currency: 'USD' });
      const key = await issueApiKey(db, apiKeySecret(config), operator, { accountId: account.id, mode: 'live' });
      await creditWallet(db, operator, {
        accountId: account.id,
        amount: parseMoney(FUNDS, 'USD'),
        reason: 'vendor throughput bench',
        idempotencyKey: randomUUID(),
      });
      await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: null });
      partners.push({ accountId: key.accountId, key: key.key });
    }
  } finally {
    await connection.close();
  }
}

/** Bamboo's completion callbacks to the api, as an operator would configure them (Bamboo's notification endpoint). */
async function configureCallbacks(): Promise<void> {
  const auth = Buffer.from(`${SANDBOX_CREDENTIAL.clientId}:${SANDBOX_CREDENTIAL.clientSecret}`).toString('base64');
  const url = `${apiUrl}/bamboo/callback`;
  const response = await fetch(`${simulatorUrl}/api/Integration/v1/notification`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify({ notificationUrl: url, notificationUrlSandbox: url, secretKey: callbackSecret }),
  });
  if (!response.ok) throw new Error(`setting the callback URL failed: ${response.status} ${await response.text()}`);
}

// ---------------------------------------------------------------------------------------------
// Load: a careful client, one Idempotency-Key per order, retried until a 2xx/4xx answer.

const answers = new Map<string, number>();
let refused = 0;
/** Answers retried (5xx, 429): a run where the api turned orders away for long is not a throughput run. */
let retried = 0;
let stopRetrying = false;

async function sendOrder(n: number): Promise<void> {
  const partner = partners[n % partners.length]!;
  const product = products[Math.floor(Math.random() * products.length)]!;
  const body = JSON.stringify({ productId: product.id, faceValue: { amount: product.face, currency: 'USD' }, quantity: 1 + Math.floor(Math.random() * 3) });
  const key = `throughput-${n}-${randomUUID()}`;
  while (!stopRetrying) {
    try {
      const response = await fetch(`${apiUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partner.key}`, 'idempotency-key': key, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      if (response.status < 500 && response.status !== 429) {
        answers.set(String(response.status), (answers.get(String(response.status)) ?? 0) + 1);
        if (response.status !== 202) refused += 1;
        return;
      }
      retried += 1;
    } catch {
      // a network error: the same key again
    }
    await sleep(500 + Math.random() * 500);
  }
}

async function runLoad(): Promise<{ sent: number; inFlight: Promise<void>[] }> {
  const inFlight: Promise<void>[] = [];
  const until = Date.now() + SECONDS * 1000;
  const loadStarted = Date.now();
  let n = 0;
  while (Date.now() < until) {
    // Paced against the clock, not by sleeps alone, so a slow event loop does not lower the rate.
    const due = Math.floor(((Date.now() - loadStarted) / 1000) * RATE);
    for (; n < due; n += 1) inFlight.push(sendOrder(n));
    await sleep(Math.max(5, 1000 / RATE / 2));
  }
  return { sent: n, inFlight };
}

// ---------------------------------------------------------------------------------------------
// Report.

interface SimulatorCounts {
  byEndpoint: Map<string, { calls: number; tooMany: number }>;
}

/** The simulator's request log: one line per answered request (`--log-requests`). */
function simulatorCounts(): SimulatorCounts {
  const byEndpoint = new Map<string, { calls: number; tooMany: number }>();
  for (const match of readFileSync(logPath('simulator'), 'utf8').matchAll(/"simulatorRequest":"(\w+)","status":(\d+)/g)) {
    const counts = byEndpoint.get(match[1]!) ?? { calls: 0, tooMany: 0 };
    counts.calls += 1;
    if (match[2] === '429') counts.tooMany += 1;
    byEndpoint.set(match[1]!, counts);
  }
  return { byEndpoint };
}

async function report(sent: number, loadSeconds: number): Promise<void> {
  const connection = await openDatabase(config, logger, { migrate: false });
  const { db } = connection;
  try {
    const rows = await db
      .selectFrom('orders')
      .select(['status', 'quantity', 'created_at', 'finished_at'])
      .where(
        'buyer_id',
        'in',
        partners.map((partner) => partner.accountId),
      )
      .execute();
    const statusCounts = new Map<string, number>();
    for (const row of rows) statusCounts.set(row.status, (statusCounts.get(row.status) ?? 0) + 1);
    const open = rows.filter((row) => !FINAL_STATUSES.includes(row.status));
    const completed = rows.filter((row) => row.status === 'completed' && row.finished_at);
    const latencies = completed.map((row) => row.finished_at!.getTime() - row.created_at.getTime()).sort((a, b) => a - b);
    const firstCreated = Math.min(...rows.map((row) => row.created_at.getTime()));
    const lastFinished = Math.max(...completed.map((row) => row.finished_at!.getTime()));
    const vendor = await sql<{ orders: string; cards: string }>`
      select count(*)::text as orders,
             coalesce(sum((select sum((line->>'quantity')::int) from jsonb_array_elements(document->'lines') as line)), 0)::text as cards
      from bamboo_sim.orders where client_id = ${SANDBOX_CREDENTIAL.clientId}`.execute(db);
    const vendorOrders = Number(vendor.rows[0]?.orders ?? 0);
    const vendorCards = Number(vendor.rows[0]?.cards ?? 0);
    const calls = simulatorCounts().byEndpoint;
    const getOrder = calls.get('getOrder') ?? { calls: 0, tooMany: 0 };
    const tooMany = [...calls].filter(([, counts]) => counts.tooMany > 0);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const p99 = percentile(latencies, 99);

    console.log(`\n== vendor throughput: ${RATE} orders/s for ${SECONDS} s, products ${PRODUCTS} (${products.length}), ${PARTNERS} partners`);
    console.log(
      `buyer orders: ${sent} sent (${((sent / loadSeconds) * 60).toFixed(0)}/min), answers ${[...answers].map(([status, n]) => `${status} ×${n}`).join(', ')}`,
    );
    console.log(`  states: ${[...statusCounts].map(([status, n]) => `${status} ${n}`).join(', ')}`);
    console.log(
      `  completed: ${completed.length} (${((completed.length / Math.max(1, lastFinished - firstCreated)) * 60_000).toFixed(0)}/min, first create → last completion)`,
    );
    console.log(`  create → completed: p50 ${seconds(percentile(latencies, 50))}, p99 ${seconds(p99)}, max ${seconds(latencies.at(-1) ?? NaN)}`);
    // Where the time goes: waiting for a checkout turn (create → the vendor order's placing), then the vendor and us.
    const split = await sql<{ to_placing_ms: number; placing_to_done_ms: number }>`
      select extract(epoch from p.at - o.created_at) * 1000 as to_placing_ms, extract(epoch from o.finished_at - p.at) * 1000 as placing_to_done_ms
      from orders o join order_transitions p on p.order_id = o.id and p.status = 'placing'
      where o.status = 'completed'`.execute(db);
    const toPlacing = split.rows.map((row) => Number(row.to_placing_ms)).sort((a, b) => a - b);
    const placingToDone = split.rows.map((row) => Number(row.placing_to_done_ms)).sort((a, b) => a - b);
    console.log(
      `    of which create → in a vendor order: p50 ${seconds(percentile(toPlacing, 50))}, p99 ${seconds(percentile(toPlacing, 99))}; vendor order → completed: p50 ${seconds(percentile(placingToDone, 50))}, p99 ${seconds(percentile(placingToDone, 99))}`,
    );
    const timeline = await sql<{ at: Date; members: string; cards: number }>`
      select v.created_at as at, count(*)::text as members, v.quantity as cards from vendor_orders v join vendor_order_members m on m.vendor_order_id = v.id
      group by v.id order by v.created_at`.execute(db);
    if (process.argv.includes('--timeline'))
      for (const row of timeline.rows)
        console.log(`    vendor order at ${row.at.toISOString().slice(11, 23)}: ${row.members} buyer orders, ${row.cards} cards`);
    console.log(`vendor orders: ${vendorOrders}, cards per vendor order ${(vendorCards / Math.max(1, vendorOrders)).toFixed(2)}`);
    console.log(
      `Get Order calls: ${getOrder.calls} (${(getOrder.calls / Math.max(1, vendorOrders)).toFixed(2)} per vendor order); checkouts ${calls.get('checkout')?.calls ?? 0}`,
    );
    console.log(`vendor 429s: ${tooMany.length === 0 ? 0 : tooMany.map(([endpoint, counts]) => `${endpoint} ${counts.tooMany}`).join(', ')}`);
    console.log(`stuck (not final at the end): ${open.length}${open.length > 0 ? ` (${[...new Set(open.map((row) => row.status))].join(', ')})` : ''}`);
    console.log(
      `targets: p99 ≤ 30 s ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'}; 429s = 0 ${tooMany.length === 0 ? 'met' : 'MISSED'}; ≤ 1.0 Get Order per vendor order ${getOrder.calls <= vendorOrders ? 'met' : 'MISSED'}; nothing stuck ${open.length === 0 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `machine: ${os.cpus().length} cores, load average ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')} at the end, ${new Date().toISOString()}`,
    );
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------

let exitCode = 0;
try {
  say(`work directory ${workDir}; database ${server ? scratchName : 'embedded'}; Redis: ${process.env.REDIS_URL ? 'yes' : 'no'}`);
  await seed();
  say(`seeded: ${partners.length} partners, ${products.length} products`);
  await startChild('simulator', ['simulator', '--port', String(simulatorPort), '--limits', 'real', '--log-requests'], /Bamboo simulator on/);
  await startChild('api', ['start', '--roles', 'api'], /Steller Agency is running/);
  await startChild('worker', ['start', '--roles', 'worker'], /Steller Agency is running/);
  await configureCallbacks();
  say(`running: simulator (real limits), api, worker; ${RATE} orders/s for ${SECONDS} s`);
  const loadStarted = Date.now();
  const { sent, inFlight } = await runLoad();
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  say(`load stopped: ${sent} orders sent; draining (at most ${DRAIN_SECONDS} s)`);
  const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
  const giveUp = setTimeout(() => (stopRetrying = true), DRAIN_SECONDS * 1000);
  await Promise.all(inFlight);
  clearTimeout(giveUp);
  const connection = await openDatabase(config, logger, { migrate: false });
  try {
    for (;;) {
      const row = await connection.db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', 'not in', [...FINAL_STATUSES])
        .executeTakeFirstOrThrow();
      if (Number(row.n) === 0 || Date.now() > drainUntil) break;
      await sleep(1_000);
    }
  } finally {
    await connection.close();
  }
  say('drained');
  await Promise.all(children.filter((child) => child.name !== 'simulator').map((child) => stopChild(child)));
  await Promise.all(children.map((child) => stopChild(child)));
  await report(sent, loadSeconds);
  if (refused > 0) console.log(`note: ${refused} orders refused by the api`);
  if (retried > 0) console.log(`note: ${retried} answers of the api were 5xx or 429 and retried with the same key`);
} catch (error) {
  console.error('vendor throughput bench broke:', error);
  exitCode = 1;
} finally {
  await cleanUp();
  if (exitCode === 0 && !KEEP) rmSync(workDir, { recursive: true, force: true });
  else console.log(`logs kept in ${workDir}`);
}
process.exit(exitCode);
