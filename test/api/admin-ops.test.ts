// Operations views over REST (admin key): queue sizes, failed work with its error, and retrying it
// (one failed job in place, every dead-lettered job of a queue), audited; plus the CLI's retry-all.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { startWorkers } from '../../src/jobs/boss.ts';
import { dailySummaryQueue } from '../../src/jobs/handlers/daily-summary.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { cliRunner } from '../support/cli.ts';

const harness = await createApiHarness();
const { ctx, boss, call, adminKey, database } = harness;
const queue = dailySummaryQueue.name;

/** A job of `queue` that failed for good with `message` (pg-boss also keeps a dead-letter copy). */
async function failedJob(day: string, message: string): Promise<string> {
  const id = (await boss.send(queue, { day }, { retryLimit: 0 })) as string;
  const [fetched] = await boss.fetch(queue, { batchSize: 1 });
  expect(fetched?.id).toBe(id);
  await boss.fail(queue, id, { message });
  return id;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const stateOf = async (name: string, id: string) => (await boss.findJobs(name, { id }))[0]?.state;

describe('admin operations API', () => {
  it('shows queue sizes with the oldest waiting job', async () => {
    await boss.send('telegram.delete', { chatId: 1, messageId: 2 }, { startAfter: 3600 });
    const response = await call(adminKey, 'GET', '/v1/admin/ops/queues');
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { queue: string; waiting: number; oldestWaitingSince: string | null }[] };
    expect(data.find((row) => row.queue === 'telegram.delete')).toMatchObject({ waiting: 1, oldestWaitingSince: expect.any(String) });
    expect(data.find((row) => row.queue === queue)).toMatchObject({ waiting: 0, oldestWaitingSince: null });
  });

  it('lists a failed job with its error and retries it: it runs and succeeds', async () => {
    const id = await failedJob('2026-01-01', 'vendor down');
    const listed = (await (await call(adminKey, 'GET', `/v1/admin/ops/failed?queue=${queue}`)).json()) as {
      data: { id: string; error: string; failedIn: string }[];
    };
    expect(listed.data).toEqual([expect.objectContaining({ id, queue, failedIn: queue, error: 'vendor down' })]);

    await expectProblem(await call(adminKey, 'POST', '/v1/admin/ops/retry', { queue, id: '00000000-0000-4000-8000-000000000000' }), 404, 'job_not_found');
    const retried = await call(adminKey, 'POST', '/v1/admin/ops/retry', { queue, id });
    expect(await retried.json()).toEqual({ data: [{ queue, id }] });
    expect(await stateOf(queue, id)).toBe('retry');
    // The dead-letter copy went with it: the work is listed nowhere as failed.
    expect((await (await call(adminKey, 'GET', `/v1/admin/ops/failed?queue=${queue}`)).json()) as unknown).toEqual({ data: [] });

    const workers = await startWorkers(boss, [dailySummaryQueue], ctx, ctx.metrics);
    try {
      await until(async () => ((await stateOf(queue, id)) === 'completed' ? true : undefined));
    } finally {
      for (const worker of workers) await boss.offWork(queue, { id: worker });
    }
    const audit = await queryAuditLog(ctx.db, platformActor('cli'), { action: 'ops.jobs_retried' });
    expect(audit[0]).toMatchObject({
      actor_account_id: harness.admin.id,
      subject_type: 'queue',
      subject_id: queue,
      after: { requested: id, retried: [{ queue, id }] },
    });
  });

  it('retries every dead-lettered job of a queue; the work runs again', async () => {
    const deadId = (await boss.send(`${queue}.dead`, { day: '2026-01-02' })) as string;
    const response = await call(adminKey, 'POST', '/v1/admin/ops/retry', { queue, all: true });
    const { data } = (await response.json()) as { data: { queue: string; id: string }[] };
    expect(data).toHaveLength(1);
    expect(data[0]?.queue).toBe(queue);
    expect(data[0]?.id).not.toBe(deadId);
    expect(await stateOf(`${queue}.dead`, deadId)).toBeUndefined();
    const workers = await startWorkers(boss, [dailySummaryQueue], ctx, ctx.metrics);
    try {
      await until(async () => ((await stateOf(queue, data[0]?.id as string)) === 'completed' ? true : undefined));
    } finally {
      for (const worker of workers) await boss.offWork(queue, { id: worker });
    }
  });

  it('refuses partner keys and bad input', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/ops/queues'), 403, 'forbidden');
    await expectProblem(await call(adminKey, 'POST', '/v1/admin/ops/retry', { queue }), 400, 'validation_failed');
    await expectProblem(await call(adminKey, 'POST', '/v1/admin/ops/retry', { queue, id: 'not-a-uuid' }), 400, 'validation_failed');
  });

  it('CLI: ops retry --queue X --all puts back failed and dead-lettered work', async () => {
    const steller = cliRunner(database.url);
    const failed = await failedJob('2026-01-03', 'timeout');
    const orphan = (await boss.send(`${queue}.dead`, { day: '2026-01-04' })) as string;
    const retried = (await steller('ops', 'retry', '--queue', queue, '--all')) as { queue: string; id: string }[];
    expect(retried).toHaveLength(2);
    expect(retried).toContainEqual({ queue, id: failed });
    expect(await stateOf(queue, failed)).toBe('retry');
    expect(await stateOf(`${queue}.dead`, orphan)).toBeUndefined();
    expect(await (await call(adminKey, 'GET', `/v1/admin/ops/failed?queue=${queue}`)).json()).toEqual({ data: [] });
  });
});
