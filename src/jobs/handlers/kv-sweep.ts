// Hourly: removes expired entries of the PostgreSQL key/value store (used when Redis is absent).
import { z } from 'zod';
import { sweepExpiredEntries } from '../../shared-state/index.ts';
import { defineQueue } from '../registry.ts';

export const kvSweepQueue = defineQueue({
  name: 'system.kv-sweep',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: false },
  expireInSeconds: 300,
  deadLetter: false,
  schedule: { cron: '17 * * * *', data: {} },
  async handle(ctx) {
    return { removed: await sweepExpiredEntries(ctx.db) };
  },
});
