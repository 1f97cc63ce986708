import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureQueues, startWorkers } from '../../src/jobs/boss.ts';
import { defineQueue } from '../../src/jobs/registry.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { failedJobs, queueSummaries, retryFailedWork } from '../../src/ops/jobs.ts';
import { isDomainError } from '../../src/shared/errors.ts';
import { createTestContext } from '../support/context.ts';

const { ctx, boss } = await createTestContext();
const operator = platformActor('cli');
let attempts = 0;
let healthy = false;
const flaky = defineQueue({
  name: 'test.flaky',
  payload: z.object({ n: z.number() }),
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  async handle() {
    attempts += 1;
    if (!healthy) throw new Error('vendor unreachable');
    return { ok: true };
  },
});
const idle = defineQueue({ ...flaky, name: 'test.idle', deadLetter: false });
await ensureQueues(boss, [flaky, idle]);

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('operations views of jobs', () => {
  it('shows waiting work per queue with the oldest waiting job', async () => {
    await ctx.jobs.enqueue(idle, { n: 1 });
    await ctx.jobs.enqueue(idle, { n: 2 });
    const summary = (await queueSummaries(ctx.db, operator, [idle.name])).find((row) => row.queue === idle.name);
    expect(summary).toMatchObject({ waiting: 2, active: 0, failed: 0 });
    expect(summary?.oldestWaitingSince).toBeInstanceOf(Date);
  });

  it('lists failed and dead-lettered jobs with their error, and retries them', async () => {
    await ctx.jobs.enqueue(flaky, { n: 7 });
    await startWorkers(boss, [flaky], ctx, ctx.metrics);
    const failed = await until(async () => {
      const jobs = await failedJobs(ctx.db, operator, { queue: flaky.name });
      return jobs.length > 0 ? jobs : undefined;
    });
    // One piece of work, listed once (pg-boss also keeps a dead-letter copy of it).
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ queue: flaky.name, failedIn: flaky.name, error: 'vendor unreachable', data: { n: 7 } });
    expect((await queueSummaries(ctx.db, operator, [flaky.name])).find((row) => row.queue === `${flaky.name}.dead`)?.waiting).toBe(1);

    const missing = await retryFailedWork(boss, ctx.db, operator, { queue: flaky.name, id: '00000000-0000-0000-0000-000000000000' }).catch(
      (error: unknown) => error,
    );
    expect(isDomainError(missing, 'job_not_found')).toBe(true);

    healthy = true;
    const before = attempts;
    const retried = await retryFailedWork(boss, ctx.db, operator, { queue: flaky.name, all: true });
    expect(retried).toEqual([{ queue: flaky.name, id: failed[0]?.id }]);
    await until(async () => ((await failedJobs(ctx.db, operator, { queue: flaky.name })).length === 0 && attempts > before ? true : undefined));
    await boss.offWork(flaky.name);
    expect(attempts).toBe(before + 1); // ran once more, not once per copy
    const summaries = await queueSummaries(ctx.db, operator, [flaky.name]);
    expect(summaries.find((row) => row.queue === `${flaky.name}.dead`)).toBeUndefined();
  });

  it('sends a dead-letter entry whose original is gone back to its queue', async () => {
    const deadId = (await boss.send(`${flaky.name}.dead`, { n: 9 })) as string;
    const [orphan] = await failedJobs(ctx.db, operator, { queue: flaky.name });
    expect(orphan).toMatchObject({ queue: `${flaky.name}.dead`, id: deadId, data: { n: 9 } });
    const [retried] = await retryFailedWork(boss, ctx.db, operator, { queue: `${flaky.name}.dead`, id: deadId });
    expect(retried?.queue).toBe(flaky.name);
    const [requeued] = await boss.findJobs<{ n: number }>(flaky.name, { id: retried?.id as string });
    expect(requeued?.data).toEqual({ n: 9 });
    expect(await failedJobs(ctx.db, operator, { queue: flaky.name })).toEqual([]);
  });
});
