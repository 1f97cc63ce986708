// Webhook delivery. `webhook.dispatch` (every few seconds) queues a `webhook.deliver` job for every
// event not yet queued; `webhook.deliver` makes one signed attempt. Retries back off exponentially from
// 30 s, capped at 1 h per wait: 30 retries take at least ~25 h (pg-boss jitters each wait between
// half and all of 30 s · 2^n), then the job goes to `webhook.deliver.dead` and the event is `dead`.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { deliverWebhookEvent, dispatchPendingWebhookEvents } from '../../domain/webhooks/webhooks.ts';
import type { JobQueue } from '../boss.ts';
import { defineQueue, type QueueDefinition } from '../registry.ts';

export const WEBHOOK_RETRY = { limit: 30, delaySeconds: 30, backoff: true, delayMaxSeconds: 3600 };

/** A delivery queue; the last retry marks the event dead. Tests make fast variants of the real one. */
export function defineWebhookDeliveryQueue(name: string, retry: QueueDefinition['retry'], pollingIntervalSeconds = 1) {
  return defineQueue({
    name,
    payload: z.object({ eventId: z.string().uuid() }).strict(),
    retry,
    expireInSeconds: 60,
    deadLetter: true,
    pollingIntervalSeconds,
    concurrency: 5,
    async handle(ctx, data, job) {
      const status = await deliverWebhookEvent(ctx.db, data.eventId, {
        final: job.retryCount >= retry.limit,
        allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE_URLS,
        resolveHost: ctx.resolveHost,
      });
      return { status };
    },
  });
}

export const webhookDeliverQueue = defineWebhookDeliveryQueue('webhook.deliver', WEBHOOK_RETRY);

/** Queues the delivery of one event inside the caller's transaction. */
export function sendWebhookDelivery(jobs: JobQueue) {
  return (trx: Kysely<any>, eventId: string) => jobs.enqueue(webhookDeliverQueue, { eventId }, { db: trx });
}

/** Seconds between dispatcher runs: each run queues the next one; the minute cron restarts a broken chain. */
export const DISPATCH_INTERVAL_SECONDS = 5;

const dispatchPayload = z.object({}).strict();

export const webhookDispatchQueue: QueueDefinition<typeof dispatchPayload> = defineQueue({
  name: 'webhook.dispatch',
  payload: dispatchPayload,
  // At most one run queued and one running: the cron and the chain never pile up.
  policy: 'stately',
  retry: { limit: 2, delaySeconds: 10, backoff: false },
  expireInSeconds: 60,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
  async handle(ctx) {
    const queued = await dispatchPendingWebhookEvents(ctx.db, sendWebhookDelivery(ctx.jobs));
    await ctx.jobs.enqueue(webhookDispatchQueue, {}, { startAfter: DISPATCH_INTERVAL_SECONDS });
    return { queued };
  },
});
