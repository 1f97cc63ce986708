// Group commit in the application: work items that arrive while earlier batches are running wait
// and then run together as one batch (one round trip, one transaction, one commit for all of them).
// A batch starts at once while fewer than `maxConcurrentBatches` are running, so at light load an
// item runs alone with no added wait; under load the batches grow by themselves up to
// `maxBatchSize`. (DataLoader batches the calls made in one tick; here the trigger is a free slot,
// see docs/decisions/0005-batched-order-intake.md.)

/** One item's result in a batch: a value, or the error that belongs to that item alone. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions<In, Out> {
  maxBatchSize: number;
  maxConcurrentBatches: number;
  /** Runs one batch; answers one result per item, in the items' order. A throw fails every item. */
  run(items: In[]): Promise<Settled<Out>[]>;
}

interface Waiting<In, Out> {
  item: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

export class Batcher<In, Out> {
  private readonly waiting: Waiting<In, Out>[] = [];
  private running = 0;

  constructor(private readonly options: BatcherOptions<In, Out>) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.running < this.options.maxConcurrentBatches && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatchSize);
      this.running += 1;
      void this.runBatch(batch).finally(() => {
        this.running -= 1;
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
