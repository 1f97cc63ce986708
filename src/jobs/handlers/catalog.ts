// Workers of the catalog and FX queues (contracts in src/domain/catalog/queues.ts). One catalog sync
// at a time across processes (shared lock); a run that stops on a 429 or an error resumes on the
// retry or the next scheduled run.
import type { AppContext } from '../../context.ts';
import { syncCatalog } from '../../domain/catalog/catalog-sync.ts';
import { syncFxRates } from '../../domain/catalog/fx.ts';
import { CATALOG_SYNC_LOCK, catalogSyncQueue, fxSyncQueue } from '../../domain/catalog/queues.ts';
import { BambooRateLimitError } from '../../integrations/bamboo/errors.ts';
import { withLock } from '../../shared-state/types.ts';
import { bindQueue } from '../registry.ts';

export const catalogSyncWorker = bindQueue(catalogSyncQueue, async (ctx, data, job) => {
  try {
    return await withLock(ctx.state.locks, CATALOG_SYNC_LOCK, 3_600_000, () =>
      syncCatalog({ db: ctx.db, vendor: ctx.vendor, logger: ctx.logger }, { mode: data.mode, signal: job.signal }),
    );
  } catch (error) {
    if (!(error instanceof BambooRateLimitError)) throw error;
    // Bamboo named its wait: come back exactly then (the run resumes from its next page) rather
    // than spend retries on a limiter that refuses until that moment.
    const resumesAt = new Date(Date.now() + error.retryAfterMs);
    await ctx.jobs.enqueue(catalogSyncQueue, { mode: data.mode }, { startAfter: resumesAt });
    ctx.logger.warn({ resumesAt }, 'catalog sync paused by the vendor rate limit');
    return { paused: true, resumesAt: resumesAt.toISOString() };
  }
});

export const fxSyncWorker = bindQueue(fxSyncQueue, async (ctx) => {
  const result = await syncFxRates({ db: ctx.db, vendor: ctx.vendor });
  return { stored: result.stored, sourceTime: result.sourceTime.toISOString() };
});

/**
 * On a worker's start: queue the first catalog and FX syncs when there is no catalog or no rate
 * yet, so a fresh install (the simulator by default) shows a catalog within a minute.
 */
export async function queueFirstSyncs(ctx: Pick<AppContext, 'db' | 'jobs'>): Promise<string[]> {
  const lines: string[] = [];
  const synced = await ctx.db.selectFrom('catalog_sync_runs').select('id').where('status', '=', 'succeeded').limit(1).executeTakeFirst();
  if (!synced) {
    await ctx.jobs.enqueue(catalogSyncQueue, { mode: 'auto' });
    lines.push('catalog: first sync queued (pages through the vendor catalog at its rate limit)');
  }
  const rate = await ctx.db.selectFrom('fx_rates').select('source_time').limit(1).executeTakeFirst();
  if (!rate) {
    await ctx.jobs.enqueue(fxSyncQueue, {});
    lines.push('fx: first exchange-rate sync queued');
  }
  return lines;
}
