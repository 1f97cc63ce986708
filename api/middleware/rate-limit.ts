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
    const refusal = await spendOrRefuse(c, { limiter, points, windowSeconds, key });
    if (refusal) return refusal;
    await next();
  });
}

/**
 * Spends one point of the caller's budget and sets the RateLimit-* headers (Retry-After when none
 * is left). For budgets spent after validation (signups) as well as in the middleware.
 */
export async function spend(
  c: Context<ApiEnv>,
  { limiter, points, windowSeconds, key }: RateLimitOptions,
): Promise<{ allowed: boolean; resetSeconds: number }> {
  const caller = key ? key(c) : (c.var.clientAddress ?? 'unknown');
  const decision = await limiter.consume(caller);
  const resetSeconds = Math.ceil((decision.retryAfterMs || windowSeconds * 1000) / 1000);
  c.header('RateLimit-Limit', String(points));
  c.header('RateLimit-Remaining', String(decision.remaining));
  c.header('RateLimit-Reset', String(resetSeconds));
  if (!decision.allowed) c.header('Retry-After', String(resetSeconds));
  return { allowed: decision.allowed, resetSeconds };
}

/** `spend`, answering the 429 problem+json when the budget is used up. */
export async function spendOrRefuse(c: Context<ApiEnv>, options: RateLimitOptions): Promise<Response | undefined> {
  const { allowed, resetSeconds } = await spend(c, options);
  return allowed ? undefined : problem(c, 429, 'rate_limited', 'Too many requests', { detail: `Retry after ${resetSeconds} s.` });
}
