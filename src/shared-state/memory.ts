import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { adaptLimiter, assertWholeSeconds } from './rate-limit.ts';
import { createSlidingWindowLimiter } from './sliding-window.ts';
import type { KeyValueStore, LockManager, RateLimiter, SharedState } from './types.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process state for a single process without Redis. Expiry is checked on read. */
export function createMemoryState(): SharedState {
  const entries = new Map<string, Entry>();
  const limiters = new Map<string, RateLimiter>();
  // Sliding windows per clock too: a test's fake clock gets counters of its own.
  const slidingLimiters = new WeakMap<() => number, Map<string, RateLimiter>>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const kv: KeyValueStore = {
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: ttlMs ? Date.now() + ttlMs : Infinity });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: Date.now() + ttlMs });
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
  };

  const locks: LockManager = {
    async acquire(key, ttlMs) {
      const lockKey = `lock:${key}`;
      const token = randomUUID();
      if (!(await kv.setIfAbsent(lockKey, token, ttlMs))) return undefined;
      return {
        async release() {
          if (live(lockKey)?.value === token) entries.delete(lockKey);
        },
      };
    },
  };

  return {
    kind: 'memory',
    kv,
    locks,
    // Same name, same counters (as with Redis): two limiters created under one name share a quota.
    createRateLimiter: ({ name, points, durationMs, window = 'fixed', now = Date.now }) => {
      const id = `${name}:${points}:${durationMs}`;
      if (window === 'sliding') {
        const ofClock = slidingLimiters.get(now) ?? new Map<string, RateLimiter>();
        slidingLimiters.set(now, ofClock);
        if (!ofClock.has(id)) ofClock.set(id, createSlidingWindowLimiter({ points, durationMs, now }));
        return ofClock.get(id)!;
      }
      assertWholeSeconds(durationMs);
      let limiter = limiters.get(id);
      if (!limiter) {
        limiter = adaptLimiter(new RateLimiterMemory({ keyPrefix: name, points, duration: durationMs / 1000 }));
        limiters.set(id, limiter);
      }
      return limiter;
    },
    async ping() {},
    async close() {
      entries.clear();
    },
  };
}
