// API request logs: recorded for every request whose key was accepted (route template, status,
// duration), written in batches from the buffer, read by the partner with filters and a cursor.
// Three harnesses: in-process buffer, Redis list (when REDIS_URL is set), and a Redis that is down.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRequestLogBuffer, REQUEST_LOG_LIST } from '../../src/domain/request-logs/buffer.ts';
import { deleteRequestLogsBefore, insertRequestLogs, type RequestLogEntry } from '../../src/domain/request-logs/request-logs.ts';
import { requestLogCleanupQueue, requestLogFlushQueue } from '../../src/jobs/handlers/request-logs.ts';
import type { JobInfo } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { createConfig } from '../../src/config.ts';
import { startApp } from '../../src/main.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createAccount } from '../../src/domain/accounts/accounts.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { createTestDatabase, testRedisPrefix } from '../support/db.ts';

// A high read budget so that the load tests measure logging, not the rate limiter.
const env = { API_RATE_LIMIT_PER_MINUTE: '100000', API_WRITE_RATE_LIMIT_PER_MINUTE: '100000' };
const harness = await createApiHarness({ env });
const { ctx, call } = harness;
const jobInfo: JobInfo = { id: 'test-job', retryCount: 0, signal: new AbortController().signal };

interface LogJson {
  id: string;
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  keyId: string;
  keyMode: 'live' | 'test';
}
interface PageJson {
  data: LogJson[];
  nextCursor: string | null;
}

async function logsOf(h: typeof harness, key: string, query = ''): Promise<PageJson> {
  const response = await h.call(key, 'GET', `/v1/request-logs${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PageJson;
}

/** Rows in the table for an account, excluding the GET /v1/request-logs calls that read them. */
async function storedRows(h: typeof harness, accountId: string) {
  return h.ctx.db.selectFrom('api_request_logs').selectAll().where('account_id', '=', accountId).where('path', '!=', '/v1/request-logs').execute();
}

describe('recording', () => {
  it('records successful and failing requests with the route template, status, duration and request id', async () => {
    const partner = await harness.makePartner();
    const missingOrder = randomUUID();
    expect((await call(partner.liveKey, 'GET', '/v1/wallet', undefined, { 'x-request-id': 'req-wallet-1' })).status).toBe(200);
    await expectProblem(await call(partner.liveKey, 'GET', `/v1/orders/${missingOrder}?expand=1`), 404, 'order_not_found');
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { productId: 'x' }), 400, 'validation_failed');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/metrics'), 403, 'forbidden');
    await expectProblem(await harness.api.request('/v1/nothing-here', { headers: { authorization: `Bearer ${partner.liveKey}` } }), 404, 'not_found');
    expect((await call(partner.testKey, 'GET', '/v1/wallet')).status).toBe(200);

    const page = await logsOf(harness, partner.liveKey);
    const logs = page.data.filter((log) => log.path !== '/v1/request-logs');
    expect(logs.map((log) => [log.method, log.path, log.status, log.keyMode])).toEqual([
      ['GET', '/v1/wallet', 200, 'test'],
      ['GET', '(unmatched)', 404, 'live'],
      ['GET', '/v1/admin/metrics', 403, 'live'],
      ['POST', '/v1/orders', 400, 'live'],
      ['GET', '/v1/orders/:id', 404, 'live'],
      ['GET', '/v1/wallet', 200, 'live'],
    ]);
    // Never the raw path: no ids, no query strings.
    expect(JSON.stringify(page)).not.toContain(missingOrder);
    expect(JSON.stringify(page)).not.toContain('expand');
    const wallet = logs.at(-1) as LogJson;
    expect(wallet.requestId).toBe('req-wallet-1');
    expect(Number.isInteger(wallet.durationMs) && wallet.durationMs >= 0).toBe(true);
    const liveKeyId = (
      await ctx.db.selectFrom('api_keys').select('id').where('account_id', '=', partner.account.id).where('mode', '=', 'live').executeTakeFirstOrThrow()
    ).id;
    expect(wallet.keyId).toBe(liveKeyId);
    // A test key's requests belong to the partner (its sandbox account has none of its own).
    expect(await ctx.db.selectFrom('api_request_logs').select('id').where('account_id', '=', partner.sandboxId).execute()).toEqual([]);
  });

  it('does not record requests refused by authentication (no account to show them to)', async () => {
    await ctx.requestLogs?.flush(ctx.db);
    const before = await ctx.db
      .selectFrom('api_request_logs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    await expectProblem(await call(null, 'GET', '/v1/wallet'), 401, 'unauthorized');
    await expectProblem(await call(`sk_live_${'A'.repeat(32)}`, 'GET', '/v1/wallet'), 401, 'unauthorized');
    await ctx.requestLogs?.flush(ctx.db);
    const after = await ctx.db
      .selectFrom('api_request_logs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a request does not wait for the database: logs stay buffered until a flush', async () => {
    const partner = await harness.makePartner();
    await ctx.requestLogs?.flush(ctx.db);
    expect((await call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    expect(ctx.requestLogs?.pendingInProcess).toBe(1);
    expect(await storedRows(harness, partner.account.id)).toHaveLength(0);
    expect(await requestLogFlushQueue.handle(ctx, {}, jobInfo)).toEqual({ written: 1 });
    expect(await storedRows(harness, partner.account.id)).toHaveLength(1);
  });

  it('200 parallel requests all succeed and every one is logged', async () => {
    const partner = await harness.makePartner();
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => call(i % 2 ? partner.liveKey : partner.testKey, 'GET', '/v1/wallet')));
    expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200));
    await requestLogFlushQueue.handle(ctx, {}, jobInfo);
    const rows = await storedRows(harness, partner.account.id);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(200);
  });
});

describe('GET /v1/request-logs', () => {
  let a: Partner;
  let b: Partner;
  const t0 = Date.parse('2026-11-20T00:00:00.000Z');
  const entry = (partner: Partner, minutes: number, status: number, path: string): RequestLogEntry => ({
    accountId: partner.account.id,
    keyId: randomUUID(),
    keyMode: 'live',
    method: 'GET',
    path,
    status,
    durationMs: 5,
    requestId: `seed-${minutes}`,
    at: new Date(t0 + minutes * 60_000),
  });

  it('seeds two partners', async () => {
    a = await harness.makePartner();
    b = await harness.makePartner();
    // Ten logs for A a minute apart (statuses 200, 201, 404, 500 in turn), three for B.
    const statuses = [200, 201, 404, 500];
    await insertRequestLogs(ctx.db, [
      ...Array.from({ length: 10 }, (_, i) => entry(a, i, statuses[i % 4] as number, i % 2 ? '/v1/orders/:id' : '/v1/wallet')),
      ...Array.from({ length: 3 }, (_, i) => entry(b, i, 200, '/v1/wallet')),
    ]);
  });

  const seeded = '&to=2026-11-21T00:00:00Z';

  it('pages newest first through every log with the cursor, without repeats', async () => {
    const seen: LogJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: PageJson = await logsOf(harness, a.liveKey, `?limit=3${seeded}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen.map((log) => log.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `seed-${9 - i}`));
  });

  it('filters by status (exact or class), path and time', async () => {
    const ids = async (query: string, window = seeded) => (await logsOf(harness, a.liveKey, `?limit=200${window}${query}`)).data.map((log) => log.requestId);
    expect(await ids('&status=4xx')).toEqual(['seed-6', 'seed-2']);
    expect(await ids('&status=5xx')).toEqual(['seed-7', 'seed-3']);
    expect(await ids('&status=2xx')).toEqual(['seed-9', 'seed-8', 'seed-5', 'seed-4', 'seed-1', 'seed-0']);
    expect(await ids('&status=201')).toEqual(['seed-9', 'seed-5', 'seed-1']);
    expect(await ids(`&path=${encodeURIComponent('/v1/orders/:id')}`)).toEqual(['seed-9', 'seed-7', 'seed-5', 'seed-3', 'seed-1']);
    expect(await ids('&from=2026-11-20T00:03:00Z&to=2026-11-20T00:06:00Z', '')).toEqual(['seed-5', 'seed-4', 'seed-3']);
    expect(await ids(`&status=5xx&path=${encodeURIComponent('/v1/orders/:id')}&from=2026-11-20T00:04:00Z`)).toEqual(['seed-7']);
  });

  it("a partner never sees another partner's logs", async () => {
    const seenByB = (await logsOf(harness, b.liveKey, `?limit=200${seeded}`)).data;
    expect(seenByB.map((log) => log.requestId)).toEqual(['seed-2', 'seed-1', 'seed-0']);
    const seenByA = (await logsOf(harness, a.testKey, `?limit=200${seeded}`)).data;
    expect(seenByA).toHaveLength(10);
    expect(seenByA.every((log) => !seenByB.some((other) => other.id === log.id))).toBe(true);
  });

  it('refuses a bad cursor, a bad status filter and a bad time', async () => {
    await expectProblem(await call(a.liveKey, 'GET', '/v1/request-logs?cursor=nope'), 400, 'invalid_cursor');
    await expectProblem(await call(a.liveKey, 'GET', '/v1/request-logs?status=4x'), 400, 'validation_failed');
    await expectProblem(await call(a.liveKey, 'GET', '/v1/request-logs?status=600'), 400, 'validation_failed');
    await expectProblem(await call(a.liveKey, 'GET', '/v1/request-logs?from=yesterday'), 400, 'validation_failed');
    await expectProblem(await call(a.liveKey, 'GET', '/v1/request-logs?limit=0'), 400, 'validation_failed');
  });
});

describe('retention', () => {
  it('the cleanup job deletes only logs older than REQUEST_LOG_RETENTION_DAYS, in batches', async () => {
    const partner = await harness.makePartner();
    const day = 24 * 60 * 60 * 1000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day);
    const log = (daysAgo: number, requestId: string): RequestLogEntry => ({
      accountId: partner.account.id,
      keyId: randomUUID(),
      keyMode: 'live',
      method: 'GET',
      path: '/v1/wallet',
      status: 200,
      durationMs: 1,
      requestId,
      at: at(daysAgo),
    });
    await insertRequestLogs(ctx.db, [log(45, 'old-1'), log(31, 'old-2'), log(30.5, 'old-3'), log(29.9, 'keep-1'), log(1, 'keep-2')]);
    const before = Date.now();
    const result = (await requestLogCleanupQueue.handle(ctx, {}, jobInfo)) as { removed: number };
    expect(result.removed).toBeGreaterThanOrEqual(3);
    const left = await ctx.db.selectFrom('api_request_logs').select('request_id').where('account_id', '=', partner.account.id).orderBy('created_at').execute();
    expect(left.map((row) => row.request_id)).toEqual(['keep-1', 'keep-2']);
    // Nothing younger than the retention anywhere was touched.
    const youngest = await ctx.db
      .selectFrom('api_request_logs')
      .select((eb) => eb.fn.min('created_at').as('min'))
      .executeTakeFirstOrThrow();
    expect(new Date(youngest.min as Date).getTime()).toBeGreaterThan(before - 30 * day);

    // Batches: 7 old rows deleted 2 at a time.
    await insertRequestLogs(
      ctx.db,
      Array.from({ length: 7 }, (_, i) => log(40 + i, `batch-${i}`)),
    );
    expect(await deleteRequestLogsBefore(ctx.db, at(30), { batchSize: 2 })).toBe(7);
    expect(await ctx.db.selectFrom('api_request_logs').select('id').where('account_id', '=', partner.account.id).execute()).toHaveLength(2);
  });
});

describe('in-process buffer bound', () => {
  it('drops (and counts) entries beyond REQUEST_LOG_BUFFER_SIZE instead of growing', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const buffer = createRequestLogBuffer({ keyPrefix: 'unused:', maxInProcess: 100, registry, logger: createLogger({ level: 'silent', pretty: false }) });
    const partner = await harness.makePartner();
    for (let i = 0; i < 150; i += 1) {
      buffer.push({
        accountId: partner.account.id,
        keyId: randomUUID(),
        keyMode: 'live',
        method: 'GET',
        path: '/v1/wallet',
        status: 200,
        durationMs: 1,
        requestId: `b-${i}`,
        at: new Date(),
      });
    }
    expect(buffer.pendingInProcess).toBe(100);
    expect(await registry.getSingleMetricAsString('api_request_logs_dropped_total')).toContain('api_request_logs_dropped_total{reason="buffer_full"} 50');
    expect(await buffer.flush(ctx.db)).toBe(100);
    expect(buffer.pendingInProcess).toBe(0);
  });
});

describe.runIf(process.env.REDIS_URL)('with Redis: the buffer is a shared Redis list', async () => {
  const redisHarness = await createApiHarness({ env: { ...env, REDIS_URL: process.env.REDIS_URL as string } });
  const redis = new Redis(process.env.REDIS_URL as string, { keyPrefix: testRedisPrefix('logs') });

  it('200 parallel requests land in the list, and the flush job writes every one', async () => {
    expect(redisHarness.ctx.requestLogs?.kind).toBe('redis');
    // Wait until the buffer's own connection is up (it connects in the background).
    await expect.poll(() => redisHarness.ctx.requestLogs?.flush(redisHarness.ctx.db).then(() => true), { timeout: 5_000 }).toBe(true);
    await redis.del(REQUEST_LOG_LIST);
    const partner = await redisHarness.makePartner();
    const responses = await Promise.all(Array.from({ length: 200 }, () => redisHarness.call(partner.liveKey, 'GET', '/v1/wallet')));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    await expect.poll(() => redis.llen(REQUEST_LOG_LIST)).toBe(200);
    expect(redisHarness.ctx.requestLogs?.pendingInProcess).toBe(0);
    expect(await storedRows(redisHarness, partner.account.id)).toHaveLength(0);

    expect(await requestLogFlushQueue.handle(redisHarness.ctx, {}, jobInfo)).toEqual({ written: 200 });
    expect(await redis.llen(REQUEST_LOG_LIST)).toBe(0);
    const rows = await storedRows(redisHarness, partner.account.id);
    expect(rows).toHaveLength(200);
    expect(rows.every((row) => row.path === '/v1/wallet' && row.status === 200)).toBe(true);
    await redis.quit();
  });
});

describe('with Redis down', async () => {
  // A closed port: the buffer's client never connects.
  const downHarness = await createApiHarness({ env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' } });

  it('requests still succeed quickly, and the logs land through the in-process fallback', async () => {
    expect(downHarness.ctx.requestLogs?.kind).toBe('redis');
    const partner = await downHarness.makePartner();
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 50 }, () => downHarness.call(partner.liveKey, 'GET', '/v1/wallet')));
    const elapsed = performance.now() - started;
    expect(responses.every((response) => response.status === 200)).toBe(true);
    // Nothing waited on Redis reconnects (its retry delays alone would exceed this).
    expect(elapsed).toBeLessThan(3_000);
    expect(downHarness.ctx.requestLogs?.pendingInProcess).toBe(50);
    expect(await downHarness.ctx.metrics.registry.getSingleMetricAsString('api_request_logs_fallback_total')).toContain('api_request_logs_fallback_total 50');

    // The flush writes the in-process entries and does not fail on the missing Redis.
    expect(await requestLogFlushQueue.handle(downHarness.ctx, {}, jobInfo)).toEqual({ written: 50 });
    expect(await storedRows(downHarness, partner.account.id)).toHaveLength(50);
    // And the partner reads them.
    const page = await logsOf(downHarness, partner.liveKey, '?limit=200&path=%2Fv1%2Fwallet');
    expect(page.data).toHaveLength(50);
  });
});

describe('the api process', () => {
  it('writes its in-process buffer on graceful shutdown', async () => {
    const { db, url } = await createTestDatabase();
    const config = createConfig({ DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'silent', APP_ROLES: 'api', DEMO_SEED: 'never' });
    const app = await startApp(config, createLogger({ level: 'silent', pretty: false }), { roles: config.APP_ROLES });
    let accountId: string;
    try {
      const account = await createAccount(db, platformActor('cli'), { role: 'partner', name: 'Shutdown partner', currency: 'USD' });
      accountId = account.id;
      const key = await issueApiKey(db, apiKeySecret(config), platformActor('cli'), { accountId, mode: 'live' });
      const response = await fetch(`${app.apiUrl}/v1/wallet`, { headers: { authorization: `Bearer ${key.key}` } });
      expect(response.status).toBe(200);
      // The api role's timer flushes every few seconds: right after the request nothing is written yet.
      expect(await db.selectFrom('api_request_logs').select('id').execute()).toHaveLength(0);
    } finally {
      await app.stop();
    }
    const rows = await db.selectFrom('api_request_logs').selectAll().execute();
    expect(rows.map((row) => [row.account_id, row.method, row.path, row.status])).toEqual([[accountId, 'GET', '/v1/wallet', 200]]);
  });
});
