// Each minute a worker records that it is alive; `/readyz` and operators read it from app_meta.
import { sql } from 'kysely';
import { z } from 'zod';
import { defineQueue } from '../registry.ts';

export const WORKER_HEARTBEAT_KEY = 'worker_heartbeat';

export const heartbeatQueue = defineQueue({
  name: 'system.heartbeat',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 60,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
  async handle(ctx, _data, job) {
    const value = JSON.stringify({ at: new Date().toISOString(), pid: process.pid, jobId: job.id });
    await ctx.db
      .insertInto('app_meta')
      .values({ key: WORKER_HEARTBEAT_KEY, value })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, updated_at: sql`now()` }))
      .execute();
    return { recorded: true };
  },
});
