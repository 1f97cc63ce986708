// Key scopes: which scope has which permission (the matrix in docs/api.md), and the check of the
// permission each route declares where it is defined (`defineRoute`). Owner keys (every key made by
// the CLI, signup or an admin for the account itself) may do everything a partner may; a partner
// user's key has its user's role as scope. Deny by default: a route that declares nothing is 403.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { RouterRoute } from 'hono/types';
import type { ApiKeyScope } from '#src/domain/api-keys/api-keys.tables.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { ApiEnv } from '../env.ts';
import { assertAdminKey } from './auth.ts';

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
  'agents:read',
  'agents:invite',
  'agents:fund',
  'agents:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const SCOPE_PERMISSIONS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  // A partner user who runs the account: what an owner key may do, managing users included.
  manager: new Set(PERMISSIONS),
  developer: new Set<Permission>([
    'catalog:read',
    'orders:read',
    'orders:write',
    'webhooks:read',
    'webhooks:write',
    'request_logs:read',
    'usage:read',
    'keys:read',
    'keys:rotate',
    'onboarding:read',
    'agents:read',
    'agents:invite',
  ]),
  finance: new Set<Permission>([
    'wallet:read',
    'wallet:settings',
    'transactions:read',
    'transactions:export',
    'usage:read',
    'catalog:read',
    'orders:read',
    'keys:read',
    'keys:rotate',
    'onboarding:read',
    'agents:read',
    'agents:fund',
  ]),
};

/** Whether `GET /v1/transactions` answers CSV: `?format=csv`, or no format and `Accept: text/csv`. */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  return format === 'csv' || (format === undefined && (accept ?? '').includes('text/csv'));
}

/**
 * What a route needs, declared where the route is defined (`defineRoute`): a permission (or a choice
 * of one from the request), `admin` (an admin key) or `public` (no key: signup).
 */
export type Access = Permission | ((c: Context<ApiEnv>) => Permission) | 'admin' | 'public';

/** The marker each defined route carries as its first middleware; the access is read from it. */
const ACCESS_OF_MARKER = new WeakMap<MiddlewareHandler, Access>();

/**
 * `createRoute` with the route's access: `defineRoute({ permission: 'orders:write', method, path, … })`.
 * The access travels as the route's first middleware (so it stays out of the OpenAPI document).
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware'> & { path: P; permission: Access }>(config: R) {
  const { permission, ...route } = config;
  const marker: MiddlewareHandler<ApiEnv> = async (_c, next) => next();
  ACCESS_OF_MARKER.set(marker, permission);
  return createRoute({ ...route, middleware: [marker] });
}

/** The access a handler list declares, or undefined when none of its handlers is a marker. */
const accessOf = (handlers: readonly { handler: unknown }[]): Access | undefined =>
  handlers.map(({ handler }) => ACCESS_OF_MARKER.get(handler as MiddlewareHandler)).find((access) => access !== undefined);

/**
 * Every endpoint of an app (`METHOD /path/{param}`, as in the OpenAPI document) with the access it
 * declares (undefined: none, so it is refused). Middleware added with `use` is not an endpoint.
 */
export function declaredAccess(app: { routes: readonly RouterRoute[] }): Map<string, Access | undefined> {
  const endpoints = new Map<string, RouterRoute[]>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const key = `${route.method} ${route.path.replaceAll(/:([^/]+)/g, '{$1}')}`;
    endpoints.set(key, [...(endpoints.get(key) ?? []), route]);
  }
  return new Map([...endpoints].map(([key, handlers]) => [key, accessOf(handlers)]));
}

/**
 * After authentication: the permission the matched route declares, checked against the key's scope
 * (`403 insufficient_scope`). Deny by default: a route that declares no access is refused for every
 * key; a path with no route at all goes on to its 404.
 */
export const requireScope = createMiddleware<ApiEnv>(async (c, next) => {
  const endpoints = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  if (endpoints.length > 0) {
    const access = accessOf(endpoints);
    if (access === undefined) throw new DomainError('forbidden', 'This endpoint declares no permission, so no key may call it');
    if (access === 'admin') assertAdminKey(c);
    else if (access !== 'public') {
      const { scope } = c.var.principal;
      const permission = typeof access === 'function' ? access(c) : access;
      if (scope !== 'owner' && !SCOPE_PERMISSIONS[scope].has(permission)) {
        throw new DomainError('insufficient_scope', `this key (scope ${scope}) lacks the permission ${permission}`, { permission, scope });
      }
    }
  }
  await next();
});
