// Every queue of the system, in one list. Add a queue by adding its definition here.
import { catalogSyncQueue, fxSyncQueue } from './handlers/catalog.ts';
import { dailySummaryQueue } from './handlers/daily-summary.ts';
import { heartbeatQueue } from './handlers/heartbeat.ts';
import { kvSweepQueue } from './handlers/kv-sweep.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue, orderReconcileQueue, orderVendorComparisonQueue } from './handlers/orders.ts';
import { ledgerCheckQueue } from './handlers/ledger-check.ts';
import { telegramDeleteQueue, telegramSendQueue } from './handlers/telegram.ts';
import { webhookDeliverQueue, webhookDispatchQueue } from './handlers/webhooks.ts';
import { reengagementQueue } from './handlers/reengagement.ts';
import { requestLogCleanupQueue, requestLogFlushQueue } from './handlers/request-logs.ts';
import { vendorBalanceQueue } from './handlers/vendor-balance.ts';
import type { QueueDefinition } from './registry.ts';

export const QUEUES: readonly QueueDefinition[] = [
  heartbeatQueue,
  kvSweepQueue,
  telegramSendQueue,
  telegramDeleteQueue,
  ledgerCheckQueue,
  catalogSyncQueue,
  fxSyncQueue,
  webhookDispatchQueue,
  webhookDeliverQueue,
  orderPlaceQueue,
  orderPollQueue,
  orderEventsQueue,
  orderReconcileQueue,
  orderVendorComparisonQueue,
  dailySummaryQueue,
  reengagementQueue,
  requestLogFlushQueue,
  requestLogCleanupQueue,
  vendorBalanceQueue,
];
