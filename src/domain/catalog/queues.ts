// Catalog and FX sync queues (src/jobs/handlers/catalog.ts binds them to `syncCatalog` and
// `syncFxRates`). One catalog sync at a time across processes: the job and `steller catalog sync`
// share CATALOG_SYNC_LOCK.
import { z } from 'zod';
import { defineQueueContract } from '../../shared/queue-contract.ts';

export const CATALOG_SYNC_LOCK = 'catalog-sync';

export const catalogSyncQueue = defineQueueContract({
  name: 'catalog.sync',
  payload: z.object({ mode: z.enum(['auto', 'full', 'delta']).default('auto') }).strict(),
  // One waiting and one running at most: a slow full sync never piles up scheduled runs.
  policy: 'stately',
  retry: { limit: 5, delaySeconds: 60, backoff: true, delayMaxSeconds: 3600 },
  expireInSeconds: 3600,
  deadLetter: true,
  // `auto`: a full sync when the last one is a day old (or a run is waiting to resume), else a delta.
  schedule: { cron: '*/30 * * * *', data: { mode: 'auto' } },
});

export const fxSyncQueue = defineQueueContract({
  name: 'fx.sync',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 300,
  deadLetter: true,
  // Bamboo refreshes its rates hourly.
  schedule: { cron: '5 * * * *', data: {} },
});
