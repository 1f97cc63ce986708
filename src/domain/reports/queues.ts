// The reports' queue (src/jobs/handlers/reports.ts binds it to `announceMonthlyStatements`): on the
// 1st of every month the statements of the month that ended; `month` picks another (a re-run).
import { z } from 'zod';
import { defineQueueContract } from '../../shared/queue-contract.ts';

export const monthlyStatementsQueue = defineQueueContract({
  name: 'reports.monthly-statements',
  payload: z
    .object({
      month: z
        .string()
        .regex(/^\d{4}-\d{2}$/)
        .optional(),
    })
    .strict(),
  policy: 'singleton',
  retry: { limit: 5, delaySeconds: 300, backoff: true },
  expireInSeconds: 30 * 60,
  deadLetter: true,
  schedule: { cron: '30 6 1 * *', data: {} },
});
