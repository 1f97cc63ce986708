// Sessions and CSRF for the web app (docs/web.md, Sign-in). The session cookie is HttpOnly,
// SameSite=Lax, path /app, and Secure in production. Every state-changing request must carry the
// CSRF token (a form's `_csrf` field or htmx's `x-csrf-token` header): the session's own token,
// or before sign-in the random token of an anonymous cookie (double submit). A request whose
// Origin is another site is refused as well.
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { findWebSession, randomToken, SESSION_MAX_MS, type StartedSession, type WebIdentity } from '#src/domain/web-access/sessions.ts';
import type { WebEnv } from './env.ts';

export const SESSION_COOKIE = 'steller_session';
const ANONYMOUS_CSRF_COOKIE = 'steller_csrf';

const cookieOptions = (ctx: AppContext) => ({ path: '/app', httpOnly: true, sameSite: 'Lax', secure: ctx.config.NODE_ENV === 'production' }) as const;

/** Reads the session (if any) and the CSRF token this request's forms carry. */
export function loadSession(ctx: AppContext) {
  const secret = apiKeySecret(ctx.config);
  return createMiddleware<WebEnv>(async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const identity = token ? await findWebSession(ctx.db, secret, token) : undefined;
    if (token && !identity) deleteCookie(c, SESSION_COOKIE, cookieOptions(ctx));
    c.set('identity', identity);
    let csrfToken = identity?.csrfToken ?? getCookie(c, ANONYMOUS_CSRF_COOKIE);
    if (!csrfToken || csrfToken.length > 100) {
      csrfToken = randomToken();
      setCookie(c, ANONYMOUS_CSRF_COOKIE, csrfToken, { ...cookieOptions(ctx), maxAge: 3600 });
    }
    c.set('csrfToken', csrfToken);
    await next();
  });
}

const sameToken = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The origins a form may be posted from: this server's own, as the browser saw it. */
function allowedOrigins(ctx: AppContext, c: Context): Set<string> {
  const origins = new Set([new URL(c.req.url).origin]);
  if (ctx.config.PUBLIC_URL) origins.add(new URL(ctx.config.PUBLIC_URL).origin);
  const host = c.req.header('host');
  if (host) for (const scheme of ['http', 'https']) origins.add(`${scheme}://${host}`);
  return origins;
}

/** Refuses a state-changing request without this session's CSRF token, or posted from another site. */
export function requireCsrf(ctx: AppContext) {
  return createMiddleware<WebEnv>(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null' && !allowedOrigins(ctx, c).has(origin)) return c.text('Forbidden: cross-site request', 403);
    let presented = c.req.header('x-csrf-token');
    if (presented === undefined) {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        const field = (await c.req.parseBody())['_csrf'];
        presented = typeof field === 'string' ? field : undefined;
      }
    }
    if (presented === undefined || !sameToken(presented, c.var.csrfToken)) {
      return c.text('Forbidden: this form has expired. Go back, reload the page and try again.', 403);
    }
    await next();
  });
}

/** Sets the session cookie after a sign-in (the anonymous CSRF cookie is no longer needed). */
export function setSessionCookie(ctx: AppContext, c: Context, session: StartedSession): void {
  setCookie(c, SESSION_COOKIE, session.token, { ...cookieOptions(ctx), maxAge: Math.floor(SESSION_MAX_MS / 1000) });
  deleteCookie(c, ANONYMOUS_CSRF_COOKIE, cookieOptions(ctx));
}

export function clearSessionCookie(ctx: AppContext, c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(ctx));
}

/** Where a signed-in person starts. */
export function homeOf(identity: WebIdentity): string {
  if (identity.kind === 'partner_user') return '/app/partner';
  return identity.role === 'admin' ? '/app/admin' : '/app/agent';
}
