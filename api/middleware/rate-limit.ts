// Rate limit per caller (API key id, or client address before authentication), shared by every API
// process through Redis. Answers carry RateLimit-* headers; a refusal is 429 with Retry-After.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { RateLimiter } from '#src/shared-state/index.ts';
import type { ApiEnv } from '../env.ts';
import { problem } from '../problem.ts';

export interface RateLimitOptions {
  limiter: RateLimiter;
  points: number;
  windowSeconds: number;
  /** Who is counted: defaults to the client address. */
  key?: (c: Context<ApiEnv>) => string;
}

export function rateLimit({ limiter, points, windowSeconds, key }: RateLimitOptions) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const caller = key ? key(c) : (clientAddress(c.env) ?? 'unknown');
    const decision = await limiter.consume(caller);
    const resetSeconds = Math.ceil((decision.retryAfterMs || windowSeconds * 1000) / 1000);
    c.header('RateLimit-Limit', String(points));
    c.header('RateLimit-Remaining', String(decision.remaining));
    c.header('RateLimit-Reset', String(resetSeconds));
    if (!decision.allowed) {
      c.header('Retry-After', String(resetSeconds));
      return problem(c, 429, 'rate_limited', 'Too many requests', { detail: `Retry after ${resetSeconds} s.` });
    }
    await next();
  });
}

/** The peer address from @hono/node-server's bindings (no proxy headers are trusted). */
export function clientAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
