// Admin endpoints (admin key) for API keys: an account's keys (and its sandbox's), issue one, revoke one.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret, findSandboxAccountId, issueApiKey, listApiKeys, revokeApiKey } from '#src/domain/api-keys/api-keys.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';
import { adminActor, body, IdParams, json } from './admin-helpers.ts';
import { ApiKeySchema, IssuedApiKeySchema, presentApiKey, presentIssuedKey } from './keys.ts';

export function adminApiKeyRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/accounts/{id}/api-keys',
      tags,
      summary: 'The API keys of an account and of its sandbox (never the keys themselves)',
      security: SECURITY,
      request: { params: IdParams },
      responses: {
        200: json(z.object({ data: z.array(ApiKeySchema), sandboxAccountId: z.string().uuid().nullable() }), 'Keys'),
        ...errorResponses({ 404: 'No such account' }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const keys = await listApiKeys(ctx.db, adminActor(c), id);
      return c.json({ data: keys.map(presentApiKey), sandboxAccountId: await findSandboxAccountId(ctx.db, id) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/accounts/{id}/api-keys',
      tags,
      summary: 'Issue an API key (shown once)',
      description: "`live` keys act on the account; `test` keys on the partner's sandbox account. Admin accounts get live keys.",
      security: SECURITY,
      request: {
        params: IdParams,
        ...body(
          z.object({
            mode: z.enum(['live', 'test']),
            ipAllowlist: z.array(z.string().max(50)).max(50).optional().openapi({ description: 'IPv4/IPv6 addresses or CIDR blocks; omit for anywhere.' }),
          }),
        ),
      },
      responses: {
        201: json(IssuedApiKeySchema, 'The new key'),
        ...errorResponses({
          404: 'No such account',
          422: 'This account cannot have such a key (`api_key_not_allowed`), or a bad allowlist (`invalid_ip_allowlist`)',
        }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { mode, ipAllowlist } = c.req.valid('json');
      const issued = await issueApiKey(ctx, apiKeySecret(ctx.config), adminActor(c), { accountId: id, mode, ipAllowlist: ipAllowlist ?? null });
      return c.json(presentIssuedKey(issued), 201);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/api-keys/{id}/revoke',
      tags,
      summary: 'Revoke an API key now',
      security: SECURITY,
      request: { params: IdParams },
      responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorResponses({ 404: 'No such key (`api_key_not_found`)' }) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(presentApiKey(await revokeApiKey(ctx.db, adminActor(c), id)), 200);
    },
  );

  return router;
}
