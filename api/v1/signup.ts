// POST /v1/signup: partner self-service signup. Public (no key; mounted before authentication in
// index.ts) and rate limited per client address. Answers 201 with the partner's first `sk_test_`
// key (shown once) acting on a sandbox wallet already funded; live keys wait for an admin's approval.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { signUpPartner } from '#src/domain/signups/signups.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { DomainError } from '#src/shared/errors.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { rateLimit, spend } from '../middleware/rate-limit.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { MoneySchema, ProblemSchema } from '../schemas.ts';
import { IssuedApiKeySchema, presentIssuedKey } from './keys.ts';

export const SignupRequestSchema = z
  .object({
    companyName: z.string().trim().min(1).max(200).openapi({ example: 'Acme Gifts Ltd' }),
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email())
      .transform((email) => email.toLowerCase())
      .openapi({ example: 'dev@acme.example' }),
    useCase: z
      .string()
      .trim()
      .min(10, 'tell us in a sentence (at least 10 characters) what you will sell')
      .max(2000)
      .openapi({ example: 'Gift cards as loyalty rewards in our shopping app' }),
  })
  .openapi('SignupRequest');

const SignupSchema = z
  .object({
    accountId: z.string().uuid(),
    sandboxAccountId: z.string().uuid(),
    status: z.literal('pending').openapi({ description: "Live keys and real funds need an admin's approval." }),
    stage: z.literal('signed_up'),
    apiKey: IssuedApiKeySchema,
    sandboxBalance: MoneySchema,
    nextStep: z.string(),
  })
  .openapi('Signup');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

export function signupRoutes(ctx: AppContext) {
  const router = createRouter();
  const points = ctx.config.SIGNUP_RATE_LIMIT_PER_HOUR;
  // Every attempt counts against a higher ceiling; only valid input spends the signup allowance
  // (in the handler, after validation), so a typo does not cost one of the few signups an hour.
  const attempts = ctx.config.SIGNUP_ATTEMPTS_PER_HOUR;
  router.use(
    '/signup',
    rateLimit({
      limiter: ctx.state.createRateLimiter({ name: 'api:signup-attempts', points: attempts, durationMs: 3_600_000 }),
      points: attempts,
      windowSeconds: 3600,
    }),
  );
  const signups = { limiter: ctx.state.createRateLimiter({ name: 'api:signup', points, durationMs: 3_600_000 }), points, windowSeconds: 3600 };

  router.openapi(
    defineRoute({
      permission: 'public',
      method: 'post',
      path: '/signup',
      tags: ['Signup'],
      summary: 'Sign up as a partner (no key needed)',
      description:
        'Creates a partner account pending approval, a sandbox wallet credited with test funds and a first `sk_test_` key, shown once. ' +
        `Rate limited per client address (${points} signups an hour; attempts with invalid input do not count, up to ${attempts} an hour). After an admin approves the account, create a live key with POST /v1/keys/live.`,
      // Explicitly public: no key.
      security: [],
      request: { body: { required: true, content: { 'application/json': { schema: SignupRequestSchema } } } },
      responses: {
        201: { description: 'The new partner and its test key (shown once)', content: { 'application/json': { schema: SignupSchema } } },
        400: problem('Invalid input (`validation_failed`, every failing field listed)'),
        409: problem('A partner with this email already signed up (`email_taken`)'),
        429: problem('Too many signups from this address (`rate_limited`); see Retry-After'),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { allowed, resetSeconds } = await spend(c, signups);
      if (!allowed) throw new DomainError('rate_limited', `Too many signups from this address; retry after ${resetSeconds} s.`);
      const result = await signUpPartner(
        ctx,
        { ...input, clientAddress: c.var.clientAddress },
        { currency: ctx.config.SETTLEMENT_CURRENCY, sandboxFunds: ctx.config.SIGNUP_SANDBOX_FUNDS, apiKeySecret: apiKeySecret(ctx.config) },
      );
      return c.json(
        {
          accountId: result.account.id,
          sandboxAccountId: result.sandboxAccountId,
          status: 'pending' as const,
          stage: 'signed_up' as const,
          apiKey: presentIssuedKey(result.apiKey),
          sandboxBalance: toJsonMoney(result.sandboxFunds),
          nextStep:
            'Place a test order with your sk_test_ key (POST /v1/orders); an admin reviews your signup for live access. ' +
            'The web dashboard is at /app: your email is its first user; choose a password with "Forgot your password?".',
        },
        201,
      );
    },
  );
  return router;
}
