// Who may see a page: the signed-in person's kind and, for partner users, the permission their role
// has in the API's scope matrix (api/v1/middleware/scopes.ts): the web grants nothing the API would not.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { accountActor, type Actor } from '#src/domain/actor.ts';
import type { WebIdentity } from '#src/domain/web-access/sessions.ts';
import { DomainError } from '#src/shared/errors.ts';
import { SCOPE_PERMISSIONS, type Permission } from '../middleware/scopes.ts';
import type { WebEnv } from './env.ts';

type PartnerIdentity = Extract<WebIdentity, { kind: 'partner_user' }>;
type AccountIdentity = Extract<WebIdentity, { kind: 'account' }>;

/** Pages of one kind of person; anyone else is sent to sign in (GET) or refused. */
export function requireKind(kind: 'partner' | 'admin' | 'agent') {
  return createMiddleware<WebEnv>(async (c, next) => {
    const identity = c.var.identity;
    const allowed = identity !== undefined && (kind === 'partner' ? identity.kind === 'partner_user' : identity.kind === 'account' && identity.role === kind);
    if (!allowed) {
      if (identity === undefined && c.req.method === 'GET') return c.redirect('/app/login', 303);
      throw new DomainError('forbidden', 'this page is not for your account');
    }
    await next();
  });
}

export function partnerOf(c: Context<WebEnv>): PartnerIdentity {
  const identity = c.var.identity;
  if (identity?.kind !== 'partner_user') throw new DomainError('forbidden', 'this page is for partner users');
  return identity;
}

export function accountOf(c: Context<WebEnv>): AccountIdentity {
  const identity = c.var.identity;
  if (identity?.kind !== 'account') throw new DomainError('forbidden', 'this page is for admins and agents');
  return identity;
}

/** Refuses (403 insufficient_scope) when the partner user's role lacks the permission. */
export function assertPermission(identity: PartnerIdentity, permission: Permission): void {
  if (!SCOPE_PERMISSIONS[identity.role].has(permission)) {
    throw new DomainError('insufficient_scope', `your role (${identity.role}) lacks the permission ${permission}`, { permission, scope: identity.role });
  }
}

export const mayDo = (identity: PartnerIdentity, permission: Permission) => SCOPE_PERMISSIONS[identity.role].has(permission);

/** The actor of a web action on an account (the audit log says channel `web`). */
export const webActor = (accountId: string): Actor => accountActor(accountId, 'web');

/** A partner's user acting for their partner on the web: services that check the user's role see who it is. */
export const webUserActor = (identity: PartnerIdentity): Actor => ({ ...webActor(identity.partnerId), partnerUserId: identity.userId });
