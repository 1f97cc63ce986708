// Webhook delivery. `webhook.dispatch` (each minute) queues a `webhook.deliver` job for every event
// not yet queued; `webhook.deliver` makes one signed attempt. Retries back off exponentially from
// 30 s, capped at 1 h per wait: 30 retries take at least ~25 h (pg-boss jitters each wait between
// half and all of 30 s · 2^n), then the job goes to `webhook.deliver.dead` and the event is `dead`.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { deliverWebhookEvent, dispatchPendingWebhookEvents } from '../../domain/webhooks/webhooks.ts';
import type { JobQueue } from '../boss.ts';
import { defineQueue } from '../registry.ts';

export const WEBHOOK_RETRY = { limit: 30, delaySeconds: 30, backoff: true, delayMaxSeconds: 3600 };

export const webhookDeliverQueue = defineQueue({
  name: 'webhook.deliver',
  payload: z.object({ eventId: z.string().uuid() }).strict(),
  retry: WEBHOOK_RETRY,
  expireInSeconds: 60,
  deadLetter: true,
  pollingIntervalSeconds: 1,
  concurrency: 5,
  async handle(ctx, data, job) {
    const status = await deliverWebhookEvent(ctx.db, data.eventId, { final: job.retryCount >= WEBHOOK_RETRY.limit });
    return { status };
  },
});

/** Queues the delivery of one event inside the caller's transaction. */
export function sendWebhookDelivery(jobs: JobQueue) {
  return (trx: Kysely<any>, eventId: string) => jobs.enqueue(webhookDeliverQueue, { eventId }, { db: trx });
}

export const webhookDispatchQueue = defineQueue({
  name: 'webhook.dispatch',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 10, backoff: false },
  expireInSeconds: 60,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
  async handle(ctx) {
    const queued = await dispatchPendingWebhookEvents(ctx.db, sendWebhookDelivery(ctx.jobs));
    return { queued };
  },
});
