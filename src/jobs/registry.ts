// How a queue is described: one definition holds its name, payload schema, retry and dead-letter
// policy, optional cron schedule and handler. `queues.ts` lists them all.
import type { QueuePolicy } from 'pg-boss';
import type { z } from 'zod';
import type { AppContext } from '../context.ts';

export interface JobInfo {
  id: string;
  retryCount: number;
  signal: AbortSignal;
}

export interface QueueDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  payload: Schema;
  policy?: QueuePolicy;
  retry: { limit: number; delaySeconds: number; backoff: boolean; delayMaxSeconds?: number };
  /** How long one run may take before pg-boss treats it as lost and retries it. */
  expireInSeconds: number;
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
  /** Must be idempotent: a retry runs it again with the same payload. */
  handle(ctx: AppContext, data: z.output<Schema>, job: JobInfo): Promise<unknown>;
}

export function defineQueue<Schema extends z.ZodType>(definition: QueueDefinition<Schema>): QueueDefinition<Schema> {
  return definition;
}

export const deadLetterName = (queue: string) => `${queue}.dead`;
