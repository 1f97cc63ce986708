// Key scopes: the one place that says which partner route needs which permission, and which scope
// has which permission (the matrix in docs/api.md). Owner keys (every key made by the CLI, signup or
// an admin for the account itself) may do everything; a partner user's key has its user's role as
// scope. A route missing from ROUTE_PERMISSIONS is not guarded here, so an unknown path stays a 404;
// test/api/partner-users.test.ts fails when a documented partner route has no entry.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ApiKeyScope } from '#src/domain/api-keys/api-keys.tables.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { ApiEnv } from '../env.ts';

export const PERMISSIONS = [
  'wallet:read',
  'wallet:settings',
  'transactions:read',
  'transactions:export',
  'catalog:read',
  'orders:read',
  'orders:write',
  'webhooks:read',
  'webhooks:write',
  'request_logs:read',
  'usage:read',
  'keys:read',
  'keys:rotate',
  'keys:create_live',
  'users:manage',
  'onboarding:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const SCOPE_PERMISSIONS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  developer: new Set<Permission>(['catalog:read', 'orders:read', 'orders:write', 'webhooks:read', 'webhooks:write', 'request_logs:read', 'usage:read', 'keys:read', 'keys:rotate', 'onboarding:read']),
  finance: new Set<Permission>(['wallet:read', 'wallet:settings', 'transactions:read', 'transactions:export', 'usage:read', 'catalog:read', 'orders:read', 'keys:read', 'keys:rotate', 'onboarding:read']),
};

/** Whether `GET /v1/transactions` answers CSV: `?format=csv`, or no format and `Accept: text/csv`. */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  return format === 'csv' || (format === undefined && (accept ?? '').includes('text/csv'));
}

type Requirement = Permission | ((c: Context<ApiEnv>) => Permission);

/** `METHOD /v1/path/{param}` (as in the OpenAPI document) → what it needs. Admin routes need an admin key instead. */
export const ROUTE_PERMISSIONS: Record<string, Requirement> = {
  'GET /v1/wallet': 'wallet:read',
  'PUT /v1/wallet/low-balance': 'wallet:settings',
  'GET /v1/transactions': (c) => (wantsCsv(c.req.query('format'), c.req.header('accept')) ? 'transactions:export' : 'transactions:read'),
  'GET /v1/catalog': 'catalog:read',
  'GET /v1/catalog/{productId}': 'catalog:read',
  'POST /v1/orders': 'orders:write',
  'GET /v1/orders': 'orders:read',
  'GET /v1/orders/{id}': 'orders:read',
  'GET /v1/webhook-endpoint': 'webhooks:read',
  'PUT /v1/webhook-endpoint': 'webhooks:write',
  'GET /v1/webhook-events': 'webhooks:read',
  'POST /v1/webhook-events/{id}/redeliver': 'webhooks:write',
  'GET /v1/request-logs': 'request_logs:read',
  'GET /v1/usage': 'usage:read',
  'GET /v1/keys': 'keys:read',
  'POST /v1/keys/rotate': 'keys:rotate',
  'POST /v1/keys/live': 'keys:create_live',
  'GET /v1/onboarding': 'onboarding:read',
  'GET /v1/users': 'users:manage',
  'POST /v1/users': 'users:manage',
  'DELETE /v1/users/{id}': 'users:manage',
  'POST /v1/users/{id}/keys': 'users:manage',
};

const compiled = Object.entries(ROUTE_PERMISSIONS).map(([route, requirement]) => {
  const [method = '', template = ''] = route.split(' ');
  return { method, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`), requirement };
});

/** The permission a request needs; undefined for routes not listed (admin routes, unknown paths). */
export function requiredPermission(c: Context<ApiEnv>): Permission | undefined {
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  const route = compiled.find((candidate) => candidate.method === method && candidate.pattern.test(c.req.path));
  if (!route) return undefined;
  return typeof route.requirement === 'function' ? route.requirement(c) : route.requirement;
}

/** After authentication: a key whose scope lacks the route's permission is `403 insufficient_scope`. */
export const requireScope = createMiddleware<ApiEnv>(async (c, next) => {
  const { scope } = c.var.principal;
  if (scope !== 'owner') {
    const permission = requiredPermission(c);
    if (permission !== undefined && !SCOPE_PERMISSIONS[scope].has(permission)) {
      throw new DomainError('insufficient_scope', `this key (scope ${scope}) lacks the permission ${permission}`, { permission, scope });
    }
  }
  await next();
});
