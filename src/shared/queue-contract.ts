// What a queue is to those who send to it: its name, payload schema, retry and dead-letter policy,
// polling, concurrency and schedule, with no handler. A contract lives beside the module that owns
// the queue (`src/domain/orders/queues.ts`, …) so the domain can enqueue without importing the job
// system; `src/jobs/` binds each contract to the domain function that handles it.
import type { Kysely } from 'kysely';
import type { QueuePolicy } from 'pg-boss';
import { z } from 'zod';

export interface QueueContract<Schema extends z.ZodType = z.ZodType> {
  name: string;
  payload: Schema;
  policy?: QueuePolicy;
  retry: { limit: number; delaySeconds: number; backoff: boolean; delayMaxSeconds?: number };
  /** How long one run may take before pg-boss treats it as lost and retries it. */
  expireInSeconds: number;
  /**
   * A run whose worker sends no sign of life for this long (a killed process) is retried by any
   * live worker, instead of waiting out `expireInSeconds`. The worker refreshes it every half of
   * that while the handler runs. At least 10 (pg-boss); only for handlers safe to run twice.
   */
  heartbeatSeconds?: number;
  /** Failed jobs (after all retries) are copied to `<name>.dead` for operators to inspect. */
  deadLetter: boolean;
  /** Worker polling interval; 0.5 s for latency-sensitive queues. */
  pollingIntervalSeconds?: number;
  /**
   * Latency-sensitive: a send wakes the workers at once through LISTEN/NOTIFY (milliseconds instead
   * of a polling interval); polling stays as the safety net.
   */
  notify?: boolean;
  /** Jobs of this queue run at most this many at once in one process. */
  concurrency?: number;
  schedule?: { cron: string; data: z.input<Schema>; tz?: string };
}

/** The payload of a daily job: the UTC day to work on (YYYY-MM-DD); absent, the job's own default day. */
export const dayJobPayload = z
  .object({
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .strict();

/** Yesterday's UTC day, what a daily job works on by default. */
export const yesterdayUtc = (now = Date.now()): string => new Date(now - 86_400_000).toISOString().slice(0, 10);

/** The shortest heartbeat pg-boss takes: a killed worker's job is retried 10–20 s later. */
export const MIN_HEARTBEAT_SECONDS = 10;

export function defineQueueContract<Schema extends z.ZodType>(contract: QueueContract<Schema>): QueueContract<Schema> {
  return contract;
}

export const deadLetterName = (queue: string) => `${queue}.dead`;

export interface EnqueueOptions {
  /** The caller's transaction: the job is committed or rolled back with it (outbox). */
  db?: Kysely<any>;
  startAfter?: number | Date;
  singletonKey?: string;
}

/** How the domain sends work to a queue (`ctx.jobs`; pg-boss behind it, see src/jobs/boss.ts). */
export interface JobQueue {
  /** Validates the payload against the queue's schema and sends it. Null when deduplicated. */
  enqueue<Schema extends z.ZodType>(queue: QueueContract<Schema>, data: z.input<Schema>, options?: EnqueueOptions): Promise<string | null>;
  /** Validates each payload and sends them all with one insert (several jobs of one queue at once). */
  enqueueMany<Schema extends z.ZodType>(queue: QueueContract<Schema>, data: readonly z.input<Schema>[], options?: Pick<EnqueueOptions, 'db'>): Promise<void>;
}
