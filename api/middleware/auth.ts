// API key authentication for /v1: `Authorization: Bearer <key>` or `x-api-key: <key>`. Missing,
// unknown, revoked and expired keys are 401; a caller outside the key's IP allowlist or a paused
// account is 403 (all problem+json).
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret, authenticateApiKey, type ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { ApiEnv } from '../env.ts';
import { spendOrRefuse } from './rate-limit.ts';

export function presentedKey(c: Context<ApiEnv>): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    return match?.[1] ?? '';
  }
  return c.req.header('x-api-key')?.trim();
}

export function authenticate(ctx: AppContext) {
  const secret = apiKeySecret(ctx.config);
  // Failed authentications per client address: a burst of bad keys ends in 429, not endless 401s.
  const points = ctx.config.API_AUTH_FAILURES_PER_MINUTE;
  const failures = { limiter: ctx.state.createRateLimiter({ name: 'api:auth-failures', points, durationMs: 60_000 }), points, windowSeconds: 60 };
  return createMiddleware<ApiEnv>(async (c, next) => {
    let principal: ApiPrincipal;
    try {
      const key = presentedKey(c);
      if (key === undefined) {
        c.header('WWW-Authenticate', 'Bearer');
        throw new DomainError('unauthorized', 'An API key is required: Authorization: Bearer <key> or x-api-key: <key>');
      }
      // Recent keys come from the process's cache, never behind a committed revocation: the
      // generations are read once for the request, and the routes' caches use the same read
      // (docs/api.md, Caching).
      const generations = await ctx.reads.generations.current();
      c.set('generations', generations);
      principal = await authenticateApiKey(ctx.db, secret, key, { clientAddress: c.var.clientAddress, lookup: ctx.reads.apiKeys.at(generations) });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unauthorized') {
        const refusal = await spendOrRefuse(c, failures);
        if (refusal) return refusal;
      }
      throw error;
    }
    c.set('principal', principal);
    await next();
  });
}

/** Admin endpoints need an admin key. */
export function assertAdminKey(c: Context<ApiEnv>): void {
  if (c.var.principal.role !== 'admin') throw new DomainError('forbidden', 'This endpoint needs an admin key');
}

export const requireAdminKey = createMiddleware<ApiEnv>(async (c, next) => {
  assertAdminKey(c);
  await next();
});

/** The caller of a partner endpoint; admin keys have no wallet, orders or webhooks of their own. */
export function partnerPrincipal(c: Context<ApiEnv>): ApiPrincipal {
  const principal = c.var.principal;
  if (principal.role !== 'partner') throw new DomainError('forbidden', 'This endpoint needs a partner key');
  return principal;
}
