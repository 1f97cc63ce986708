import { describe, expect, it } from 'vitest';
import { Batcher, type Settled } from '../../src/shared/batcher.ts';

/** A batcher whose batches the test finishes by hand; records every batch it was given. */
function manualBatcher(options: { maxBatchSize?: number; maxConcurrentBatches?: number } = {}) {
  const batches: { items: string[]; finish(results?: Settled<string>[]): void; fail(error: unknown): void }[] = [];
  const batcher = new Batcher<string, string>({
    maxBatchSize: options.maxBatchSize ?? 10,
    maxConcurrentBatches: options.maxConcurrentBatches ?? 2,
    keyOf: (item) => item.split(':')[0] as string,
    run: (items) =>
      new Promise((resolve, reject) => {
        batches.push({ items, finish: (results) => resolve(results ?? items.map((item) => ({ ok: true, value: `done ${item}` }))), fail: reject });
      }),
  });
  return { batcher, batches };
}

const settle = async () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Batcher (group commit)', () => {
  it('starts a batch at once while a slot is free; what arrives meanwhile goes together into the next', async () => {
    const { batcher, batches } = manualBatcher();
    const first = batcher.submit('a:1');
    expect(batches.map((batch) => batch.items)).toEqual([['a:1']]); // light load: no waiting
    const second = batcher.submit('b:1');
    const later = ['c:1', 'd:1', 'e:1'].map((item) => batcher.submit(item));
    expect(batches.map((batch) => batch.items)).toEqual([['a:1'], ['b:1']]);
    batches[0]!.finish();
    await expect(first).resolves.toBe('done a:1');
    await settle();
    expect(batches[2]!.items).toEqual(['c:1', 'd:1', 'e:1']);
    batches[1]!.finish();
    batches[2]!.finish();
    await expect(second).resolves.toBe('done b:1');
    await expect(Promise.all(later)).resolves.toEqual(['done c:1', 'done d:1', 'done e:1']);
  });

  it('never runs one key in two batches at once; items of one key may share a batch', async () => {
    const { batcher, batches } = manualBatcher();
    const results = [batcher.submit('a:1'), batcher.submit('a:2'), batcher.submit('a:3'), batcher.submit('b:1')];
    // a:2 and a:3 wait for the batch holding a; b takes the free slot.
    expect(batches.map((batch) => batch.items)).toEqual([['a:1'], ['b:1']]);
    batches[1]!.finish();
    await settle();
    expect(batches).toHaveLength(2);
    batches[0]!.finish();
    await settle();
    expect(batches[2]!.items).toEqual(['a:2', 'a:3']);
    batches[2]!.finish();
    await expect(Promise.all(results)).resolves.toHaveLength(4);
  });

  it('caps a batch at maxBatchSize', async () => {
    const { batcher, batches } = manualBatcher({ maxBatchSize: 3, maxConcurrentBatches: 1 });
    const results = ['a:1', 'b:1', 'c:1', 'd:1', 'e:1', 'f:1'].map((item) => batcher.submit(item));
    batches[0]!.finish();
    await settle();
    batches[1]!.finish();
    await settle();
    batches[2]!.finish();
    await Promise.all(results);
    expect(batches.map((batch) => batch.items)).toEqual([['a:1'], ['b:1', 'c:1', 'd:1'], ['e:1', 'f:1']]);
  });

  it('gives each item its own result or error; a batch that throws fails each of its items', async () => {
    const { batcher, batches } = manualBatcher({ maxConcurrentBatches: 1 });
    const blocker = batcher.submit('z:1');
    const mixed = [batcher.submit('a:1'), batcher.submit('b:1')];
    const refused = new Error('refused b');
    batches[0]!.finish();
    await blocker;
    await settle();
    batches[1]!.finish([
      { ok: true, value: 'fine' },
      { ok: false, error: refused },
    ]);
    expect(await Promise.allSettled(mixed)).toEqual([
      { status: 'fulfilled', value: 'fine' },
      { status: 'rejected', reason: refused },
    ]);

    const secondBlocker = batcher.submit('y:1');
    const both = [batcher.submit('c:1'), batcher.submit('d:1')];
    batches[2]!.finish();
    await secondBlocker;
    await settle();
    expect(batches[3]!.items).toEqual(['c:1', 'd:1']);
    batches[3]!.fail(new Error('database gone'));
    for (const result of await Promise.allSettled(both)) expect(result).toMatchObject({ status: 'rejected', reason: new Error('database gone') });
    // The slot is free again afterwards.
    const after = batcher.submit('e:1');
    batches[4]!.finish();
    await expect(after).resolves.toBe('done e:1');
  });
});
