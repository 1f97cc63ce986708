// Deny by default: a route declares what it needs where it is defined (defineRoute); a route that
// declares nothing is refused for every key, the owner's included, and a path with no route stays 404.
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../api/errors.ts';
import { defineRoute, requireScope } from '../../api/middleware/scopes.ts';
import { createRouter } from '../../api/router.ts';
import type { ApiPrincipal } from '../../src/domain/api-keys/api-keys.ts';
import { createLogger } from '../../src/logger.ts';

const logger = createLogger({ level: 'silent' });

const ok = { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } } } };

/** /v1 after authentication, with a key of this scope and role, and the routes given. */
function apiWith(mount: (router: ReturnType<typeof createRouter>) => void) {
  const app = createRouter();
  app.use('*', async (c, next) => {
    c.set('requestId', 'test');
    c.set('logger', logger);
    const principal: ApiPrincipal = {
      keyId: 'key',
      accountId: 'account',
      ownerId: 'account',
      role: c.req.header('x-role') === 'admin' ? 'admin' : 'partner',
      mode: 'live',
      scope: (c.req.header('x-scope') ?? 'owner') as ApiPrincipal['scope'],
      userId: null,
    };
    c.set('principal', principal);
    await next();
  });
  app.use('*', requireScope);
  const routes = createRouter();
  mount(routes);
  app.route('/v1', routes);
  app.notFound((c) => c.json({ code: 'not_found' }, 404));
  app.onError(handleError);
  return (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });
}

const codeOf = async (response: Response) => ((await response.json()) as { code: string }).code;

describe('route permissions', () => {
  it('refuses a route that declares no permission, for every key', async () => {
    const request = apiWith((routes) => {
      routes.openapi(createRoute({ method: 'get', path: '/undeclared', responses: ok }), (c) => c.json({ ok: true }, 200));
    });
    for (const headers of [{}, { 'x-scope': 'developer' }, { 'x-role': 'admin' }] as Record<string, string>[]) {
      const response = await request('/v1/undeclared', headers);
      expect(response.status).toBe(403);
      expect(await codeOf(response)).toBe('forbidden');
    }
    expect((await request('/v1/no-such-route')).status).toBe(404);
  });

  it('checks the declared permission against the scope; admin routes need an admin key', async () => {
    const request = apiWith((routes) => {
      routes.openapi(defineRoute({ permission: 'orders:write', method: 'get', path: '/orders-write', responses: ok }), (c) => c.json({ ok: true }, 200));
      routes.openapi(defineRoute({ permission: 'admin', method: 'get', path: '/admin-only', responses: ok }), (c) => c.json({ ok: true }, 200));
      routes.openapi(
        defineRoute({ permission: (c) => (c.req.query('csv') ? 'transactions:export' : 'transactions:read'), method: 'get', path: '/chosen', responses: ok }),
        (c) => c.json({ ok: true }, 200),
      );
    });
    expect((await request('/v1/orders-write')).status).toBe(200);
    expect((await request('/v1/orders-write', { 'x-scope': 'developer' })).status).toBe(200);
    const finance = await request('/v1/orders-write', { 'x-scope': 'finance' });
    expect(finance.status).toBe(403);
    expect(await codeOf(finance)).toBe('insufficient_scope');
    expect((await request('/v1/chosen', { 'x-scope': 'finance' })).status).toBe(200);
    expect((await request('/v1/chosen', { 'x-scope': 'developer' })).status).toBe(403);
    expect((await request('/v1/admin-only', { 'x-role': 'admin' })).status).toBe(200);
    const partner = await request('/v1/admin-only');
    expect(partner.status).toBe(403);
    expect(await codeOf(partner)).toBe('forbidden');
  });
});
