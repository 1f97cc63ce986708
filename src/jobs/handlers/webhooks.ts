// Workers of the webhook queues (contracts and retry policy in src/domain/webhooks/queues.ts).
import { deliverWebhookEvent, dispatchPendingWebhookEvents } from '../../domain/webhooks/webhooks.ts';
import { DISPATCH_INTERVAL_SECONDS, sendWebhookDelivery, webhookDeliveryContract, webhookDispatchQueue, WEBHOOK_RETRY } from '../../domain/webhooks/queues.ts';
import type { QueueContract } from '../../shared/queue-contract.ts';
import { bindQueue } from '../registry.ts';

/** A delivery queue bound to one signed attempt; the last retry marks the event dead. Tests make fast variants. */
export function defineWebhookDeliveryQueue(name: string, retry: QueueContract['retry'], pollingIntervalSeconds = 1) {
  return bindQueue(webhookDeliveryContract(name, retry, pollingIntervalSeconds), async (ctx, data, job) => {
    const status = await deliverWebhookEvent(ctx, data.eventId, {
      final: job.retryCount >= retry.limit,
      allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE_URLS,
      resolveHost: ctx.resolveHost,
    });
    return { status };
  });
}

export const webhookDeliverWorker = defineWebhookDeliveryQueue('webhook.deliver', WEBHOOK_RETRY);

export const webhookDispatchWorker = bindQueue(webhookDispatchQueue, async (ctx) => {
  const queued = await dispatchPendingWebhookEvents(ctx, sendWebhookDelivery(ctx.jobs));
  await ctx.jobs.enqueue(webhookDispatchQueue, {}, { startAfter: DISPATCH_INTERVAL_SECONDS });
  return { queued };
});
