// Telegram invites over REST (admin key): every invite with its state, and revoking an unused one
// (audited; its deep link stops working). Tokens are never shown again: only their hash is stored.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { findInvite, INVITE_STATES, inviteState, listInvites, revokeInvite, type Invite } from '#src/domain/accounts/invites.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';
import { adminActor, IdParams, json } from './admin-helpers.ts';

const InviteSchema = z
  .object({
    id: z.string().uuid(),
    state: z.enum(INVITE_STATES),
    role: z.enum(['agent', 'sub_agent']),
    parentId: z.string().uuid().nullable(),
    createdBy: z.string().uuid().nullable(),
    name: z.string().nullable(),
    currency: z.string(),
    expiresAt: z.string().datetime(),
    revokedAt: z.string().datetime().nullable(),
    redeemedAt: z.string().datetime().nullable(),
    redeemedAccountId: z.string().uuid().nullable(),
    createdAt: z.string().datetime(),
  })
  .openapi('Invite');

const presentInvite = (invite: Invite & { createdAt: Date }) => ({
  id: invite.id,
  state: inviteState(invite),
  role: invite.role,
  parentId: invite.parentId,
  createdBy: invite.createdBy,
  name: invite.name,
  currency: invite.currency,
  expiresAt: invite.expiresAt.toISOString(),
  revokedAt: invite.revokedAt?.toISOString() ?? null,
  redeemedAt: invite.redeemedAt?.toISOString() ?? null,
  redeemedAccountId: invite.redeemedAccountId,
  createdAt: invite.createdAt.toISOString(),
});

export function adminInviteRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/invites',
      tags,
      summary: 'Invites with their state, newest first',
      security: SECURITY,
      request: {
        query: z.object({
          state: z.enum(INVITE_STATES).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: { 200: json(z.object({ data: z.array(InviteSchema), total: z.number().int() }), 'A page of invites'), ...errorResponses() },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { invites, total } = await listInvites(ctx.db, adminActor(c), query);
      return c.json({ data: invites.map(presentInvite), total }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/invites/{id}/revoke',
      tags,
      summary: 'Revoke an unused invite (audited); revoking it again changes nothing',
      security: SECURITY,
      request: { params: IdParams },
      responses: {
        200: json(InviteSchema, 'The invite, revoked'),
        ...errorResponses({ 404: 'No such invite (`invite_not_found`)', 422: 'Already used (`invite_used`)' }),
      },
    }),
    async (c) => {
      const actor = adminActor(c);
      await revokeInvite(ctx.db, actor, c.req.valid('param').id);
      return c.json(presentInvite(await findInvite(ctx.db, actor, c.req.valid('param').id)), 200);
    },
  );

  return router;
}
