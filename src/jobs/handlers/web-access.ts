// Hourly: removes ended web sessions and expired sign-in links (src/domain/web-access; docs/web.md).
import { z } from 'zod';
import { deleteExpiredWebAccess } from '../../domain/web-access/sessions.ts';
import { defineQueue } from '../registry.ts';

export const webAccessCleanupQueue = defineQueue({
  name: 'web.cleanup',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: false },
  expireInSeconds: 300,
  deadLetter: false,
  schedule: { cron: '23 * * * *', data: {} },
  async handle(ctx) {
    return { removed: await deleteExpiredWebAccess(ctx.db) };
  },
});
