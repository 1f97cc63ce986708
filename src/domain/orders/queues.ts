// The order engine's queues (docs/product.md#orders, docs/orders.md): what each job carries and how it retries.
// The domain sends to them inside its own transactions (outbox); src/jobs/handlers/orders.ts binds
// each to its step. Every step is safe to run twice: it locks the order and checks its state first.
// So the steps carry a heartbeat: a run of a killed process is retried by a live worker about
// 10-15 s later, not after its whole expiry (docs/orders.md, What a restart costs).
import { z } from 'zod';
import { dayJobPayload, defineQueueContract } from '../../shared/queue-contract.ts';
import { ORDER_EVENT_TYPES } from './events.ts';

const orderId = z.uuid();

/** A step whose worker shows no sign of life for this long (a killed process) is run again elsewhere (pg-boss's minimum). */
export const STEP_HEARTBEAT_SECONDS = 10;

/** Buys the cards of a new order (`placeWithVendor`). */
export const orderPlaceQueue = defineQueueContract({
  name: 'order.place',
  payload: z.object({ orderId }).strict(),
  // Retries re-run the step: it asks Get Order first and re-sends only the same RequestId.
  retry: { limit: 20, delaySeconds: 2, backoff: true, delayMaxSeconds: 60 },
  expireInSeconds: 120,
  heartbeatSeconds: STEP_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
  concurrency: 4,
});

/** Asks the vendor how a placed order is doing (`pollVendorOrder`). */
export const orderPollQueue = defineQueueContract({
  name: 'order.poll',
  // pollCount: the position in the backoff chain; absent for a poll triggered by Bamboo's callback.
  payload: z.object({ orderId, pollCount: z.number().int().min(0).optional() }).strict(),
  // Get Order's own troubles (429, no answer) reschedule the poll; a retry is for a crash or a
  // database error, and a customer waits for it.
  retry: { limit: 10, delaySeconds: 2, backoff: true, delayMaxSeconds: 120 },
  expireInSeconds: 120,
  heartbeatSeconds: STEP_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
  concurrency: 4,
});

/** One final state of an order, handed to the event sinks (`deliverOrderEvent`). */
export const orderEventsQueue = defineQueueContract({
  name: 'order.events',
  payload: z.object({ orderId, type: z.enum(ORDER_EVENT_TYPES) }).strict(),
  retry: { limit: 10, delaySeconds: 10, backoff: true, delayMaxSeconds: 600 },
  expireInSeconds: 60,
  heartbeatSeconds: STEP_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 1,
});

/** Every 5 minutes: orders past their deadline or stuck in `pending` (`reconcileOrders`). */
export const orderReconcileQueue = defineQueueContract({
  name: 'order.reconcile',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 10 * 60,
  deadLetter: true,
  schedule: { cron: '*/5 * * * *', data: {} },
});

/** Daily: our orders against Bamboo's transactions of one day (`compareWithVendorTransactions`). */
export const orderVendorComparisonQueue = defineQueueContract({
  name: 'order.vendor-comparison',
  // The UTC day to compare; the daily run compares yesterday.
  payload: dayJobPayload,
  policy: 'singleton',
  // Bamboo allows 4 transactions calls an hour: retry slowly.
  retry: { limit: 3, delaySeconds: 900, backoff: false },
  expireInSeconds: 10 * 60,
  deadLetter: true,
  schedule: { cron: '30 2 * * *', data: {} },
});

/**
 * Keeps the bot messages of waiting orders showing their place and estimate (`queueMessageEdits`).
 * One run at a time and one waiting ('stately'): a send while one waits is dropped, and a run
 * queues the next itself while a message still needs it.
 */
export const orderQueueMessagesQueue = defineQueueContract({
  name: 'order.queue-messages',
  payload: z.object({}).strict(),
  policy: 'stately',
  retry: { limit: 3, delaySeconds: 5, backoff: true },
  expireInSeconds: 60,
  deadLetter: false,
  pollingIntervalSeconds: 1,
  notify: true,
});
