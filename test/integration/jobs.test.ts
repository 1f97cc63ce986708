import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { z } from 'zod';
import { ensureQueues, startBoss, startWorkers } from '../../src/jobs/boss.ts';
import { WORKER_HEARTBEAT_KEY, heartbeatQueue } from '../../src/jobs/handlers/heartbeat.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { defineQueue } from '../../src/jobs/registry.ts';
import { deadLetterName } from '../../src/shared/queue-contract.ts';
import { createTestContext } from '../support/context.ts';

const { ctx, boss, database } = await createTestContext();

async function jobsIn(queue: string): Promise<number> {
  const result = await sql<{ count: bigint }>`select count(*) as count from pgboss.job where name = ${queue}`.execute(ctx.db);
  return Number(result.rows[0]?.count);
}

describe('job queue registry', () => {
  it('creates every queue with its policy and dead-letter queue', async () => {
    for (const definition of QUEUES) {
      const queue = await boss.getQueue(definition.name);
      expect(queue?.retryLimit, definition.name).toBe(definition.retry.limit);
      expect(queue?.expireInSeconds, definition.name).toBe(definition.expireInSeconds);
      expect(queue?.heartbeatSeconds ?? undefined, definition.name).toBe(definition.heartbeatSeconds);
      if (definition.deadLetter) expect(queue?.deadLetter).toBe(deadLetterName(definition.name));
    }
  });

  it('an enqueue inside a transaction that rolls back leaves no job (outbox)', async () => {
    const before = await jobsIn(heartbeatQueue.name);
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('app_meta').values({ key: 'outbox-probe', value: '1' }).execute();
        await ctx.jobs.enqueue(heartbeatQueue, {}, { db: trx });
        expect(await jobsIn(heartbeatQueue.name)).toBe(before); // not visible outside the transaction yet
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await jobsIn(heartbeatQueue.name)).toBe(before);
    expect(await ctx.db.selectFrom('app_meta').where('key', '=', 'outbox-probe').executeTakeFirst()).toBeUndefined();
  });

  it('an enqueue inside a committed transaction is delivered to a worker', async () => {
    const before = await jobsIn(heartbeatQueue.name);
    const jobId = await ctx.db.transaction().execute((trx) => ctx.jobs.enqueue(heartbeatQueue, {}, { db: trx }));
    expect(jobId).toEqual(expect.any(String));
    expect(await jobsIn(heartbeatQueue.name)).toBe(before + 1);

    await startWorkers(boss, [heartbeatQueue], ctx, ctx.metrics);
    const deadline = Date.now() + 15_000;
    let row;
    while (!(row = await ctx.db.selectFrom('app_meta').selectAll().where('key', '=', WORKER_HEARTBEAT_KEY).executeTakeFirst())) {
      if (Date.now() > deadline) throw new Error('the worker did not run the job');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row.value).toMatchObject({ jobId });
    await boss.offWork(heartbeatQueue.name);
    const metrics = await ctx.metrics.registry.getSingleMetricAsString('jobs_total');
    expect(metrics).toContain('jobs_total{queue="system.heartbeat",outcome="completed"} 1');
  });

  it("a delayed job on a notify queue runs at the queue's polling pace, not at pg-boss's 30 s NOTIFY backstop", async () => {
    // Order polls are sent with a delay (2 s, 5 s, …) to a notify queue; NOTIFY only announces jobs
    // that are due at once, so without a short backstop this job would wait about 30 s.
    const ran: string[] = [];
    const delayed = defineQueue({
      name: 'test.delayed-notify',
      payload: z.object({ tag: z.string() }).strict(),
      policy: 'standard',
      retry: { limit: 0, delaySeconds: 1, backoff: false },
      expireInSeconds: 60,
      deadLetter: false,
      notify: true,
      pollingIntervalSeconds: 0.5,
      async handle(_ctx, data) {
        ran.push(data.tag);
      },
    });
    // A worker process's pg-boss: LISTEN/NOTIFY on (the shared test instance has it off).
    const listening = await startBoss({ connectionString: database.url, schema: `boss_notify_${process.pid}`, worker: true, logger: ctx.logger });
    try {
      await ensureQueues(listening, [delayed]);
      await startWorkers(listening, [delayed], ctx, ctx.metrics);
      await listening.send(delayed.name, { tag: 'later' }, { startAfter: 1 });
      const deadline = Date.now() + 10_000;
      while (ran.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ran).toEqual(['later']);
    } finally {
      await listening.stop({ graceful: false });
    }
  });

  it('validates the payload against the queue schema before sending', async () => {
    await expect(ctx.jobs.enqueue(heartbeatQueue, { unexpected: true } as never)).rejects.toBeInstanceOf(ZodError);
  });
});
