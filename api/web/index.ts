// The web app under /app (docs/web.md): a partner dashboard with the developer portal, and the
// admin console, rendered on the server (Hono `html` templates) with htmx for the few live parts
// (docs/decisions/0012-web-app.md). Every asset is served by us. Pages call the same domain
// services as the API and the bot; a refusal of the domain becomes an error page with its status.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppContext } from '#src/context.ts';
import { ERROR_CODES } from '#src/shared/error-codes.ts';
import { DomainError } from '#src/shared/errors.ts';
import { MoneyError } from '#src/shared/money.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import { isDependencyUnavailable } from '#src/shared/unavailable.ts';
import { ASSETS, serveAsset } from '../static-assets.ts';
import { adminRoutes, agentRoutes } from './admin.ts';
import { adminNetworkRoutes } from './admin-network.ts';
import { adminOpsRoutes } from './admin-ops.ts';
import { adminPricingRoutes } from './admin-pricing.ts';
import type { WebEnv } from './env.ts';
import { page } from './html.ts';
import { partnerRoutes } from './partner.ts';
import { partnerUserRoutes } from './partner-users.ts';
import { homeOf, loadSession, requireCsrf } from './session.ts';
import { signInRoutes } from './sign-in.ts';

/** Only our own origin for everything; no inline script or style, no framing. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function createWebApp(ctx: AppContext, options: { queues: readonly QueueContract[] }) {
  const app = new Hono<WebEnv>();

  app.get('/assets/htmx.min.js', serveAsset(ASSETS.htmx));
  app.get('/assets/app.css', serveAsset(ASSETS.css));

  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  app.use('*', loadSession(ctx));
  app.use('*', requireCsrf(ctx));

  app.get('/', (c) => c.redirect(c.var.identity ? homeOf(c.var.identity) : '/app/login', 303));
  app.route('/', signInRoutes(ctx));
  app.route('/partner', partnerRoutes(ctx));
  app.route('/partner', partnerUserRoutes(ctx));
  app.route('/admin', adminRoutes(ctx));
  app.route('/admin', adminNetworkRoutes(ctx));
  app.route('/admin', adminOpsRoutes(ctx, options.queues));
  app.route('/admin', adminPricingRoutes(ctx));
  app.route('/agent', agentRoutes(ctx));

  // A page load gets the whole page; an htmx action only the message, swapped where its answer would
  // have gone; an htmx refresh (a GET: the playground's polling) nothing, so it keeps what it shows
  // and asks again on its next tick (a brief outage heals by itself).
  const errorPage = (c: Parameters<Parameters<typeof app.onError>[0]>[1], status: ContentfulStatusCode, title: string, text: string) =>
    c.req.header('hx-request')
      ? c.req.method === 'GET'
        ? c.body(null, 204)
        : c.html(html`<p class="notice error" role="alert">${text}</p>`, status)
      : c.html(
          page({
            title,
            identity: c.var.identity,
            csrfToken: c.var.csrfToken ?? '',
            path: '',
            notice: { kind: 'error', text },
            body: html`<p><a href="${c.var.identity ? homeOf(c.var.identity) : '/app/login'}">Back to the start</a></p>`,
          }),
          status,
        );

  app.notFound((c) => errorPage(c, 404, 'Not found', 'There is no such page.'));

  app.onError((error, c) => {
    if (error instanceof DomainError) return errorPage(c, ERROR_CODES[error.code].status, 'Not done', error.message);
    if (error instanceof MoneyError) return errorPage(c, 422, 'Not done', error.message);
    if (isDependencyUnavailable(error)) {
      c.header('Retry-After', '2');
      return errorPage(c, 503, 'Briefly unavailable', 'A service this page needs cannot be reached right now; try again in a moment.');
    }
    c.var.logger.error({ err: error }, 'web page failed');
    return errorPage(c, 500, 'Something went wrong', 'The page could not be shown. Try again; if it keeps failing, tell us the time.');
  });

  return app;
}
