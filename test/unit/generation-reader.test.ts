// The generation reader shares one read among the callers waiting at the same moment, but never
// answers a caller with a read that started before it asked (it could miss a change committed just
// before the call).
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createGenerationReader, type Generations } from '../../src/db/generations.ts';

/** Reads that the test finishes by hand; each answers the generation current when it started. */
function manualReads() {
  let generation = 1;
  const pending: { resolve: (value: Generations) => void; value: Generations }[] = [];
  return {
    bump: () => (generation += 1),
    started: () => pending.length,
    finish: async () => {
      const read = pending.shift()!;
      read.resolve(read.value);
      await new Promise((resolve) => setImmediate(resolve));
    },
    read: () =>
      new Promise<Generations>((resolve) => {
        pending.push({ resolve, value: { pricing: String(generation), apiKeys: String(generation) } });
      }),
  };
}

describe('generation reader', () => {
  it('a caller arriving during a read waits for the next one, which all such callers share', async () => {
    const reads = manualReads();
    const reader = createGenerationReader({} as Database, reads.read);
    const first = reader.current();
    expect(reads.started()).toBe(1);
    // A change commits while the first read is running; then three callers ask.
    reads.bump();
    const later = [reader.current(), reader.current(), reader.current()];
    expect(reads.started()).toBe(1);
    await reads.finish();
    expect((await first).pricing).toBe('1');
    expect(reads.started()).toBe(1); // the second read, for the three
    await reads.finish();
    expect((await Promise.all(later)).map((value) => value.pricing)).toEqual(['2', '2', '2']);
    expect(reads.started()).toBe(0);
  });

  it('reads again for a caller after the last read ended', async () => {
    const reads = manualReads();
    const reader = createGenerationReader({} as Database, reads.read);
    const first = reader.current();
    await reads.finish();
    await first;
    reads.bump();
    const second = reader.current();
    expect(reads.started()).toBe(1);
    await reads.finish();
    expect((await second).apiKeys).toBe('2');
  });
});
