// A bound queue: a queue's contract (src/shared/queue-contract.ts) and the handler a worker runs
// for its jobs. Contracts the domain or an adapter sends to live beside the module that owns them
// and are bound here with `bindQueue`; queues only the job system knows are written whole with
// `defineQueue`. `queues.ts` lists them all.
import type { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { QueueContract } from '../shared/queue-contract.ts';

export interface JobInfo {
  id: string;
  retryCount: number;
  signal: AbortSignal;
}

export interface QueueDefinition<Schema extends z.ZodType = z.ZodType> extends QueueContract<Schema> {
  /** Must be idempotent: a retry runs it again with the same payload. */
  handle(ctx: AppContext, data: z.output<Schema>, job: JobInfo): Promise<unknown>;
}

export function defineQueue<Schema extends z.ZodType>(definition: QueueDefinition<Schema>): QueueDefinition<Schema> {
  return definition;
}

/** A contract owned elsewhere, with the handler its worker runs. */
export function bindQueue<Schema extends z.ZodType>(contract: QueueContract<Schema>, handle: QueueDefinition<Schema>['handle']): QueueDefinition<Schema> {
  return { ...contract, handle };
}
