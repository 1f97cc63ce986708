// The partner API under /v1: every route but POST /v1/signup needs an API key and is rate limited per key and route
// class (shared through Redis). Admin routes (/v1/admin) need an admin key. Routes stay thin: they
// validate, call a domain service with the key's account (`partnerPrincipal(c).accountId`), and
// present the result.
import type { AppContext } from '#src/context.ts';
import { authenticate, requireAdminKey } from '../middleware/auth.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { recordRequestLogs } from '../request-log.ts';
import { requireScope } from '../middleware/scopes.ts';
import type { RequestCounter } from '../request-counter.ts';
import { createRouter } from '../router.ts';
import { adminAccountRoutes } from './admin-accounts.ts';
import { adminLimitRoutes } from './admin-limits.ts';
import { adminOrderRoutes } from './admin-orders.ts';
import { adminInviteRoutes } from './admin-invites.ts';
import { adminApiKeyRoutes } from './admin-api-keys.ts';
import { adminAuditLogRoutes } from './admin-audit-log.ts';
import { adminMetricsRoutes } from './admin-metrics.ts';
import { adminPricingRoutes } from './admin-pricing.ts';
import { adminSignupRoutes } from './admin-signups.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import { adminOpsRoutes } from './admin-ops.ts';
import { agentRoutes } from './agents.ts';
import { adminVendorRoutes } from './admin-vendor.ts';
import { catalogRoutes } from './catalog.ts';
import { keyRoutes } from './keys.ts';
import { onboardingRoutes } from './onboarding.ts';
import { orderRoutes } from './orders.ts';
import { requestLogRoutes } from './request-logs.ts';
import { signupRoutes } from './signup.ts';
import { usageRoutes } from './usage.ts';
import { adminPartnerUserRoutes, partnerUserRoutes } from './users.ts';
import { walletRoutes } from './wallet.ts';
import { webhookRoutes } from './webhooks.ts';

export function createV1Api(ctx: AppContext, options: { queues: readonly QueueContract[]; requestCounts: RequestCounter }) {
  const v1 = createRouter();
  // Two route classes with their own per-key budget: reads, and writes (which cost more).
  const perKey = (name: string, points: number) =>
    rateLimit({ limiter: ctx.state.createRateLimiter({ name, points, durationMs: 60_000 }), points, windowSeconds: 60, key: (c) => c.var.principal.keyId });
  const reads = perKey('api:read', ctx.config.API_RATE_LIMIT_PER_MINUTE);
  const writes = perKey('api:write', ctx.config.API_WRITE_RATE_LIMIT_PER_MINUTE);
  const requests = options.requestCounts;
  // Before authentication: it times the whole request and records it only if the key was accepted.
  v1.use('*', recordRequestLogs(ctx.requestLogs));
  // Public: self-service signup answers before authentication (its own per-address rate limit).
  v1.route('/', signupRoutes(ctx));
  v1.use('*', authenticate(ctx));
  v1.use('*', async (c, next) => {
    requests.count(c.var.principal.accountId);
    await next();
  });
  v1.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? reads(c, next) : writes(c, next)));
  // Each route declares what it needs (defineRoute, middleware/scopes.ts): a key reaches only what
  // its scope allows, and a route that declares nothing is refused.
  v1.use('*', requireScope);
  v1.use('/admin/*', requireAdminKey);
  v1.route('/', walletRoutes(ctx));
  v1.route('/', catalogRoutes(ctx));
  v1.route('/', orderRoutes(ctx));
  v1.route('/', usageRoutes(ctx, requests));
  v1.route('/', webhookRoutes(ctx));
  v1.route('/', keyRoutes(ctx));
  v1.route('/', requestLogRoutes(ctx));
  v1.route('/admin', adminAccountRoutes(ctx));
  v1.route('/admin', adminLimitRoutes(ctx));
  v1.route('/admin', adminOrderRoutes(ctx));
  v1.route('/admin', adminInviteRoutes(ctx));
  v1.route('/admin', adminAuditLogRoutes(ctx));
  v1.route('/admin', adminApiKeyRoutes(ctx));
  v1.route('/admin', adminMetricsRoutes(ctx));
  v1.route('/admin', adminPricingRoutes(ctx));
  v1.route('/', onboardingRoutes(ctx));
  v1.route('/admin', adminSignupRoutes(ctx));
  v1.route('/', partnerUserRoutes(ctx));
  v1.route('/', agentRoutes(ctx));
  v1.route('/admin', adminPartnerUserRoutes(ctx));
  v1.route('/admin', adminOpsRoutes(ctx, options.queues));
  v1.route('/admin', adminVendorRoutes(ctx));
  return v1;
}
