// Every minute: the vendor float's balances from Bamboo's accounts endpoint (well within its
// 1-a-second limit) and the low-float alert (src/domain/vendor/float.ts); every day at 03:00 UTC:
// our completion callback still registered and heard (src/domain/vendor/notifications.ts).
import { z } from 'zod';
import { formatMoney } from '../../shared/money.ts';
import { dayJobPayload, yesterdayUtc } from '../../shared/queue-contract.ts';
import { refreshVendorFloat } from '../../domain/vendor/float.ts';
import { checkVendorCallback } from '../../domain/vendor/notifications.ts';
import { defineQueue } from '../registry.ts';

export const vendorFloatQueue = defineQueue({
  name: 'vendor.float-refresh',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 1, delaySeconds: 10, backoff: false },
  expireInSeconds: 60,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
  async handle(ctx) {
    const floats = await refreshVendorFloat(ctx);
    return { floats: floats.map((view) => ({ book: view.book, left: formatMoney(view.left), hoursLeft: view.hoursLeft })) };
  },
});

export const vendorCallbackCheckQueue = defineQueue({
  name: 'vendor.callback-check',
  payload: dayJobPayload,
  policy: 'singleton',
  retry: { limit: 3, delaySeconds: 300, backoff: true },
  expireInSeconds: 300,
  deadLetter: true,
  schedule: { cron: '0 3 * * *', data: {} },
  async handle(ctx, data) {
    return checkVendorCallback(ctx, data.day ?? yesterdayUtc());
  },
});
