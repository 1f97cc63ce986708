// Request logs: every minute any worker drains the shared buffer (the Redis list, and its own
// in-process entries) into api_request_logs; daily, logs older than REQUEST_LOG_RETENTION_DAYS go.
import { z } from 'zod';
import { deleteRequestLogsBefore } from '../../domain/request-logs/request-logs.ts';
import { defineQueue } from '../registry.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export const requestLogFlushQueue = defineQueue({
  name: 'request-logs.flush',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 1, delaySeconds: 10, backoff: false },
  expireInSeconds: 120,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
  async handle(ctx) {
    return { written: (await ctx.requestLogs?.flush(ctx.db)) ?? 0 };
  },
});

export const requestLogCleanupQueue = defineQueue({
  name: 'request-logs.cleanup',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 300, backoff: false },
  expireInSeconds: 1_800,
  deadLetter: false,
  schedule: { cron: '41 3 * * *', data: {} },
  async handle(ctx) {
    const before = new Date(Date.now() - ctx.config.REQUEST_LOG_RETENTION_DAYS * DAY_MS);
    return { removed: await deleteRequestLogsBefore(ctx.db, before), before: before.toISOString() };
  },
});
