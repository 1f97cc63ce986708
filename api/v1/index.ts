// The partner API under /v1: every route needs an API key and is rate limited per key (shared
// through Redis). Admin routes (/v1/admin) need an admin key. Routes stay thin: they validate,
// call a domain service with the key's account, and present the result.
import type { AppContext } from '#src/context.ts';
import { authenticate, requireAdminKey } from '../middleware/auth.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { createRouter } from '../router.ts';
import { adminRoutes } from './admin.ts';
import { catalogRoutes } from './catalog.ts';
import { keyRoutes } from './keys.ts';
import { walletRoutes } from './wallet.ts';
import { webhookRoutes } from './webhooks.ts';

export function createV1Api(ctx: AppContext) {
  const v1 = createRouter();
  const points = ctx.config.API_RATE_LIMIT_PER_MINUTE;
  const limiter = ctx.state.createRateLimiter({ name: 'api:key', points, durationMs: 60_000 });
  v1.use('*', authenticate(ctx));
  v1.use('*', rateLimit({ limiter, points, windowSeconds: 60, key: (c) => c.var.principal.keyId }));
  v1.use('/admin/*', requireAdminKey);
  v1.route('/', walletRoutes(ctx));
  v1.route('/', catalogRoutes(ctx));
  v1.route('/', webhookRoutes(ctx));
  v1.route('/', keyRoutes(ctx));
  v1.route('/admin', adminRoutes(ctx));
  return v1;
}
