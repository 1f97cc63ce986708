import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter } from './types.ts';

/** Adapts a rate-limiter-flexible limiter (Redis or memory, same API) to our interface. */
export function adaptLimiter(limiter: RateLimiterAbstract): RateLimiter {
  return {
    async consume(key, points = 1): Promise<RateLimitDecision> {
      try {
        const result = await limiter.consume(key, points);
        return { allowed: true, remaining: result.remainingPoints, retryAfterMs: result.remainingPoints > 0 ? 0 : result.msBeforeNext };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
        }
        throw rejection; // a store error, not a refusal
      }
    },
    async block(key, ms) {
      // Whole seconds, rounded up: the Redis limiter truncates fractions, and a block that rounds
      // to 0 s would get no expiry at all (a permanent block).
      await limiter.block(key, Math.max(1, Math.ceil(ms / 1000)));
    },
  };
}

/**
 * The Redis limiter counts in whole seconds, so both implementations accept only those. For a
 * minimum gap below a second (e.g. 500 ms between vendor checkouts) use `kv.setIfAbsent` with a TTL.
 */
export function assertWholeSeconds(durationMs: number): true {
  if (!Number.isInteger(durationMs / 1000) || durationMs <= 0) {
    throw new Error(`rate limiter window must be a positive whole number of seconds, got ${durationMs} ms`);
  }
  return true;
}
