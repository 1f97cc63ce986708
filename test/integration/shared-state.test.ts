// One suite, two implementations: in-process (no Redis) and Redis (when REDIS_URL is set; CI sets it).
import { afterAll, describe, expect, it } from 'vitest';
import {
  LockBusyError,
  createMemoryState,
  createPostgresKeyValueStore,
  createRedisState,
  sweepExpiredEntries,
  withLock,
  type KeyValueStore,
  type SharedState,
} from '../../src/shared-state/index.ts';
import { createTestDatabase, testRedisPrefix } from '../support/db.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const implementations: [string, () => SharedState][] = [['memory', createMemoryState]];
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  implementations.push(['redis', () => createRedisState(url, testRedisPrefix('shared-state'))]);
}

const { db } = await createTestDatabase();
const stores: [string, () => { kv: KeyValueStore; close(): Promise<void> }][] = [
  ...implementations,
  ['postgres', () => ({ kv: createPostgresKeyValueStore(db), close: async () => undefined })],
];

describe.each(stores)('key/value store (%s)', (_kind, create) => {
  const { kv, close } = create();
  afterAll(() => close());

  it('stores values with and without a time to live', async () => {
    await kv.set('plain', 'a');
    // A TTL with room for a loaded machine between the write and the first read.
    await kv.set('short', 'b', 500);
    expect(await kv.get('plain')).toBe('a');
    expect(await kv.get('short')).toBe('b');
    await sleep(700);
    expect(await kv.get('short')).toBeUndefined();
    await kv.delete('plain');
    expect(await kv.get('plain')).toBeUndefined();
  });

  it('setIfAbsent lets exactly one of many concurrent callers win', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => kv.setIfAbsent('once', String(index), 1_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await sleep(0);
    expect(await kv.setIfAbsent('once', 'again', 1_000)).toBe(false);
  });
});

describe('postgres key/value store', () => {
  it('sweeps expired entries and keeps live ones', async () => {
    const kv = createPostgresKeyValueStore(db);
    await kv.set('sweep-me', 'x', 1);
    await kv.set('keep-me', 'y');
    await sleep(20);
    expect(await sweepExpiredEntries(db)).toBeGreaterThanOrEqual(1);
    expect(await kv.get('keep-me')).toBe('y');
  });
});

describe.each(implementations)('shared state (%s)', (_kind, create) => {
  const state = create();
  afterAll(() => state.close());

  it('locks are exclusive, released by their owner only, and expire', async () => {
    const first = await state.locks.acquire('job', 100);
    expect(first).toBeDefined();
    expect(await state.locks.acquire('job', 100)).toBeUndefined();
    await sleep(150); // first expired without release
    const second = await state.locks.acquire('job', 1_000);
    expect(second).toBeDefined();
    await first?.release(); // a stale owner must not free the new holder's lock
    expect(await state.locks.acquire('job', 1_000)).toBeUndefined();
    await second?.release();
    const third = await state.locks.acquire('job', 1_000);
    expect(third).toBeDefined();
    await third?.release();
  });

  it('withLock runs the function under the lock and refuses a second holder', async () => {
    let inside = 0;
    const slow = withLock(state.locks, 'section', 1_000, async () => {
      inside += 1;
      await sleep(50);
      return 'done';
    });
    await sleep(10);
    await expect(withLock(state.locks, 'section', 1_000, async () => 'second')).rejects.toBeInstanceOf(LockBusyError);
    expect(await slow).toBe('done');
    expect(inside).toBe(1);
    expect(await withLock(state.locks, 'section', 1_000, async () => 'free again')).toBe('free again');
  });

  it('rate limiter allows the points of a window, then refuses with the wait', async () => {
    const limiter = state.createRateLimiter({ name: 'test-window', points: 3, durationMs: 1_000 });
    const decisions = [];
    for (let index = 0; index < 4; index += 1) decisions.push(await limiter.consume('client-a'));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions[2]?.remaining).toBe(0);
    expect(decisions[3]?.retryAfterMs).toBeGreaterThan(0);
    expect(decisions[3]?.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect((await limiter.consume('client-b')).allowed).toBe(true); // keys are independent
  });

  it('rate limiter honours block (a vendor 429) for the given time', async () => {
    const limiter = state.createRateLimiter({ name: 'test-block', points: 100, durationMs: 60_000 });
    await limiter.block('vendor', 2_000);
    const refused = await limiter.consume('vendor');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(1_000);
  });

  it('rate limiter windows are whole seconds', () => {
    expect(() => state.createRateLimiter({ name: 'bad', points: 1, durationMs: 500 })).toThrow(/whole number of seconds/);
  });

  it('a sliding window allows at most N in any window, not only in aligned ones, and names the wait until the oldest call leaves', async () => {
    let now = 1_000_000;
    const limiter = state.createRateLimiter({ name: 'test-sliding', points: 3, durationMs: 1_000, window: 'sliding', now: () => now });
    expect((await limiter.consume('k')).allowed).toBe(true); // t = 0
    now += 600;
    expect((await limiter.consume('k')).allowed).toBe(true); // t = 600
    expect(await limiter.consume('k')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 400 }); // t = 600
    // A fixed window of 1 s would start afresh at t = 1000; the sliding one still holds the calls at 600.
    now += 400;
    expect(await limiter.consume('k')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 600 }); // t = 1000: the call at 0 has left
    now += 100;
    expect(await limiter.consume('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 500 }); // t = 1100
    expect((await limiter.consume('k', 2)).retryAfterMs).toBe(500); // two points: both calls at 600 must leave
    now += 500;
    expect((await limiter.consume('k', 2)).allowed).toBe(true); // t = 1600
    expect((await limiter.consume('other')).allowed).toBe(true); // keys are independent
  });

  it('a sliding window takes windows under a second and honours block', async () => {
    let now = 5_000_000;
    const limiter = state.createRateLimiter({ name: 'test-sliding-gap', points: 1, durationMs: 600, window: 'sliding', now: () => now });
    expect((await limiter.consume('gap')).allowed).toBe(true);
    now += 599;
    expect(await limiter.consume('gap')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
    now += 1;
    expect((await limiter.consume('gap')).allowed).toBe(true);
    await limiter.block('gap', 2_000);
    now += 1_000;
    expect(await limiter.consume('gap')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1_000 });
    now += 1_000;
    expect((await limiter.consume('gap')).allowed).toBe(true);
  });

  it('a sliding window on the real clock', async () => {
    const limiter = state.createRateLimiter({ name: 'test-sliding-real', points: 2, durationMs: 300, window: 'sliding' });
    expect((await limiter.consume('r')).allowed).toBe(true);
    expect((await limiter.consume('r')).allowed).toBe(true);
    const refused = await limiter.consume('r');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
    await sleep(refused.retryAfterMs + 20);
    expect((await limiter.consume('r')).allowed).toBe(true);
  });
});

describe.runIf(process.env.REDIS_URL)('shared state across processes (redis)', () => {
  it('two clients see one limiter and one lock', async () => {
    const url = process.env.REDIS_URL as string;
    const prefix = testRedisPrefix('two-clients');
    const a = createRedisState(url, prefix);
    const b = createRedisState(url, prefix);
    try {
      const limiterA = a.createRateLimiter({ name: 'shared', points: 2, durationMs: 10_000 });
      const limiterB = b.createRateLimiter({ name: 'shared', points: 2, durationMs: 10_000 });
      expect((await limiterA.consume('k')).allowed).toBe(true);
      expect((await limiterB.consume('k')).allowed).toBe(true);
      expect((await limiterA.consume('k')).allowed).toBe(false);
      // Sliding windows too: concurrent calls from both clients never take more than the points.
      let now = 9_000_000;
      const slidingA = a.createRateLimiter({ name: 'shared-sliding', points: 5, durationMs: 1_000, window: 'sliding', now: () => now });
      const slidingB = b.createRateLimiter({ name: 'shared-sliding', points: 5, durationMs: 1_000, window: 'sliding', now: () => now });
      const decisions = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? slidingA : slidingB).consume('k')));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
      now += 1_000;
      expect((await slidingB.consume('k')).allowed).toBe(true);
      const lock = await a.locks.acquire('one', 1_000);
      expect(lock).toBeDefined();
      expect(await b.locks.acquire('one', 1_000)).toBeUndefined();
      await lock?.release();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
