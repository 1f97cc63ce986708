import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { adaptLimiter, assertWholeSeconds } from './rate-limit.ts';
import { SLIDING_WINDOW_BLOCK, SLIDING_WINDOW_CONSUME } from './sliding-window.ts';
import type { KeyValueStore, LockManager, RateLimiter, RateLimiterOptions, SharedState } from './types.ts';

// Deletes the lock only if we still own it (our token), so an expired-and-retaken lock survives.
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Longest wait for one command's answer. */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Longest pause between two reconnect attempts. */
export const REDIS_RECONNECT_MAX_MS = 500;

export function createRedisState(url: string, keyPrefix: string): SharedState {
  const redis = new Redis(url, {
    keyPrefix,
    // A command waits for at most two reconnects, and never more than REDIS_COMMAND_TIMEOUT_MS for an
    // answer, then fails (the API answers 503): never a hang.
    maxRetriesPerRequest: 2,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // Reconnect at least twice a second, so service is back within a second of Redis.
    retryStrategy: (attempt) => Math.min(attempt * 50, REDIS_RECONNECT_MAX_MS),
    lazyConnect: false,
  });
  // Connection errors surface through commands and /readyz; the event itself must not crash us.
  redis.on('error', () => undefined);

  const kv: KeyValueStore = {
    async get(key) {
      return (await redis.get(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      if (ttlMs) await redis.set(key, value, 'PX', ttlMs);
      else await redis.set(key, value);
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async delete(key) {
      await redis.del(key);
    },
  };

  const locks: LockManager = {
    async acquire(key, ttlMs) {
      const lockKey = `lock:${key}`;
      const token = randomUUID();
      if (!(await kv.setIfAbsent(lockKey, token, ttlMs))) return undefined;
      return {
        async release() {
          await redis.eval(RELEASE_SCRIPT, 1, lockKey, token);
        },
      };
    },
  };

  const fixedLimiter = ({ name, points, durationMs }: RateLimiterOptions): RateLimiter =>
    assertWholeSeconds(durationMs) &&
    adaptLimiter(
      new RateLimiterRedis({
        storeClient: redis,
        // ioredis applies its own keyPrefix to every key; rate-limiter-flexible adds this one.
        keyPrefix: `rl:${name}`,
        points,
        duration: durationMs / 1000,
      }),
    );

  // Sliding windows in one script each, so concurrent processes never both take the last point.
  const slidingLimiter = ({ name, points, durationMs, now }: RateLimiterOptions): RateLimiter => {
    const clock = () => (now ? String(now()) : ''); // '' = Redis's own clock, the same for every process
    return {
      async consume(key, cost = 1) {
        const log = `sw:${name}:${key}`;
        const [allowed, remaining, retryAfterMs] = (await redis.eval(
          SLIDING_WINDOW_CONSUME,
          2,
          log,
          `${log}:blocked`,
          points,
          durationMs,
          cost,
          clock(),
          randomUUID(),
        )) as [number, number, number];
        return { allowed: allowed === 1, remaining, retryAfterMs };
      },
      async block(key, ms) {
        await redis.eval(SLIDING_WINDOW_BLOCK, 1, `sw:${name}:${key}:blocked`, Math.ceil(ms), clock());
      },
    };
  };

  return {
    kind: 'redis',
    kv,
    locks,
    createRateLimiter: (options) => (options.window === 'sliding' ? slidingLimiter(options) : fixedLimiter(options)),
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
