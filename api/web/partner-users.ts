// The partner's users and their roles on the web (docs/web.md, Partner pages): a manager adds a
// user (who is emailed a link to choose a password when email is configured), changes a role,
// removes a user (after a confirmation step) and sends a password link. The same domain services
// and permission as `/v1/users` (`users:manage`); the domain checks the acting user's role again and
// keeps the partner's last manager.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { addPartnerUser, listPartnerUsers, PARTNER_USER_ROLES, removePartnerUser, setPartnerUserRole } from '#src/domain/partner-users/partner-users.ts';
import type { PartnerUserRole } from '#src/domain/partner-users/partner-users.tables.ts';
import { sendPasswordLink } from '#src/domain/web-access/password-resets.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { assertPermission, partnerOf, requireKind, webUserActor } from './guards.ts';
import { csrfField, pageRenderer, showTime, table } from './html.ts';

const ROLE_LABELS: Record<PartnerUserRole, string> = {
  manager: 'Manager (everything, users included)',
  developer: 'Developer (keys, orders, webhooks, logs)',
  finance: 'Finance (wallet, transactions, orders)',
};

/** The `<option>`s of a role select, `selected` chosen. */
const roleOptions = (selected: PartnerUserRole = 'developer') =>
  PARTNER_USER_ROLES.map((role) => html`<option value="${role}" ${role === selected ? 'selected' : ''}>${ROLE_LABELS[role]}</option>`);

/** The "Add a user" form of a partner's users (the partner's manager, an admin on the account page). */
export const addUserForm = (action: string, csrfToken: string) =>
  html`<form method="post" action="${action}" class="card">
    ${csrfField(csrfToken)}
    <h2>Add a user</h2>
    <label for="user-name">Name</label><input id="user-name" name="name" required maxlength="200" /> <label for="user-email">Email</label
    ><input id="user-email" name="email" type="email" required maxlength="254" /> <label for="user-role">Role</label
    ><select id="user-role" name="role">
      ${roleOptions()}
    </select>
    <button type="submit">Add</button>
  </form>`;

// Name and email are checked by the domain (addPartnerUser), which says what is wrong.
const NewUserForm = z.object({ name: z.string().max(300).default(''), email: z.string().max(320).default(''), role: z.enum(PARTNER_USER_ROLES) });
const RoleForm = z.object({ role: z.enum(PARTNER_USER_ROLES) });

const NOTICES: Record<string, string> = {
  added: 'Added. They are emailed a link to choose their password (valid 24 hours).',
  added_no_email: 'Added. Email is not set up here: ask an admin of Steller to set their password.',
  role: 'Role changed; their keys have the new role as scope now.',
  removed: 'Removed; their keys are revoked.',
  link: 'A link to choose a password is on its way to them.',
};

export function partnerUserRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  const secret = apiKeySecret(ctx.config);
  const render = pageRenderer(NOTICES);
  const emailConfigured = ctx.config.SMTP_URL !== undefined;
  // Links are built from our configured address, never from the request's Host.
  const publicBase = (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/$/, '');
  app.use('*', requireKind('partner'));

  /** The signed-in manager and the actor their changes are made (and audited) as. */
  const managerOf = (c: Context<WebEnv>) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'users:manage');
    return { identity, actor: webUserActor(identity) };
  };

  app.get('/users', async (c) => {
    const { identity, actor } = managerOf(c);
    const users = await listPartnerUsers(ctx.db, actor, identity.partnerId);
    const rows = users.map((user) => [
      html`${user.name}${user.id === identity.userId ? ' (you)' : ''}`,
      html`${user.email}`,
      user.removedAt
        ? html`${user.role}`
        : html`<form method="post" action="/app/partner/users/${user.id}/role" class="inline">
            ${csrfField(c.var.csrfToken)}<select name="role" aria-label="Role of ${user.email}">
              ${roleOptions(user.role)}
            </select>
            <button type="submit" class="secondary" aria-label="Save the role of ${user.email}">Save</button>
          </form>`,
      user.removedAt ? html`removed ${showTime(user.removedAt)}` : html`added ${showTime(user.createdAt)}`,
      user.removedAt
        ? ''
        : html`${
              emailConfigured
                ? html`<form method="post" action="/app/partner/users/${user.id}/password-link" class="inline">
                    ${csrfField(c.var.csrfToken)}<button type="submit" class="secondary" aria-label="Email ${user.email} a password link">Password link</button>
                  </form>`
                : ''
            } <a href="/app/partner/users/${user.id}/remove" aria-label="Remove ${user.email}">Remove</a>`,
    ]);
    return render(
      c,
      'Users',
      html`${table('Your users', ['Name', 'Email', 'Role', 'State', ''], rows, 'No users yet.')} ${addUserForm('/app/partner/users', c.var.csrfToken)}
        <p class="hint">
          ${
            emailConfigured
              ? 'A new user is emailed a link to choose their password.'
              : 'Email is not set up here: an admin of Steller sets a new user’s password.'
          }
          Each user's keys have their role as scope; the last manager cannot be removed or given another role.
        </p>`,
    );
  });

  app.post('/users', async (c) => {
    const { identity, actor } = managerOf(c);
    const parsed = NewUserForm.safeParse(await formOf(c));
    if (!parsed.success) throw new DomainError('invalid_role', `enter a name, an email and a role (${PARTNER_USER_ROLES.join(', ')})`);
    const user = await addPartnerUser(ctx.db, actor, identity.partnerId, parsed.data);
    if (!emailConfigured) return c.redirect('/app/partner/users?notice=added_no_email', 303);
    await sendPasswordLink(ctx, secret, actor, { partnerId: identity.partnerId, userId: user.id, baseUrl: publicBase });
    return c.redirect('/app/partner/users?notice=added', 303);
  });

  app.post('/users/:id/role', async (c) => {
    const { identity, actor } = managerOf(c);
    const parsed = RoleForm.safeParse(await formOf(c));
    if (!parsed.success) throw new DomainError('invalid_role', `role must be one of ${PARTNER_USER_ROLES.join(', ')}`);
    await setPartnerUserRole(ctx.db, actor, identity.partnerId, c.req.param('id'), parsed.data.role);
    return c.redirect('/app/partner/users?notice=role', 303);
  });

  app.post('/users/:id/password-link', async (c) => {
    const { identity, actor } = managerOf(c);
    if (!emailConfigured) throw new DomainError('forbidden', 'email is not set up here: an admin of Steller sets passwords');
    await sendPasswordLink(ctx, secret, actor, { partnerId: identity.partnerId, userId: c.req.param('id'), baseUrl: publicBase });
    return c.redirect('/app/partner/users?notice=link', 303);
  });

  // Removing asks first: it revokes the user's keys at once.
  app.get('/users/:id/remove', async (c) => {
    const { identity, actor } = managerOf(c);
    const user = (await listPartnerUsers(ctx.db, actor, identity.partnerId)).find((candidate) => candidate.id === c.req.param('id'));
    if (!user) throw new DomainError('partner_user_not_found', 'no such user of yours');
    if (user.removedAt) return c.redirect('/app/partner/users', 303);
    return render(
      c,
      'Remove a user',
      html`<form method="post" action="/app/partner/users/${user.id}/remove" class="card narrow">
        ${csrfField(c.var.csrfToken)}
        <p>Remove ${user.name} (${user.email}, ${user.role})? They can no longer sign in, and every key of theirs stops working now.</p>
        <button type="submit">Remove ${user.email}</button>
        <a href="/app/partner/users">Keep them</a>
      </form>`,
    );
  });
  app.post('/users/:id/remove', async (c) => {
    const { identity, actor } = managerOf(c);
    await removePartnerUser(ctx.db, actor, identity.partnerId, c.req.param('id'));
    return c.redirect('/app/partner/users?notice=removed', 303);
  });

  return app;
}
