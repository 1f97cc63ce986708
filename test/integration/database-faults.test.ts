// Faults of the database connection: a connection lost in use or idle never kills the process; the
// pool hands out a fresh connection next (docs/architecture.md, Faults).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/transaction.ts';
import { createDatabase, waitForDatabase } from '../../src/db/database.ts';
import { startBoss } from '../../src/jobs/boss.ts';
import { createLogger } from '../../src/logger.ts';
import { adminQuery } from '../support/admin.ts';
import { createTestDatabase } from '../support/db.ts';
import { startTcpProxy, throughProxy } from '../support/tcp-proxy.ts';

const { url, name } = await createTestDatabase();

/** Ends a backend from outside, as a database restart or a network fault would. */
const terminate = (pid: number) => adminQuery(url, `select pg_terminate_backend(${pid})`);

describe('a lost database connection', () => {
  it('in use, mid-transaction: the transaction fails, the process lives, the next query works', async () => {
    const { db } = createDatabase(url, { poolSize: 2 });
    try {
      const failed = withTransaction(db, async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await terminate(rows[0]!.pid);
        await sql`select pg_sleep(0.2)`.execute(trx);
      });
      await expect(failed).rejects.toThrow();
      // A crash would have come as an uncaught 'error' event before this line (vitest fails the file).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('idle in the pool: the next query gets a fresh connection', async () => {
    const { db } = createDatabase(url, { poolSize: 1 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
      await terminate(rows[0]!.pid);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows: after } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
      expect(after[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      await db.destroy();
    }
  });
});

describe('pg-boss losing its connections', () => {
  it('keeps the process alive and works again afterwards', async () => {
    const boss = await startBoss({ connectionString: url, worker: true, logger: createLogger({ level: 'silent' }) });
    try {
      await boss.createQueue('fault.test');
      const seen: number[] = [];
      await boss.work<{ n: number }>('fault.test', { pollingIntervalSeconds: 0.5 }, async ([job]) => void seen.push(job!.data.n));
      const { rowCount } = await adminQuery(url, `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [name]);
      expect(rowCount).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await boss.send('fault.test', { n: 1 });
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);
    } finally {
      await boss.stop({ graceful: false });
    }
  });
});

describe('starting while PostgreSQL is not accepting connections', () => {
  const proxied = async () => {
    const target = new URL(url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.cut();
    return proxy;
  };

  it('waits with backoff and starts once it is back', async () => {
    const proxy = await proxied();
    const retries: number[] = [];
    setTimeout(() => void proxy.restore(), 1_000);
    try {
      await waitForDatabase(throughProxy(url, proxy), { timeoutMs: 10_000, onRetry: (_error, waitMs) => retries.push(waitMs) });
      expect(retries.length).toBeGreaterThan(1);
      expect(retries[1]).toBeGreaterThan(retries[0]!);
    } finally {
      await proxy.close();
    }
  });

  it('gives up after the timeout with the connection error', async () => {
    const proxy = await proxied();
    try {
      const started = Date.now();
      await expect(waitForDatabase(throughProxy(url, proxy), { timeoutMs: 800 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await proxy.close();
    }
  });

  it('fails at once for what waiting cannot fix (a database that refuses the login)', async () => {
    const wrongUser = new URL(url);
    wrongUser.username = 'nobody_here';
    const started = Date.now();
    await expect(waitForDatabase(wrongUser.toString(), { timeoutMs: 10_000 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
