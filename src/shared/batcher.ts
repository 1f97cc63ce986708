// Group commit in the application: work items that arrive while earlier batches are running wait
// and then run together as one batch (one round trip, one transaction, one commit for all of them).
// A batch starts at once while fewer than `maxConcurrentBatches` are running, so at light load an
// item runs alone with no added wait; under load the batches grow by themselves up to
// `maxBatchSize`. An item whose key is in a running batch waits for that batch to end: two batches
// running at once never hold the same key (for order intake: the same buyer, whose lock one batch
// would otherwise wait for while holding others). (DataLoader batches the calls made in one tick;
// here the trigger is a free slot, see docs/decisions/0005-batched-order-intake.md.)

/** One item's result in a batch: a value, or the error that belongs to that item alone. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `fn` and keeps its outcome, value or error, as a Settled. */
export async function settle<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export interface BatcherOptions<In, Out> {
  maxBatchSize: number;
  maxConcurrentBatches: number;
  /** Items with the same key never run in two batches at once. */
  keyOf(item: In): string;
  /** Runs one batch; answers one result per item, in the items' order. A throw fails every item. */
  run(items: In[]): Promise<Settled<Out>[]>;
}

interface Waiting<In, Out> {
  item: In;
  key: string;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

export class Batcher<In, Out> {
  private waiting: Waiting<In, Out>[] = [];
  private running = 0;
  /** Keys of the items in running batches. */
  private readonly busy = new Set<string>();

  private readonly options: BatcherOptions<In, Out>;

  constructor(options: BatcherOptions<In, Out>) {
    this.options = options;
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, key: this.options.keyOf(item), resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.running < this.options.maxConcurrentBatches) {
      // The oldest waiting items whose keys no running batch holds; the others keep their place.
      const batch: Waiting<In, Out>[] = [];
      const keys = new Set<string>();
      const rest: Waiting<In, Out>[] = [];
      for (const waiting of this.waiting) {
        if (batch.length < this.options.maxBatchSize && !this.busy.has(waiting.key)) {
          batch.push(waiting);
          keys.add(waiting.key);
        } else {
          rest.push(waiting);
        }
      }
      if (batch.length === 0) return;
      this.waiting = rest;
      this.running += 1;
      for (const key of keys) this.busy.add(key);
      void this.runBatch(batch).finally(() => {
        this.running -= 1;
        for (const key of keys) this.busy.delete(key);
        this.startBatches();
      });
    }
  }

  private async runBatch(batch: Waiting<In, Out>[]): Promise<void> {
    let results: Settled<Out>[];
    try {
      results = await this.options.run(batch.map((waiting) => waiting.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => {
      const result = results[index] as Settled<Out>;
      if (result.ok) waiting.resolve(result.value);
      else waiting.reject(result.error);
    });
  }
}
