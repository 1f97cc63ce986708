// Small interfaces for state shared between processes. Redis implements them when REDIS_URL is set;
// an in-process implementation stands in otherwise (one process only). Both pass the same tests.

export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  /** Sets a value, with an optional time to live. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets the value only if the key is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Points left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the next point is available (0 when allowed and points remain). */
  retryAfterMs: number;
}

export interface RateLimiterOptions {
  /** Namespace of this limiter (e.g. `bamboo:catalog`). */
  name: string;
  points: number;
  durationMs: number;
  /**
   * `fixed` (the default): windows aligned to their first call, whole seconds only; a burst across
   * a window's edge can pass 2 × points within `durationMs`. `sliding`: at most `points` in any
   * window of `durationMs` (any length in ms), for a vendor that counts that way (Bamboo).
   */
  window?: 'fixed' | 'sliding';
  /** Sliding windows only: where time comes from (tests). Redis otherwise uses its own clock. */
  now?: () => number;
}

export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateLimitDecision>;
  /** Refuses every consume on `key` for `ms` (e.g. after the vendor answered 429). */
  block(key: string, ms: number): Promise<void>;
}

export interface Lock {
  release(): Promise<void>;
}

export interface LockManager {
  /** Takes the lock if free; undefined when someone else holds it. Expires after `ttlMs`. */
  acquire(key: string, ttlMs: number): Promise<Lock | undefined>;
}

export interface SharedState {
  kind: 'redis' | 'memory';
  kv: KeyValueStore;
  locks: LockManager;
  createRateLimiter(options: RateLimiterOptions): RateLimiter;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class LockBusyError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`lock ${key} is held by someone else`);
    this.name = 'LockBusyError';
    this.key = key;
  }
}

/** Runs `fn` while holding `key`; throws LockBusyError when the lock is taken. */
export async function withLock<T>(locks: LockManager, key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = await locks.acquire(key, ttlMs);
  if (!lock) throw new LockBusyError(key);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
