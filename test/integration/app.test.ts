import { spawn } from 'node:child_process';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApi } from '../../api/index.ts';
import { closeServer, listen } from '../../api/server.ts';
import { PROJECT_ROOT, createConfig } from '../../src/config.ts';
import { createAppContext } from '../../src/context.ts';
import { createDatabase } from '../../src/db/database.ts';
import { freePort } from '../../src/db/embedded.ts';
import { ensureQueues, startWorkers } from '../../src/jobs/boss.ts';
import { defineQueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { startApp } from '../../src/main.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { createVendor } from '../../src/integrations/bamboo/index.ts';
import { createTestContext } from '../support/context.ts';
import { createTestDatabase } from '../support/db.ts';

const silent = createLogger({ level: 'silent', pretty: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the running app', () => {
  it('serves health, readiness and metrics, and stops cleanly', async () => {
    const { url } = await createTestDatabase();
    const config = createConfig({ DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'silent', APP_ROLES: 'api,worker' });
    const app = await startApp(config, silent, { roles: config.APP_ROLES });
    try {
      const base = app.apiUrl as string;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'req-123' } });
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-request-id')).toBe('req-123');
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { status: 'ok' }, queue: { status: 'ok' } } });

      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect(await missing.json()).toMatchObject({ status: 404, code: 'not_found', requestId: expect.any(String) });

      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{method="GET",route="/readyz",status="200"} 1');
      expect(metrics).toContain('http_request_duration_seconds_bucket');
      expect(metrics).toContain('# TYPE jobs_total counter');
      expect(app.summary.join('\n')).toMatch(/worker: .*system\.heartbeat/);
    } finally {
      await app.stop();
    }
    await expect(fetch(`${app.apiUrl}/healthz`)).rejects.toThrow();
  });

  it('readiness fails with 503 when the database is down', async () => {
    const deadPort = await freePort();
    const { db } = createDatabase(`postgres://postgres@127.0.0.1:${deadPort}/nothing`, { poolSize: 1 });
    const config = createConfig({});
    const state = createMemoryState();
    const ctx = createAppContext({
      config,
      logger: silent,
      db,
      state,
      jobs: { enqueue: async () => null, enqueueMany: async () => undefined },
      metrics: createMetrics({ defaultMetrics: false }),
      vendor: createVendor(config, state, silent),
    });
    const api = createApi({ ctx, boss: { getQueues: async () => [] } });
    const response = await api.request('/readyz');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(body.status).toBe('not_ready');
    expect(body.checks.database?.status).toBe('fail');
    expect(body.checks.queue?.status).toBe('ok');
    await db.destroy();
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish and refuses new connections', async () => {
    const app = new Hono().get('/slow', async (c) => {
      await sleep(300);
      return c.text('finished');
    });
    const { server, url } = await listen(app.fetch, '127.0.0.1', 0);
    const inFlight = fetch(`${url}/slow`).then((response) => response.text());
    await sleep(50);
    const closing = closeServer(server, 5_000);
    expect(await inFlight).toBe('finished');
    await closing;
    await expect(fetch(`${url}/slow`)).rejects.toThrow();
  });

  it('waits for a running job to finish before pg-boss stops', async () => {
    const { ctx, boss } = await createTestContext();
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slowQueue = defineQueue({
      name: 'test.slow',
      payload: z.object({}),
      retry: { limit: 0, delaySeconds: 0, backoff: false },
      expireInSeconds: 60,
      deadLetter: false,
      async handle() {
        started();
        await sleep(500);
        finished = true;
      },
    });
    await ensureQueues(boss, [slowQueue]);
    const jobId = (await ctx.jobs.enqueue(slowQueue, {})) as string;
    await startWorkers(boss, [slowQueue], ctx, ctx.metrics);
    await running;
    await boss.stop({ graceful: true, timeout: 10_000, close: false });
    expect(finished).toBe(true);
    const [job] = await boss.findJobs('test.slow', { id: jobId });
    expect(job?.state).toBe('completed');
  });

  it('SIGTERM stops the whole process with exit code 0', async () => {
    const { url } = await createTestDatabase();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'src/cli/bin.js'), '--json', 'start', '--roles', 'api,worker'], {
      env: { ...process.env, DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info', REDIS_URL: '', TELEGRAM_BOT_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    afterAll(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 30_000;
    let apiUrl: string | undefined;
    while (!apiUrl) {
      const line = output.split('\n').find((entry) => entry.includes('"status":"running"'));
      if (line) apiUrl = (JSON.parse(line) as { apiUrl: string }).apiUrl;
      else if (Date.now() > deadline || child.exitCode !== null) throw new Error(`app did not start:\n${output}`);
      else await sleep(100);
    }
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
    expect(output).toContain('"msg":"stopped"');
    await expect(fetch(`${apiUrl}/healthz`)).rejects.toThrow();
  });
});
