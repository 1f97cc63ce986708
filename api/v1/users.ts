// Partner users (issue 8): `/v1/users…` for the partner's owner key and its managers' keys (the
// scope map in middleware/scopes.ts gives `users:manage` to `owner` and `manager` only; the domain
// checks a manager's role again and keeps the partner's last manager) and
// `/v1/admin/accounts/{id}/users…` for admins. A user key is shown once; with an owner key its mode follows the calling key's mode.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import { accountActor, type Actor } from '#src/domain/actor.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import {
  addPartnerUser,
  issuePartnerUserKey,
  listPartnerUsers,
  PARTNER_USER_ROLES,
  removePartnerUser,
  setPartnerUserRole,
  type PartnerUser,
} from '#src/domain/partner-users/partner-users.ts';
import type { ApiEnv } from '../env.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';
import { adminActor, body, json } from './admin-helpers.ts';
import { IssuedApiKeySchema, presentIssuedKey } from './keys.ts';

export const PartnerUserSchema = z
  .object({
    id: z.string().uuid(),
    accountId: z.string().uuid().openapi({ description: 'The partner account (never its sandbox).' }),
    name: z.string(),
    email: z.string(),
    role: z.enum(PARTNER_USER_ROLES),
    createdAt: z.string().datetime(),
    removedAt: z.string().datetime().nullable().openapi({ description: "Set once removed; a removed user's keys are revoked." }),
  })
  .openapi('PartnerUser');

const presentUser = (user: PartnerUser) => ({
  id: user.id,
  accountId: user.accountId,
  name: user.name,
  email: user.email,
  role: user.role,
  createdAt: user.createdAt.toISOString(),
  removedAt: user.removedAt === null ? null : user.removedAt.toISOString(),
});

const NewUserSchema = z.object({
  name: z.string().trim().min(1).max(200).openapi({ example: 'Dana' }),
  email: z.string().trim().max(254).pipe(z.email()).openapi({ example: 'dana@example.com' }),
  role: z.enum(PARTNER_USER_ROLES),
});
const IpAllowlist = z.array(z.string().max(50)).max(50).optional().openapi({ description: 'IPv4/IPv6 addresses or CIDR blocks; omit for anywhere.' });

const uuidParam = (name: string) =>
  z
    .string()
    .uuid()
    .openapi({ param: { name, in: 'path' } });
const UserList = z.object({ data: z.array(PartnerUserSchema) });
const USER_ERRORS = { 404: 'No such user of this partner (`partner_user_not_found`)' };
const KEY_ERRORS = {
  ...USER_ERRORS,
  409: 'The user was removed (`partner_user_removed`)',
  422: 'A bad allowlist (`invalid_ip_allowlist`), or the account is not a partner (`partner_users_not_allowed`)',
};

/** The partner the key belongs to (the real partner, also for a test key) acting through the API; with a manager's key, that user. */
const ownerActor = (c: Context<ApiEnv>): Actor => {
  const principal = partnerPrincipal(c);
  const actor = accountActor(principal.ownerId, 'api');
  return principal.userId === null ? actor : { ...actor, partnerUserId: principal.userId };
};

const RoleSchema = z.object({ role: z.enum(PARTNER_USER_ROLES) });
const ROLE_ERRORS = {
  ...USER_ERRORS,
  409: 'The user was removed (`partner_user_removed`), or is the last manager (`last_user_manager`: make someone else a manager first)',
};

/** `/v1/users…`: the partner manages its own users with an owner key. */
export function partnerUserRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Users'];

  router.openapi(
    defineRoute({
      permission: 'users:manage',
      method: 'get',
      path: '/users',
      tags,
      summary: "The partner's users (current first, then removed)",
      security: SECURITY,
      responses: { 200: json(UserList, 'Users'), ...errorResponses() },
    }),
    async (c) => {
      const actor = ownerActor(c);
      return c.json({ data: (await listPartnerUsers(ctx.db, actor, actor.accountId!)).map(presentUser) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'users:manage',
      method: 'post',
      path: '/users',
      tags,
      summary: 'Add a user (manager, developer or finance)',
      security: SECURITY,
      request: body(NewUserSchema),
      responses: { 201: json(PartnerUserSchema, 'The new user'), ...errorResponses({ 409: 'A current user has this email (`partner_user_exists`)' }) },
    }),
    async (c) => {
      const actor = ownerActor(c);
      return c.json(presentUser(await addPartnerUser(ctx.db, actor, actor.accountId!, c.req.valid('json'))), 201);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'users:manage',
      method: 'delete',
      path: '/users/{id}',
      tags,
      summary: 'Remove a user; their keys are revoked at once',
      security: SECURITY,
      request: { params: z.object({ id: uuidParam('id') }) },
      responses: {
        200: json(PartnerUserSchema, 'The removed user'),
        ...errorResponses({ ...USER_ERRORS, 409: 'The last manager (`last_user_manager`: make someone else a manager first)' }),
      },
    }),
    async (c) => {
      const actor = ownerActor(c);
      return c.json(presentUser(await removePartnerUser(ctx.db, actor, actor.accountId!, c.req.valid('param').id)), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'users:manage',
      method: 'patch',
      path: '/users/{id}',
      tags,
      summary: "Change a user's role; their keys take it as their scope at once",
      security: SECURITY,
      request: { params: z.object({ id: uuidParam('id') }), ...body(RoleSchema) },
      responses: { 200: json(PartnerUserSchema, 'The user'), ...errorResponses(ROLE_ERRORS) },
    }),
    async (c) => {
      const actor = ownerActor(c);
      return c.json(presentUser(await setPartnerUserRole(ctx.db, actor, actor.accountId!, c.req.valid('param').id, c.req.valid('json').role)), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'users:manage',
      method: 'post',
      path: '/users/{id}/keys',
      tags,
      summary: 'Issue a key for a user (shown once)',
      description: "The key's scope is the user's role; its mode is the calling key's mode (a live key makes a live key, a test key a sandbox key).",
      security: SECURITY,
      request: {
        params: z.object({ id: uuidParam('id') }),
        body: { required: false, content: { 'application/json': { schema: z.object({ ipAllowlist: IpAllowlist }) } } },
      },
      responses: { 201: json(IssuedApiKeySchema, 'The new key'), ...errorResponses(KEY_ERRORS) },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      // The body is optional: without a JSON content type there is nothing to read.
      const { ipAllowlist } = c.req.header('content-type')?.includes('application/json') ? c.req.valid('json') : { ipAllowlist: undefined };
      const issued = await issuePartnerUserKey(ctx.db, apiKeySecret(ctx.config), ownerActor(c), principal.ownerId, c.req.valid('param').id, {
        mode: principal.mode,
        ipAllowlist: ipAllowlist ?? null,
      });
      return c.json(presentIssuedKey(issued), 201);
    },
  );
  return router;
}

/** `/v1/admin/accounts/{id}/users…`: admins manage any partner's users (mounted under /admin). */
export function adminPartnerUserRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];
  const AccountParams = z.object({ id: uuidParam('id') });
  const UserParams = z.object({ id: uuidParam('id'), userId: uuidParam('userId') });
  const ACCOUNT_ERRORS = {
    404: 'No such account (`account_not_found`) or user (`partner_user_not_found`)',
    422: 'Not a partner account (`partner_users_not_allowed`)',
  };

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/accounts/{id}/users',
      tags,
      summary: "A partner's users",
      security: SECURITY,
      request: { params: AccountParams },
      responses: { 200: json(UserList, 'Users'), ...errorResponses(ACCOUNT_ERRORS) },
    }),
    async (c) => c.json({ data: (await listPartnerUsers(ctx.db, adminActor(c), c.req.valid('param').id)).map(presentUser) }, 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/accounts/{id}/users',
      tags,
      summary: 'Add a user to a partner',
      security: SECURITY,
      request: { params: AccountParams, ...body(NewUserSchema) },
      responses: {
        201: json(PartnerUserSchema, 'The new user'),
        ...errorResponses({ ...ACCOUNT_ERRORS, 409: 'A current user has this email (`partner_user_exists`)' }),
      },
    }),
    async (c) => c.json(presentUser(await addPartnerUser(ctx.db, adminActor(c), c.req.valid('param').id, c.req.valid('json'))), 201),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'delete',
      path: '/accounts/{id}/users/{userId}',
      tags,
      summary: "Remove a partner's user; their keys are revoked at once",
      security: SECURITY,
      request: { params: UserParams },
      responses: { 200: json(PartnerUserSchema, 'The removed user'), ...errorResponses(ACCOUNT_ERRORS) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      return c.json(presentUser(await removePartnerUser(ctx.db, adminActor(c), id, userId)), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'patch',
      path: '/accounts/{id}/users/{userId}',
      tags,
      summary: "Change a partner's user's role (their keys follow)",
      security: SECURITY,
      request: { params: UserParams, ...body(RoleSchema) },
      responses: { 200: json(PartnerUserSchema, 'The user'), ...errorResponses({ ...ACCOUNT_ERRORS, 409: 'The user was removed (`partner_user_removed`)' }) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      return c.json(presentUser(await setPartnerUserRole(ctx.db, adminActor(c), id, userId, c.req.valid('json').role)), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/accounts/{id}/users/{userId}/keys',
      tags,
      summary: "Issue a key for a partner's user (shown once)",
      description: "The key's scope is the user's role; `test` keys act on the partner's sandbox account.",
      security: SECURITY,
      request: { params: UserParams, ...body(z.object({ mode: z.enum(['live', 'test']), ipAllowlist: IpAllowlist })) },
      responses: { 201: json(IssuedApiKeySchema, 'The new key'), ...errorResponses({ ...ACCOUNT_ERRORS, ...KEY_ERRORS, 404: ACCOUNT_ERRORS[404] }) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const { mode, ipAllowlist } = c.req.valid('json');
      const issued = await issuePartnerUserKey(ctx.db, apiKeySecret(ctx.config), adminActor(c), id, userId, { mode, ipAllowlist: ipAllowlist ?? null });
      return c.json(presentIssuedKey(issued), 201);
    },
  );
  return router;
}
