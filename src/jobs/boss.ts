// pg-boss wiring: queue creation from the queue contracts, schedules, workers, and the outbox-style
// `enqueue` that writes a job inside the caller's Kysely transaction.
import type { Kysely } from 'kysely';
import { PgBoss, fromKysely, type Queue } from 'pg-boss';
import { PREPARED } from '../db/database.ts';
import type { AppContext } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { deadLetterName, type JobQueue, type QueueContract } from '../shared/queue-contract.ts';
import type { QueueDefinition } from './registry.ts';

export const BOSS_SCHEMA = 'pgboss';

export interface BossOptions {
  connectionString: string;
  schema?: string;
  /** Only worker processes run cron and maintenance; API and bot processes just send. */
  worker: boolean;
  logger: Logger;
  /** How often a worker looks for lost runs (expired, or heartbeat missed); default 5 s. */
  superviseIntervalSeconds?: number;
}

/**
 * How often worker processes look for lost runs. pg-boss's default (60 s) would leave the order of
 * a killed process waiting a minute more; the check is shared by all instances (one pass per
 * interval whatever the number of workers) and counts each queue's jobs once per pass.
 */
export const SUPERVISE_INTERVAL_SECONDS = 5;

export async function startBoss(options: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: options.schema ?? BOSS_SCHEMA,
    application_name: 'steller-jobs',
    max: 5,
    schedule: options.worker,
    supervise: options.worker,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? SUPERVISE_INTERVAL_SECONDS,
    monitorIntervalSeconds: options.superviseIntervalSeconds ?? SUPERVISE_INTERVAL_SECONDS,
    useListenNotify: options.worker,
  });
  // Must be registered before start: an unhandled 'error' event would kill the process.
  boss.on('error', (error) => options.logger.error({ err: error }, 'pg-boss error'));
  await boss.start();
  return boss;
}

function queueOptions(definition: QueueContract): Omit<Queue, 'name'> {
  return {
    policy: definition.policy ?? 'standard',
    retryLimit: definition.retry.limit,
    retryDelay: definition.retry.delaySeconds,
    retryBackoff: definition.retry.backoff,
    ...(definition.retry.delayMaxSeconds !== undefined ? { retryDelayMax: definition.retry.delayMaxSeconds } : {}),
    expireInSeconds: definition.expireInSeconds,
    ...(definition.heartbeatSeconds !== undefined ? { heartbeatSeconds: definition.heartbeatSeconds } : {}),
    ...(definition.deadLetter ? { deadLetter: deadLetterName(definition.name) } : {}),
    notify: definition.notify ?? false,
  };
}

/** Creates every queue (dead-letter queues first) and brings existing ones up to date. */
export async function ensureQueues(boss: PgBoss, queues: readonly QueueContract[]): Promise<void> {
  for (const definition of queues) {
    if (definition.deadLetter) {
      await boss.createQueue(deadLetterName(definition.name), { retentionSeconds: 30 * 24 * 3600 });
    }
    const { policy, ...updatable } = queueOptions(definition);
    // createQueue ignores options on an existing queue; updateQueue applies changed ones.
    await boss.createQueue(definition.name, { policy, ...updatable });
    await boss.updateQueue(definition.name, updatable);
  }
}

/** Upserts each queue's cron schedule; pg-boss deduplicates across instances. */
export async function registerSchedules(boss: PgBoss, queues: readonly QueueContract[]): Promise<void> {
  for (const definition of queues) {
    if (!definition.schedule) continue;
    await boss.schedule(definition.name, definition.schedule.cron, definition.schedule.data as object, {
      tz: definition.schedule.tz ?? 'UTC',
    });
  }
}

export function createJobQueue(boss: PgBoss): JobQueue {
  return {
    async enqueue(queue, data, options = {}) {
      const payload = queue.payload.parse(data) as object;
      return boss.send(queue.name, payload, {
        ...(options.db ? { db: fromKysely(options.db) } : {}),
        ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      });
    },
    async enqueueMany(queue, data, options = {}) {
      if (data.length === 0) return;
      const jobs = data.map((item) => ({ data: queue.payload.parse(item) as object }));
      await boss.insert(queue.name, jobs, options.db ? { db: preparedInsertsOn(options.db) } : {});
    },
  };
}

/**
 * pg-boss's Kysely adapter, with its statements marked prepared: its insert for one queue has a
 * fixed text, and order intake sends one per batch (docs/decisions/0005-batched-order-intake.md).
 */
function preparedInsertsOn(db: Kysely<any>): ReturnType<typeof fromKysely> {
  const adapter = fromKysely(db);
  return { executeSql: (text, values) => adapter.executeSql(`${PREPARED} ${text}`, values) };
}

/** Starts one worker per queue. Returns the worker ids (for offWork). */
export async function startWorkers(boss: PgBoss, queues: readonly QueueDefinition[], ctx: AppContext, metrics: Metrics): Promise<string[]> {
  const ids: string[] = [];
  for (const definition of queues) {
    const id = await boss.work(
      definition.name,
      {
        pollingIntervalSeconds: definition.pollingIntervalSeconds ?? 2,
        // On a notify queue pg-boss otherwise polls only every 30 s and relies on NOTIFY, which a
        // delayed job (an order poll 2 s later) never sends: it would wait up to 30 s.
        notifyPollingIntervalSeconds: definition.pollingIntervalSeconds ?? 2,
        batchSize: 1,
        localConcurrency: definition.concurrency ?? 1,
      },
      async ([job]) => {
        if (!job) return undefined;
        const log = ctx.logger.child({ queue: definition.name, jobId: job.id });
        const stopTimer = metrics.jobDuration.startTimer({ queue: definition.name });
        try {
          const data = definition.payload.parse(job.data);
          const result = await definition.handle({ ...ctx, logger: log }, data, {
            id: job.id,
            retryCount: job.retryCount,
            signal: job.signal,
          });
          metrics.jobs.inc({ queue: definition.name, outcome: 'completed' });
          stopTimer({ outcome: 'completed' });
          log.debug('job completed');
          return result;
        } catch (error) {
          metrics.jobs.inc({ queue: definition.name, outcome: 'failed' });
          stopTimer({ outcome: 'failed' });
          log.warn({ err: error, retryCount: job.retryCount }, 'job failed');
          throw error;
        }
      },
    );
    ids.push(id);
  }
  return ids;
}
