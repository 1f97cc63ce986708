import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { handleError } from '../../api/errors.ts';
import { rateLimit } from '../../api/middleware/rate-limit.ts';
import { createRouter } from '../../api/router.ts';
import { createLogger } from '../../src/logger.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { createTestContext } from '../support/context.ts';

const { ctx, boss } = await createTestContext();

/** A router like the /v1 ones: zod-validated route, the shared error handler. */
function sampleRouter() {
  const router = createRouter();
  router.use(async (c, next) => {
    c.set('requestId', 'req-1');
    c.set('logger', createLogger({ level: 'silent', pretty: false }));
    await next();
  });
  router.onError(handleError);
  const route = createRoute({
    method: 'post',
    path: '/orders',
    request: {
      body: {
        content: {
          'application/json': { schema: z.object({ productId: z.string().min(1), quantity: z.number().int().min(1).max(500) }) },
        },
      },
    },
    responses: { 201: { description: 'created' } },
  });
  router.openapi(route, (c) => {
    const { quantity } = c.req.valid('json');
    if (quantity === 13)
      throw new DomainError('insufficient_funds', 'Balance is 1.00 USD, the order costs 13.00 USD', { balance: { amount: '1.00', currency: 'USD' } });
    if (quantity === 14) throw new DomainError('product_not_found', 'No such product');
    if (quantity === 15) throw new Error('database exploded at /var/lib/secret');
    return c.json({ ok: true }, 201);
  });
  return router;
}

const post = (app: ReturnType<typeof sampleRouter>, body: unknown) =>
  app.request('/orders', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('API conventions', () => {
  it('invalid input answers 400 problem+json listing every failing field', async () => {
    const response = await post(sampleRouter(), { productId: '', quantity: 0 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as { code: string; errors: { path: string }[]; requestId: string };
    expect(body.code).toBe('validation_failed');
    expect(body.requestId).toBe('req-1');
    expect(body.errors.map((error) => error.path).sort()).toEqual(['json.productId', 'json.quantity']);
  });

  it('domain errors keep their machine code and safe details; others are a bare 500', async () => {
    const app = sampleRouter();
    const funds = await post(app, { productId: 'p', quantity: 13 });
    expect(funds.status).toBe(402);
    expect(await funds.json()).toMatchObject({ code: 'insufficient_funds', balance: { amount: '1.00', currency: 'USD' } });
    expect((await post(app, { productId: 'p', quantity: 14 })).status).toBe(404);
    const crash = await post(app, { productId: 'p', quantity: 15 });
    expect(crash.status).toBe(500);
    const text = await crash.text();
    expect(text).toContain('internal_error');
    expect(text).not.toContain('/var/lib/secret');
  });

  it('rate limits with RateLimit headers and a 429 problem with Retry-After', async () => {
    const limiter = createMemoryState().createRateLimiter({ name: 'api-test', points: 2, durationMs: 60_000 });
    const app = createRouter();
    app.use(async (c, next) => {
      c.set('requestId', 'req-2');
      await next();
    });
    app.use(rateLimit({ limiter, points: 2, windowSeconds: 60, key: () => 'key-1' }));
    app.get('/ping', (c) => c.text('pong'));
    const first = await app.request('/ping');
    expect(first.headers.get('RateLimit-Limit')).toBe('2');
    expect(first.headers.get('RateLimit-Remaining')).toBe('1');
    await app.request('/ping');
    const refused = await app.request('/ping');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', status: 429 });
  });

  it('serves the OpenAPI 3.1 document and the rendered reference', async () => {
    const api = createApi({ ctx, boss });
    const document = await api.request('/openapi.json');
    expect(document.status).toBe(200);
    expect(await document.json()).toMatchObject({ openapi: '3.1.0', info: { title: 'Steller Agency API' } });
    const docs = await api.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    const page = await docs.text();
    expect(page).toContain('/openapi.json');
    // Every script comes from us: nothing is loaded from another host (a machine offline renders it).
    const sources = [...page.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual(['/docs/assets/scalar.js']);
    expect(page).not.toMatch(/https?:\/\/(?!example\.com)[^"'\s]*\.(js|css|woff2?)/);
    const script = await api.request('/docs/assets/scalar.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const again = await api.request('/docs/assets/scalar.js', { headers: { 'if-none-match': script.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});
