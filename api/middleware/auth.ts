// API key authentication for /v1: `Authorization: Bearer <key>` or `x-api-key: <key>`. Missing,
// unknown, revoked and expired keys are 401; a caller outside the key's IP allowlist or a paused
// account is 403 (all problem+json).
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret, authenticateApiKey, type ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { ApiEnv } from '../env.ts';
import { clientAddress } from './rate-limit.ts';

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
  return createMiddleware<ApiEnv>(async (c, next) => {
    const key = presentedKey(c);
    if (key === undefined) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new DomainError('unauthorized', 'An API key is required: Authorization: Bearer <key> or x-api-key: <key>');
    }
    c.set('principal', await authenticateApiKey(ctx.db, secret, key, { clientAddress: clientAddress(c.env) }));
    await next();
  });
}

/** Admin endpoints need an admin key. */
export const requireAdminKey = createMiddleware<ApiEnv>(async (c, next) => {
  if (c.var.principal.role !== 'admin') throw new DomainError('forbidden', 'This endpoint needs an admin key');
  await next();
});

/** The caller of a partner endpoint; admin keys have no wallet, orders or webhooks of their own. */
export function partnerPrincipal(c: Context<ApiEnv>): ApiPrincipal {
  const principal = c.var.principal;
  if (principal.role !== 'partner') throw new DomainError('forbidden', 'This endpoint needs a partner key');
  return principal;
}
