import { describe, expect, it } from 'vitest';
import { createApiHarness } from '../support/api.ts';

const harness = await createApiHarness();

interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}

describe('OpenAPI document of /v1', () => {
  it('documents every partner and admin route with its security and problem+json errors', async () => {
    const document = (await (await harness.api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    const routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /v1/wallet',
        'GET /v1/transactions',
        'GET /v1/catalog',
        'GET /v1/catalog/{productId}',
        'POST /v1/orders',
        'GET /v1/carts/{id}',
        'GET /v1/webhook-endpoint',
        'PUT /v1/webhook-endpoint',
        'GET /v1/webhook-events',
        'POST /v1/webhook-events/{id}/redeliver',
        'POST /v1/webhook-endpoint/test',
        'GET /v1/keys',
        'POST /v1/keys/rotate',
        'GET /v1/admin/accounts',
        'POST /v1/admin/accounts',
        'POST /v1/admin/accounts/{id}/pause',
        'POST /v1/admin/accounts/{id}/resume',
        'POST /v1/admin/accounts/{id}/credit',
        'POST /v1/admin/accounts/{id}/debit',
        'GET /v1/admin/audit-log',
        'GET /v1/admin/accounts/{id}/api-keys',
        'POST /v1/admin/accounts/{id}/api-keys',
        'POST /v1/admin/api-keys/{id}/revoke',
        'POST /v1/signup',
        'GET /v1/onboarding',
        'POST /v1/keys/live',
        'GET /v1/admin/signups',
        'POST /v1/admin/signups/{accountId}/approve',
        'POST /v1/admin/signups/{accountId}/reject',
      ]),
    );
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Money', 'Problem', 'Wallet', 'CatalogProduct', 'WebhookEvent']));
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        // The one public route: self-service signup (no key, rate limited per address).
        const isPublic = method === 'post' && path === '/v1/signup';
        expect(operation.security, `${method} ${path}`).toEqual(isPublic ? [] : [{ apiKey: [] }]);
        for (const status of isPublic ? ['429'] : ['401', '429']) {
          expect(Object.keys(operation.responses[status]?.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });
});
