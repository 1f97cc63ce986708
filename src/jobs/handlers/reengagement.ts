// Every day at 10:00 UTC: remind partners, agents and sub-agents inactive for
// REENGAGEMENT_INACTIVE_DAYS, once per spell of inactivity (docs/growth.md). Safe to run twice.
import { z } from 'zod';
import { sendReengagementNotices } from '../../notifications/reengagement.ts';
import { defineQueue } from '../registry.ts';

export const reengagementQueue = defineQueue({
  name: 'growth.reengagement',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 3, delaySeconds: 300, backoff: true },
  expireInSeconds: 15 * 60,
  deadLetter: true,
  schedule: { cron: '0 10 * * *', data: {} },
  async handle(ctx) {
    return sendReengagementNotices(ctx);
  },
});
