// Every 15 minutes: reads the Bamboo balances and alerts the admins in Telegram when an active
// account fell below VENDOR_LOW_BALANCE_THRESHOLD (once per crossing; see src/ops/vendor.ts).
import { z } from 'zod';
import { alertAdminsOfLowVendorBalance } from '../../notifications/admin-alerts.ts';
import { checkVendorBalances } from '../../ops/vendor.ts';
import { defineQueue } from '../registry.ts';

export const vendorBalanceQueue = defineQueue({
  name: 'ops.vendor-balance',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 120,
  deadLetter: true,
  schedule: { cron: '*/15 * * * *', data: {} },
  async handle(ctx) {
    const result = await checkVendorBalances(ctx, (accounts, threshold) => alertAdminsOfLowVendorBalance(ctx, accounts, threshold));
    return { low: result.low.map((account) => account.id), alerted: result.alerted.map((account) => account.id) };
  },
});
