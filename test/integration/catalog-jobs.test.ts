// The catalog and FX jobs and stored FX rates, on a real database with the simulator.
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { convertWithStoredRate, latestRate, syncFxRates } from '../../src/domain/catalog/fx.ts';
import { ManualClock } from '../../src/integrations/bamboo/simulator/index.ts';
import type { JobInfo } from '../../src/jobs/registry.ts';
import { CATALOG_SYNC_LOCK } from '../../src/domain/catalog/queues.ts';
import { catalogSyncWorker, fxSyncWorker, queueFirstSyncs } from '../../src/jobs/handlers/catalog.ts';
import { createLogger } from '../../src/logger.ts';
import { money } from '../../src/shared/money.ts';
import { createMemoryState, LockBusyError } from '../../src/shared-state/index.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { createTestDatabase } from '../support/db.ts';

const job: JobInfo = { id: 'job-1', retryCount: 0, signal: new AbortController().signal };

async function setup() {
  const { db } = await createTestDatabase();
  const clock = new ManualClock();
  const { simulator } = mountSimulator({ clock, rateLimits: false });
  const vendor = simulatorClient({ clock });
  const state = createMemoryState();
  const enqueued: { queue: string; data: unknown; options?: { startAfter?: Date } }[] = [];
  const ctx = {
    db,
    vendor,
    state,
    logger: createLogger({ level: 'silent', pretty: false }),
    jobs: {
      async enqueue(queue: { name: string }, data: unknown, options?: { startAfter?: Date }) {
        enqueued.push({ queue: queue.name, data, ...(options ? { options } : {}) });
        return 'id';
      },
    },
  } as unknown as AppContext;
  return { db, clock, ctx, state, enqueued, simulator };
}

describe('catalog and FX jobs', () => {
  it('the catalog job syncs, and refuses to run beside another sync', async () => {
    const { ctx, state } = await setup();
    const lock = await state.locks.acquire(CATALOG_SYNC_LOCK, 60_000);
    await expect(catalogSyncWorker.handle(ctx, { mode: 'auto' }, job)).rejects.toBeInstanceOf(LockBusyError);
    await lock?.release();
    const summary = await catalogSyncWorker.handle(ctx, catalogSyncWorker.payload.parse({}), job);
    expect(summary).toMatchObject({ kind: 'full', removed: 0 });
  });

  it('a long vendor rate-limit wait pauses the job and queues its continuation for that moment', async () => {
    const { ctx, db, simulator, enqueued } = await setup();
    simulator.injectFault({ endpoint: 'catalog', rateLimitSeconds: 3406 });
    const before = Date.now();
    const result = (await catalogSyncWorker.handle(ctx, { mode: 'full' }, job)) as { paused: boolean; resumesAt: string };
    expect(result.paused).toBe(true);
    expect(enqueued).toEqual([{ queue: 'catalog.sync', data: { mode: 'full' }, options: { startAfter: new Date(result.resumesAt) } }]);
    expect(Date.parse(result.resumesAt) - before).toBeGreaterThanOrEqual(3_406_000);
    expect((await db.selectFrom('catalog_sync_runs').select('status').executeTakeFirstOrThrow()).status).toBe('running');
  });

  it('queues the first syncs on a fresh install only', async () => {
    const { ctx, enqueued } = await setup();
    expect(await queueFirstSyncs(ctx)).toHaveLength(2);
    expect(enqueued.map((entry) => entry.queue)).toEqual(['catalog.sync', 'fx.sync']);
    await catalogSyncWorker.handle(ctx, { mode: 'full' }, job);
    await fxSyncWorker.handle(ctx, {}, job);
    expect(await queueFirstSyncs(ctx)).toEqual([]);
  });

  it('stores FX rates with their time; conversions use the newest and report it', async () => {
    const { db, clock, ctx } = await setup();
    const first = await syncFxRates({ db, vendor: ctx.vendor, now: () => new Date(clock.now()) });
    expect(first.stored).toBeGreaterThanOrEqual(10);
    expect(await latestRate(db, 'USD', 'EUR')).toEqual({ rate: '0.871483', sourceTime: new Date(clock.now()) });
    // The inverse comes from the same stored row.
    expect((await latestRate(db, 'EUR', 'USD'))?.rate).toBe('1.1474693138');
    expect(await latestRate(db, 'USD', 'XXX')).toBeUndefined();

    clock.advance(3_600_000);
    await db
      .insertInto('fx_rates')
      .values({ base_currency: 'USD', quote_currency: 'EUR', rate: '0.9', source_time: new Date(clock.now()), source: 'test' })
      .execute();
    const converted = await convertWithStoredRate(db, money(1000n, 'USD'), 'EUR');
    expect(converted).toEqual({ converted: money(900n, 'EUR'), rate: '0.9', sourceTime: new Date(clock.now()) });
    await expect(convertWithStoredRate(db, money(1000n, 'USD'), 'XXX')).rejects.toMatchObject({ code: 'fx_rate_missing' });
  });
});
