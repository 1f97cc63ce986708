// The HTTP app: request ids, access logs, metrics, health endpoints and problem+json errors.
// Partner routes (/v1, with OpenAPI from their zod schemas) mount here; the bot's webhook too.
import { randomUUID } from 'node:crypto';
import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { PgBoss } from 'pg-boss';
import type { AppContext } from '#src/context.ts';
import { checkReadiness } from '#src/health.ts';
import { bambooCallbackRoutes } from './bamboo-callback.ts';
import { claimPageRoutes } from './claim-page.ts';
import { peerAddress, resolveClientAddress, trustedProxies } from './client-address.ts';
import { handleError } from './errors.ts';
import { problem } from './problem.ts';
import { createRouter } from './router.ts';
import { ASSETS, serveAsset } from './static-assets.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import { createRequestCounter, type RequestCounter } from './request-counter.ts';
import { createV1Api } from './v1/index.ts';
import { createWebApp } from './web/index.ts';

export interface ApiDeps {
  ctx: AppContext;
  boss: Pick<PgBoss, 'getQueues'>;
  /** Telegram updates in webhook mode (see bot/webhook.ts). */
  telegramWebhook?: { path: string; handler: (c: Context) => Promise<Response> };
  /** The queues the operations routes show and retry (none when absent; the root passes every bound queue). */
  queues?: readonly QueueContract[];
  /** Per-account request counts; the root passes its own to write the last ones when it stops (`close`). */
  requestCounts?: RequestCounter;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApi({ ctx, boss, telegramWebhook, queues = [], requestCounts = createRequestCounter(ctx) }: ApiDeps) {
  const app = createRouter();
  const { metrics } = ctx;
  const proxies = trustedProxies(ctx.config.TRUST_PROXY);

  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const logger = ctx.logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.header('x-request-id', requestId);
    c.set('clientAddress', resolveClientAddress(peerAddress(c.env), c.req.header('x-forwarded-for'), proxies));
    const started = performance.now();
    await next();
    const route = c.res.status === 404 ? '(unmatched)' : routePath(c);
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    if (route !== '/healthz' && route !== '/metrics') {
      logger.info({ method: c.req.method, route, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });

  // A body over the limit is refused before anything reads it (while it streams, without a length).
  app.use(
    bodyLimit({
      maxSize: ctx.config.API_BODY_LIMIT_BYTES,
      onError: (c) => problem(c, 413, 'payload_too_large', 'Request body too large', { detail: `The limit is ${ctx.config.API_BODY_LIMIT_BYTES} bytes.` }),
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const report = await checkReadiness({ db: ctx.db, state: ctx.state, boss });
    return c.json({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks }, report.ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });

  app.route('/v1', createV1Api(ctx, { queues, requestCounts }));
  app.route('/', bambooCallbackRoutes(ctx));
  app.route('/', claimPageRoutes(ctx));
  // The web app (partner dashboard, admin console): HTML pages, not part of the OpenAPI document.
  app.route('/app', createWebApp(ctx, { queues }));
  // Routes are strict about a trailing slash; the app's own address typed with one still leads in.
  app.get('/app/', (c) => c.redirect('/app', 301));

  if (telegramWebhook) app.post(telegramWebhook.path, (c) => telegramWebhook.handler(c));

  app.notFound((c) => problem(c, 404, 'not_found', 'No such endpoint', { detail: `${c.req.method} ${c.req.path}` }));

  app.onError(handleError);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Steller Agency API',
      version: '1.0.0',
      description: 'Gift cards for B2B partners. Errors are RFC 9457 problem+json with a stable `code`.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`sk_live_…` or `sk_test_…`) as `Authorization: Bearer <key>`; `x-api-key: <key>` works too.',
  });
  // The renderer is served by us (no CDN) and asked for no web fonts, so /docs works offline.
  app.get('/docs/assets/scalar.js', serveAsset(ASSETS.scalar));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Steller Agency API', cdn: '/docs/assets/scalar.js', withDefaultFonts: false }));

  return app;
}

export type Api = ReturnType<typeof createApi>;
