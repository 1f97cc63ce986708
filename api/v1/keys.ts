// GET /v1/keys lists the partner's keys; POST /v1/keys/rotate: the partner replaces the key it calls with; the old key keeps working for
// the configured grace period (API_KEY_ROTATION_GRACE_SECONDS); POST /v1/keys/{id}/revoke: one of the keys GET /v1/keys lists stops now.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret, listOwnApiKeys, revokeOwnApiKey, rotateApiKey, type ApiKeyInfo, type IssuedApiKey } from '#src/domain/api-keys/api-keys.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';

export const ApiKeySchema = z
  .object({
    id: z.string().uuid(),
    accountId: z.string().uuid(),
    mode: z.enum(['live', 'test']),
    prefix: z.string().openapi({ example: 'sk_live_Ab3x' }),
    createdAt: z.string().datetime(),
    lastUsedAt: z.string().datetime().nullable(),
    expiresAt: z.string().datetime().nullable(),
    revokedAt: z.string().datetime().nullable(),
    ipAllowlist: z
      .array(z.string())
      .nullable()
      .openapi({ description: 'Addresses or CIDR blocks the key works from; null: anywhere.', example: ['203.0.113.0/24'] }),
    scope: z
      .enum(['owner', 'manager', 'developer', 'finance'])
      .openapi({ description: '`owner`: full access; otherwise the role of the partner user the key belongs to (see the scope matrix).' }),
    userId: z.string().uuid().nullable().openapi({ description: 'The partner user the key belongs to; null for owner keys.' }),
  })
  .openapi('ApiKey');

export const IssuedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The key itself: shown this once, store it now.', example: 'sk_live_…' }),
}).openapi('IssuedApiKey');

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export const presentApiKey = (info: ApiKeyInfo) => ({
  id: info.id,
  accountId: info.accountId,
  mode: info.mode,
  prefix: info.prefix,
  createdAt: info.createdAt.toISOString(),
  lastUsedAt: iso(info.lastUsedAt),
  expiresAt: iso(info.expiresAt),
  revokedAt: iso(info.revokedAt),
  ipAllowlist: info.ipAllowlist,
  scope: info.scope,
  userId: info.userId,
});

export const presentIssuedKey = (issued: IssuedApiKey) => ({ ...presentApiKey(issued), key: issued.key });

export function keyRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    defineRoute({
      permission: 'keys:read',
      method: 'get',
      path: '/keys',
      tags: ['Keys'],
      summary: 'The keys of the account the calling key acts on (prefixes, never the keys)',
      description:
        "Live keys list the live keys, test keys the sandbox keys; a partner user's key lists only that user's keys. `expiresAt` is set on a rotated key.",
      security: SECURITY,
      responses: {
        200: { description: 'Keys, newest first', content: { 'application/json': { schema: z.object({ data: z.array(ApiKeySchema) }) } } },
        ...errorResponses(),
      },
    }),
    async (c) => c.json({ data: (await listOwnApiKeys(ctx.db, partnerPrincipal(c))).map(presentApiKey) }, 200),
  );
  router.openapi(
    defineRoute({
      permission: 'keys:rotate',
      method: 'post',
      path: '/keys/rotate',
      tags: ['Keys'],
      summary: 'Replace the calling key',
      description:
        'Returns a new key of the same mode, IP allowlist, scope and user. The calling key keeps working for a grace period (24 h by default), then expires.',
      security: SECURITY,
      responses: {
        201: { description: 'The new key (shown once)', content: { 'application/json': { schema: IssuedApiKeySchema } } },
        ...errorResponses({ 409: 'This key was already rotated (`api_key_already_rotated`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const issued = await rotateApiKey(ctx.db, apiKeySecret(ctx.config), principal, ctx.config.API_KEY_ROTATION_GRACE_SECONDS);
      return c.json(presentIssuedKey(issued), 201);
    },
  );
  router.openapi(
    defineRoute({
      permission: 'keys:rotate',
      method: 'post',
      path: '/keys/{id}/revoke',
      tags: ['Keys'],
      summary: 'Revoke one of your keys now',
      description:
        "A key `GET /v1/keys` lists (a partner user's key: only that user's keys). It stops working at once, also for requests in flight elsewhere; revoking twice changes nothing.",
      security: SECURITY,
      request: {
        params: z.object({
          id: z
            .string()
            .uuid()
            .openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: {
        200: { description: 'The revoked key', content: { 'application/json': { schema: ApiKeySchema } } },
        ...errorResponses({ 404: 'No such key of yours (`api_key_not_found`)' }),
      },
    }),
    async (c) => c.json(presentApiKey(await revokeOwnApiKey(ctx.db, partnerPrincipal(c), c.req.valid('param').id)), 200),
  );
  return router;
}
