// Every queue of the system, bound to its handler, in one list. Add a queue by adding it here.
import { catalogSyncWorker, fxSyncWorker } from './handlers/catalog.ts';
import { dailySummaryQueue } from './handlers/daily-summary.ts';
import { emailSendWorker } from './handlers/email.ts';
import { domainEventWorker } from './handlers/events.ts';
import { heartbeatQueue } from './handlers/heartbeat.ts';
import { kvSweepQueue } from './handlers/kv-sweep.ts';
import { orderEventsWorker, orderPlaceWorker, orderPollWorker, orderReconcileWorker, orderVendorComparisonWorker } from './handlers/orders.ts';
import { ledgerCheckQueue } from './handlers/ledger-check.ts';
import { orderQueueMessagesWorker, telegramDeleteWorker, telegramSendWorker } from './handlers/telegram.ts';
import { webhookDeliverWorker, webhookDispatchWorker } from './handlers/webhooks.ts';
import { reengagementQueue } from './handlers/reengagement.ts';
import { monthlyStatementsWorker } from './handlers/reports.ts';
import { requestLogCleanupQueue, requestLogFlushQueue } from './handlers/request-logs.ts';
import { vendorBalanceQueue } from './handlers/vendor-balance.ts';
import { vendorCallbackCheckQueue, vendorFloatQueue } from './handlers/vendor-float.ts';
import { webAccessCleanupQueue } from './handlers/web-access.ts';
import type { QueueContract } from '../shared/queue-contract.ts';
import type { QueueDefinition } from './registry.ts';

export const QUEUES: readonly QueueDefinition[] = [
  heartbeatQueue,
  kvSweepQueue,
  telegramSendWorker,
  telegramDeleteWorker,
  orderQueueMessagesWorker,
  emailSendWorker,
  domainEventWorker,
  ledgerCheckQueue,
  catalogSyncWorker,
  fxSyncWorker,
  webhookDispatchWorker,
  webhookDeliverWorker,
  orderPlaceWorker,
  orderPollWorker,
  orderEventsWorker,
  orderReconcileWorker,
  orderVendorComparisonWorker,
  dailySummaryQueue,
  reengagementQueue,
  monthlyStatementsWorker,
  requestLogFlushQueue,
  requestLogCleanupQueue,
  vendorBalanceQueue,
  vendorFloatQueue,
  vendorCallbackCheckQueue,
  webAccessCleanupQueue,
];

/** The bound queue of a contract (what a worker runs for its jobs). */
export function boundQueue(contract: QueueContract): QueueDefinition {
  const found = QUEUES.find((queue) => queue.name === contract.name);
  if (!found) throw new Error(`no handler is bound to the queue ${contract.name}`);
  return found;
}
