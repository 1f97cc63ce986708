// The admins' daily summary in Telegram (issue 6): every day at 06:00 UTC, yesterday's orders, GMV
// and failures, the top-ups pending now and the vendor balance. Sent once per day (see
// sendDailySummary); `day` picks another day (tests, a manual re-run).
import { dailySummary } from '../../domain/orders/summary.ts';
import { sendDailySummary } from '../../notifications/admin-alerts.ts';
import { dayJobPayload, yesterdayUtc } from '../../shared/queue-contract.ts';
import { defineQueue } from '../registry.ts';

export const dailySummaryQueue = defineQueue({
  name: 'reports.daily-summary',
  payload: dayJobPayload,
  policy: 'singleton',
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 5 * 60,
  deadLetter: true,
  schedule: { cron: '0 6 * * *', data: {} },
  async handle(ctx, data) {
    const summary = await dailySummary(ctx, data.day ?? yesterdayUtc());
    return { day: summary.day, sent: await sendDailySummary(ctx, summary) };
  },
});
