// Records every /v1 request whose API key authenticated (including ones that then fail with 4xx or
// 5xx) into the request log buffer: method, route template, status, duration, request id, key.
// Requests refused by authentication (401, and the 403s of a paused account or an address outside
// the allowlist) are not recorded: there is no partner to show them to; the access log and
// metrics still count them. Recording only pushes to a buffer and never fails the request.
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { Context } from 'hono';
import type { RequestLogBuffer } from '#src/domain/request-logs/buffer.ts';
import type { ApiEnv } from './env.ts';

/** The template of the endpoint that answered (`/v1/orders/:id`); middleware routes are `ALL`. */
export function routeTemplate(c: Context<ApiEnv>): string {
  const endpoint = matchedRoutes(c).findLast((route) => route.method !== 'ALL');
  return endpoint?.path ?? '(unmatched)';
}

/** Mount before authentication so the duration covers the whole request. */
export function recordRequestLogs(buffer: RequestLogBuffer | undefined) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const principal = c.get('principal');
    if (!buffer || !principal) return;
    try {
      buffer.push({
        accountId: principal.ownerId,
        keyId: principal.keyId,
        keyMode: principal.mode,
        method: c.req.method,
        path: routeTemplate(c),
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
        requestId: c.get('requestId'),
        at: new Date(),
      });
    } catch (error) {
      c.get('logger').warn({ err: error }, 'request log not recorded');
    }
  });
}
