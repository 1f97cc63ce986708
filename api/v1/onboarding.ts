// The partner's own view of its self-service onboarding (GET /v1/onboarding) and its way to go live
// without an operator: POST /v1/keys/live issues the first `sk_live_` key once an admin approved it.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { onboardingOf } from '#src/domain/signups/onboarding.ts';
import { issueFirstLiveKey } from '#src/domain/signups/signups.ts';
import { ONBOARDING_STAGES, SIGNUP_STATUSES } from '#src/domain/signups/signups.tables.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';
import { IssuedApiKeySchema, presentIssuedKey } from './keys.ts';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

const OnboardingSchema = z
  .object({
    accountId: z.string().uuid(),
    status: z.enum(SIGNUP_STATUSES).openapi({ description: "The admin's decision on the signup." }),
    stage: z.enum(ONBOARDING_STAGES),
    stages: z.array(z.object({ stage: z.enum(ONBOARDING_STAGES), reachedAt: z.string().datetime().nullable() })).openapi({
      description: 'Every stage in order with the time it was reached; null: not yet (or skipped, e.g. approved before a test order).',
    }),
    nextStep: z.string(),
  })
  .openapi('Onboarding');

export function onboardingRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    defineRoute({
      permission: 'onboarding:read',
      method: 'get',
      path: '/onboarding',
      tags: ['Signup'],
      summary: 'Your onboarding stage, when each stage was reached, and the next step',
      description: 'For partners that signed up themselves (POST /v1/signup); works with the live or the test key.',
      security: SECURITY,
      responses: {
        200: { description: 'The onboarding', content: { 'application/json': { schema: OnboardingSchema } } },
        ...errorResponses({ 404: 'The partner was set up by an operator: no onboarding (`onboarding_not_found`)' }),
      },
    }),
    async (c) => {
      const view = await onboardingOf(ctx.db, partnerPrincipal(c));
      return c.json(
        {
          accountId: view.signup.accountId,
          status: view.signup.status,
          stage: view.signup.stage,
          stages: view.stages.map((entry) => ({ stage: entry.stage, reachedAt: iso(entry.reachedAt) })),
          nextStep: view.nextStep,
        },
        200,
      );
    },
  );

  router.openapi(
    defineRoute({
      permission: 'keys:create_live',
      method: 'post',
      path: '/keys/live',
      tags: ['Keys'],
      summary: 'Create your first live key (after approval)',
      description:
        'With any key of the partner (test or live). Only once an admin approved the signup, and only while the partner has no working live key: ' +
        'further live keys come from rotating the live key (POST /v1/keys/rotate).',
      security: SECURITY,
      responses: {
        201: { description: 'The live key (shown once)', content: { 'application/json': { schema: IssuedApiKeySchema } } },
        ...errorResponses({
          403: 'The signup is not approved (`partner_not_approved`), a paused account or a non-partner key',
          409: 'The partner already has a live key (`live_key_exists`)',
        }),
      },
    }),
    async (c) => {
      const issued = await issueFirstLiveKey(ctx, apiKeySecret(ctx.config), partnerPrincipal(c));
      return c.json(presentIssuedKey(issued), 201);
    },
  );
  return router;
}
