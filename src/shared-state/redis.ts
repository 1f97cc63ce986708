import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { adaptLimiter, assertWholeSeconds } from './rate-limit.ts';
import type { KeyValueStore, LockManager, SharedState } from './types.ts';

// Deletes the lock only if we still own it (our token), so an expired-and-retaken lock survives.
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createRedisState(url: string, keyPrefix: string): SharedState {
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 2, lazyConnect: false });
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

  return {
    kind: 'redis',
    kv,
    locks,
    createRateLimiter: ({ name, points, durationMs }) =>
      assertWholeSeconds(durationMs) &&
      adaptLimiter(
        new RateLimiterRedis({
          storeClient: redis,
          // ioredis applies its own keyPrefix to every key; rate-limiter-flexible adds this one.
          keyPrefix: `rl:${name}`,
          points,
          duration: durationMs / 1000,
        }),
      ),
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
