// Webhook delivery queues. `webhook.dispatch` (every few seconds) queues a `webhook.deliver` job for
// every event not yet queued; `webhook.deliver` makes one signed attempt. Retries back off
// exponentially from 30 s, capped at 1 h per wait: 30 retries take at least ~25 h (pg-boss jitters
// each wait between half and all of 30 s · 2^n), then the job goes to `webhook.deliver.dead` and the
// event is `dead`. src/jobs/handlers/webhooks.ts binds them to `deliverWebhookEvent` and
// `dispatchPendingWebhookEvents`.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { defineQueueContract, MIN_HEARTBEAT_SECONDS, type JobQueue, type QueueContract } from '../../shared/queue-contract.ts';

export const WEBHOOK_RETRY = { limit: 30, delaySeconds: 30, backoff: true, delayMaxSeconds: 3600 };

const deliveryPayload = z.object({ eventId: z.string().uuid() }).strict();

/** A delivery queue; its last retry marks the event dead. Tests make fast variants of the real one. */
export function webhookDeliveryContract(name: string, retry: QueueContract['retry'], pollingIntervalSeconds = 1): QueueContract<typeof deliveryPayload> {
  return defineQueueContract({
    name,
    payload: deliveryPayload,
    retry,
    expireInSeconds: 60,
    heartbeatSeconds: MIN_HEARTBEAT_SECONDS,
    deadLetter: true,
    pollingIntervalSeconds,
    concurrency: 5,
  });
}

export const webhookDeliverQueue = webhookDeliveryContract('webhook.deliver', WEBHOOK_RETRY);

/** Queues the delivery of one event inside the caller's transaction. */
export function sendWebhookDelivery(jobs: JobQueue) {
  return (trx: Kysely<any>, eventId: string) => jobs.enqueue(webhookDeliverQueue, { eventId }, { db: trx });
}

/** Seconds between dispatcher runs: each run queues the next one; the minute cron restarts a broken chain. */
export const DISPATCH_INTERVAL_SECONDS = 5;

export const webhookDispatchQueue = defineQueueContract({
  name: 'webhook.dispatch',
  payload: z.object({}).strict(),
  // At most one run queued and one running: the cron and the chain never pile up.
  policy: 'stately',
  retry: { limit: 2, delaySeconds: 10, backoff: false },
  expireInSeconds: 60,
  deadLetter: false,
  schedule: { cron: '* * * * *', data: {} },
});
