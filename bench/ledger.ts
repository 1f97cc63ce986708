// Ledger throughput: transfers/s and latency on one hot wallet (every transfer contends for the
// same row) and across 1,000 wallets, next to two pgbench baselines on the same server in the same
// run: the built-in simple-update (`-N`) and a custom script that updates one single row and
// inserts a history row (the hot-row limit). 8 clients, 20 s each (BENCH_SECONDS, BENCH_CLIENTS).
//
//   npm run bench:ledger            (DATABASE_URL defaults to the local PostgreSQL server)
//
// Prints a Markdown section for docs/benchmarks.md. Uses throwaway databases, dropped at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, withDatabaseName, type Database } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { platformActor } from '../src/domain/actor.ts';
import { checkLedgerConsistency } from '../src/domain/ledger/consistency.ts';
import { movement, systemAccountId, transfer, walletId, type EntryInput } from '../src/domain/ledger/ledger.ts';
import { money } from '../src/shared/money.ts';
import { adminQuery } from '../test/support/admin.ts';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WALLETS = 1000;
const operator = platformActor('system');
const runId = `bench_${Date.now().toString(36)}`;

/** Runs one statement on the server's maintenance database. */
const admin = (statement: string) => adminQuery(SERVER, statement);

interface Result {
  name: string;
  tps: number;
  p50?: number;
  p99?: number;
}

/** One timed slice of a run: operations done, seconds taken, and latencies (ms) or their average. */
interface Slice {
  operations: number;
  seconds: number;
  latencies?: number[];
  averageLatency?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Numbers idempotency keys across all slices. */
let sequence = 0;

/** CLIENTS loops, each doing `operation` back to back for `seconds`. */
async function drive(seconds: number, operation: (sequence: number) => Promise<unknown>): Promise<Slice> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        sequence += 1;
        const begin = performance.now();
        await operation(sequence);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { operations: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

function pgbench(seconds: number, database: string, args: string[]): Slice {
  const url = new URL(withDatabaseName(SERVER, database));
  const connection = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')];
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  const output = execFileSync('pgbench', [...connection, '-c', String(CLIENTS), '-j', String(Math.min(CLIENTS, 4)), '-T', String(seconds), ...args, database], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
  // pgbench reports an average latency, not percentiles.
  return { operations: tps * seconds, seconds, averageLatency: Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]) };
}

function combine(name: string, slices: Slice[]): Result {
  const operations = slices.reduce((sum, slice) => sum + slice.operations, 0);
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  if (slices.every((slice) => slice.latencies)) {
    const latencies = slices.flatMap((slice) => slice.latencies ?? []).sort((a, b) => a - b);
    return { name, tps: operations / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }
  const average = slices.reduce((sum, slice) => sum + (slice.averageLatency ?? 0) * slice.operations, 0) / operations;
  return { name, tps: operations / seconds, p50: average };
}

function pgbenchInit(database: string): void {
  const url = new URL(withDatabaseName(SERVER, database));
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  execFileSync(
    'pgbench',
    ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), '-i', '-s', '10', '-q', database],
    {
      env,
      stdio: 'ignore',
    },
  );
}

async function setUpLedger(db: Database): Promise<{ hot: string; wallets: string[] }> {
  const create = (name: string) => createAccount(db, operator, { role: 'agent', name, currency: 'USD' });
  const hot = await create('hot wallet');
  const many: string[] = [];
  for (let index = 0; index < WALLETS; index += 1) many.push((await create(`wallet ${index}`)).id);
  // Fund everything in one transfer: plenty for the whole run.
  const each = 100_000_000n;
  const entries: EntryInput[] = [hot.id, ...many].map((id) => ({ ledgerAccountId: walletId(id), amount: money(each, 'USD') }));
  entries.push({ ledgerAccountId: systemAccountId('funding', 'USD'), amount: money(-each * BigInt(entries.length), 'USD') });
  await transfer(db, { idempotencyKey: 'bench-funding', kind: 'topup', actor: operator, entries });
  return { hot: hot.id, wallets: many };
}

/** An order hold of 0.01: wallet → order clearing, the most common transfer. */
function hold(db: Database, accountId: string, key: string) {
  return transfer(db, {
    idempotencyKey: key,
    kind: 'order_hold',
    actor: operator,
    entries: movement(walletId(accountId), systemAccountId('order_clearing', 'USD'), money(1n, 'USD')),
  });
}

async function main(): Promise<void> {
  const ledgerDb = `${runId}_ledger`;
  const pgbenchDb = `${runId}_pgbench`;
  await admin(`create database ${ledgerDb}`);
  await admin(`create database ${pgbenchDb}`);
  const { db } = createDatabase(withDatabaseName(SERVER, ledgerDb), { poolSize: CLIENTS });
  try {
    await migrateToLatest(db);
    const { hot, wallets } = await setUpLedger(db);
    pgbenchInit(pgbenchDb);
    const scriptDir = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const hotRowScript = path.join(scriptDir, 'hot-row.sql');
    writeFileSync(
      hotRowScript,
      [
        '\\set delta random(1, 100)',
        'BEGIN;',
        'UPDATE hot_row SET balance = balance + :delta WHERE id = 1;',
        'INSERT INTO hot_row_history (delta) VALUES (:delta);',
        'END;',
        '',
      ].join('\n'),
    );
    const setup = new pg.Client({ connectionString: withDatabaseName(SERVER, pgbenchDb) });
    await setup.connect();
    await setup.query('create table hot_row (id int primary key, balance bigint not null); insert into hot_row values (1, 0);');
    await setup.query('create table hot_row_history (id bigserial primary key, delta bigint not null, at timestamptz not null default now())');
    await setup.end();

    process.stderr.write(`benchmarking: ${CLIENTS} clients, ${SECONDS} s per run in ${ROUNDS} alternating slices\n`);
    // Each ledger run alternates with its baseline in short slices, so both see the same load on a
    // machine shared with other work.
    const slice = SECONDS / ROUNDS;
    const runs = { simple: [] as Slice[], many: [] as Slice[], hotRow: [] as Slice[], hotWallet: [] as Slice[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      runs.simple.push(pgbench(slice, pgbenchDb, ['-N']));
      runs.many.push(await drive(slice, (n) => hold(db, wallets[Math.floor(Math.random() * wallets.length)] as string, `many-${n}`)));
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      runs.hotRow.push(pgbench(slice, pgbenchDb, ['-f', hotRowScript]));
      runs.hotWallet.push(await drive(slice, (n) => hold(db, hot, `hot-${n}`)));
    }
    const results = [
      combine('pgbench simple-update (-N)', runs.simple),
      combine('ledger, 1,000 wallets', runs.many),
      combine('pgbench hot row (1 UPDATE + 1 INSERT)', runs.hotRow),
      combine('ledger, 1 hot wallet', runs.hotWallet),
    ];

    const report = await checkLedgerConsistency(db);
    if (!report.ok) throw new Error(`ledger drift after the benchmark: ${JSON.stringify(report.drifts)}`);
    const [simple, many, hotRow, hotWallet] = results as [Result, Result, Result, Result];
    const fmt = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(1));
    const lines = [
      `### Ledger transfers (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${CLIENTS} clients, ${SECONDS} s each in ${ROUNDS} alternating slices)`,
      '',
      '| run | transfers/s | p50 ms | p99 ms |',
      '|---|---:|---:|---:|',
      ...results.map((result) =>
        result.name.startsWith('pgbench')
          ? `| ${result.name} | ${result.tps.toFixed(0)} | ${fmt(result.p50)} (avg) | – |`
          : `| ${result.name} | ${result.tps.toFixed(0)} | ${fmt(result.p50)} | ${fmt(result.p99)} |`,
      ),
      '',
      `- many wallets / simple-update: **${(many.tps / simple.tps).toFixed(2)}** (target ≥ 0.5)`,
      `- hot wallet / hot row: **${(hotWallet.tps / hotRow.tps).toFixed(2)}** (target ≥ 0.5)`,
      `- ledger consistent after the run: ${report.transfers} transfers, ${report.wallets} wallets`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.destroy();
    await admin(`drop database if exists ${ledgerDb} with (force)`);
    await admin(`drop database if exists ${pgbenchDb} with (force)`);
  }
}

await main();
