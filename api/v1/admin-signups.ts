// Admin endpoints for partner self-service signups: the list (by status, with the onboarding stage)
// and the decision, approve or reject with a reason (which revokes the partner's keys). Audited in
// the domain (src/domain/signups/signups.ts).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { approveSignup, listSignups, rejectSignup, type PartnerSignup } from '#src/domain/signups/signups.ts';
import { ONBOARDING_STAGES, SIGNUP_STATUSES } from '#src/domain/signups/signups.tables.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, PageQuerySchema, SECURITY } from '../schemas.ts';
import { adminActor, json } from './admin-helpers.ts';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

const PartnerSignupSchema = z
  .object({
    accountId: z.string().uuid(),
    companyName: z.string(),
    email: z.string(),
    useCase: z.string(),
    status: z.enum(SIGNUP_STATUSES),
    stage: z.enum(ONBOARDING_STAGES),
    signedUpAt: z.string().datetime(),
    firstTestOrderAt: z.string().datetime().nullable(),
    approvedAt: z.string().datetime().nullable(),
    firstLiveOrderAt: z.string().datetime().nullable(),
    activeAt: z.string().datetime().nullable(),
    decidedAt: z.string().datetime().nullable(),
    decidedBy: z.string().uuid().nullable(),
    rejectReason: z.string().nullable(),
  })
  .openapi('PartnerSignup');

const presentSignup = (signup: PartnerSignup) => ({
  accountId: signup.accountId,
  companyName: signup.companyName,
  email: signup.email,
  useCase: signup.useCase,
  status: signup.status,
  stage: signup.stage,
  signedUpAt: signup.signedUpAt.toISOString(),
  firstTestOrderAt: iso(signup.firstTestOrderAt),
  approvedAt: iso(signup.approvedAt),
  firstLiveOrderAt: iso(signup.firstLiveOrderAt),
  activeAt: iso(signup.activeAt),
  decidedAt: iso(signup.decidedAt),
  decidedBy: signup.decidedBy,
  rejectReason: signup.rejectReason,
});

const Params = z.object({
  accountId: z
    .string()
    .uuid()
    .openapi({ param: { name: 'accountId', in: 'path' } }),
});
const decisionErrors = errorResponses({
  404: 'No signup for this account (`signup_not_found`)',
  409: 'Already approved or rejected (`signup_already_decided`)',
});

export function adminSignupRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/signups',
      tags,
      summary: 'Partner signups, oldest first, with their onboarding stage',
      security: SECURITY,
      request: { query: PageQuerySchema.extend({ status: z.enum(SIGNUP_STATUSES).optional() }) },
      responses: { 200: json(z.object({ data: z.array(PartnerSignupSchema), nextCursor: z.string().nullable() }), 'A page of signups'), ...errorResponses() },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await listSignups(ctx.db, adminActor(c), query);
      return c.json({ data: page.items.map(presentSignup), nextCursor: page.nextCursor }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/signups/{accountId}/approve',
      tags,
      summary: 'Approve a pending signup: the partner may create its live key and receive real funds',
      security: SECURITY,
      request: { params: Params },
      responses: { 200: json(PartnerSignupSchema, 'The approved signup'), ...decisionErrors },
    }),
    async (c) => {
      const { accountId } = c.req.valid('param');
      const signup = await approveSignup(ctx, adminActor(c), accountId);
      return c.json(presentSignup(signup), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/signups/{accountId}/reject',
      tags,
      summary: 'Reject a pending signup with a reason; every key of the partner is revoked',
      security: SECURITY,
      request: {
        params: Params,
        body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string().trim().min(1).max(500) }) } } },
      },
      responses: { 200: json(z.object({ signup: PartnerSignupSchema, revokedKeys: z.number().int() }), 'The rejected signup'), ...decisionErrors },
    }),
    async (c) => {
      const { accountId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const result = await rejectSignup(ctx, adminActor(c), accountId, reason);
      return c.json({ signup: presentSignup(result.signup), revokedKeys: result.revokedKeys }, 200);
    },
  );
  return router;
}
