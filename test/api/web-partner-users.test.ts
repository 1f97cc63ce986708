// A partner's users and roles managed by the partner itself (docs/web.md, Partner pages; docs/api.md,
// Partner users and key scopes): a manager on the web adds a user (invited by email to choose a
// password, through a real SMTP server), changes roles (the user's keys follow at once, also through
// the key cache), removes users after a confirmation; developers and finance cannot, on the web, with
// their keys or by calling the domain; the last manager stays. Every change audited with who did it.
import { describe, expect, it } from 'vitest';
import { accountActor, platformActor, type Actor } from '../../src/domain/actor.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';
import { emailSendQueue } from '../../src/domain/email/queues.ts';
import { addPartnerUser, issuePartnerUserKey, removePartnerUser, setPartnerUserRole } from '../../src/domain/partner-users/partner-users.ts';
import type { PartnerUserRole } from '../../src/domain/partner-users/partner-users.tables.ts';
import { setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { runDueJobs } from '../support/orders.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { createWebClient } from '../support/web.ts';

const PASSWORD = 'correct horse battery';
const PUBLIC_URL = 'https://app.steller.test';
const smtp = await startSmtpServer();
const harness = await createApiHarness({ env: { SMTP_URL: smtp.url, PUBLIC_URL } });
const { ctx, call } = harness;
const secret = apiKeySecret(ctx.config);

let people = 0;
/** A user of the partner (added by an operator) with a web password. */
async function person(partnerId: string, role: PartnerUserRole) {
  people += 1;
  const email = `person${people}@users.example`;
  const user = await addPartnerUser(ctx.db, platformActor('cli'), partnerId, { name: `Person ${people}`, email, role });
  await setPartnerUserPassword(ctx.db, platformActor('cli'), partnerId, user.id, PASSWORD);
  return { ...user, actor: { ...accountActor(partnerId, 'web'), partnerUserId: user.id } satisfies Actor };
}

async function signIn(email: string) {
  const web = createWebClient(harness.api);
  await web.get('/app/login');
  expect((await web.post('/app/login', { email, password: PASSWORD })).response.status).toBe(303);
  return web;
}

const roleOf = async (userId: string) =>
  (await ctx.db.selectFrom('partner_users').select(['role', 'removed_at']).where('id', '=', userId).executeTakeFirstOrThrow()).role;

describe('partner users on the web', () => {
  it('a manager adds a user who is invited by email, changes their role (their keys follow), and removes them after a confirmation', async () => {
    const partner = await harness.makePartner('Acme');
    const manager = await person(partner.account.id, 'manager');
    const web = await signIn(manager.email);
    const page = await web.get('/app/partner/users');
    expect(page.response.status).toBe(200);
    expect(page.text).toContain(`${manager.name} (you)`);

    const before = smtp.received.length;
    const added = await web.post('/app/partner/users', { name: 'Dana', email: 'Dana@Users.example', role: 'developer' });
    expect(added.response.status).toBe(303);
    expect(added.response.headers.get('location')).toBe('/app/partner/users?notice=added');
    const dana = await ctx.db.selectFrom('partner_users').selectAll().where('email', '=', 'dana@users.example').executeTakeFirstOrThrow();
    expect(dana.role).toBe('developer');
    const results = await runDueJobs(harness, ctx, emailSendQueue);
    expect(results).toHaveLength(1);
    const [invite] = (await smtp.waitFor(before + 1)).slice(before);
    expect(invite!.to).toEqual(['dana@users.example']);
    expect(invite!.subject).toBe('You are invited to Acme on Steller');
    const token = new RegExp(`${PUBLIC_URL}/app/login/reset\\?token=([A-Za-z0-9_-]{43})`).exec(invite!.text)![1]!;
    const invited = createWebClient(harness.api);
    expect((await invited.get(`/app/login/reset?token=${token}`)).response.status).toBe(200);
    expect((await invited.post('/app/login/reset', { token, password: PASSWORD, confirm: PASSWORD })).response.status).toBe(200);
    expect((await invited.post('/app/login', { email: 'dana@users.example', password: PASSWORD })).response.status).toBe(303);
    const link = await ctx.db.selectFrom('web_password_resets').select(['expires_at']).where('partner_user_id', '=', dana.id).executeTakeFirstOrThrow();
    expect(link.expires_at.getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);

    // Dana's key has her role as scope; made finance, the same key has finance's rights at once.
    const key = await issuePartnerUserKey(ctx.db, secret, platformActor('cli'), partner.account.id, dana.id, { mode: 'live' });
    expect((await call(key.key, 'GET', '/v1/webhook-events')).status).toBe(200);
    await web.get('/app/partner/users');
    expect((await web.post(`/app/partner/users/${dana.id}/role`, { role: 'finance' })).response.status).toBe(303);
    expect(await roleOf(dana.id)).toBe('finance');
    await expectProblem(await call(key.key, 'GET', '/v1/webhook-events'), 403, 'insufficient_scope');
    expect((await call(key.key, 'GET', '/v1/wallet')).status).toBe(200);
    expect((await ctx.db.selectFrom('api_keys').select('scope').where('id', '=', key.id).executeTakeFirstOrThrow()).scope).toBe('finance');

    const confirm = await web.get(`/app/partner/users/${dana.id}/remove`);
    expect(confirm.text).toContain('every key of theirs stops working now');
    expect((await web.post(`/app/partner/users/${dana.id}/remove`, {})).response.status).toBe(303);
    await expectProblem(await call(key.key, 'GET', '/v1/wallet'), 401, 'unauthorized');
    expect((await invited.get('/app/partner')).response.headers.get('location')).toBe('/app/login');

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_account_id', 'channel', 'after'])
      .where('subject_id', '=', dana.id)
      .where('channel', '=', 'web')
      .orderBy('id')
      .execute();
    expect(audit.map((row) => row.action)).toEqual([
      'partner_user.added',
      'partner_user.password_link_sent',
      'partner_user.password_reset',
      'web.signed_in',
      'partner_user.role_changed',
      'partner_user.removed',
    ]);
    for (const row of audit.filter((entry) => entry.action.startsWith('partner_user.') && entry.action !== 'partner_user.password_reset')) {
      expect(row).toMatchObject({ actor_account_id: partner.account.id, after: expect.objectContaining({ byUserId: manager.id }) });
    }
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('developers and finance users cannot manage users: not on the web, not with their keys, not through the domain', async () => {
    const partner = await harness.makePartner();
    await person(partner.account.id, 'manager');
    const developer = await person(partner.account.id, 'developer');
    const finance = await person(partner.account.id, 'finance');
    const web = await signIn(developer.email);
    expect((await web.get('/app/partner/users')).response.status).toBe(403);
    await web.get('/app/partner');
    expect((await web.post('/app/partner/users', { name: 'Eve', email: 'eve@users.example', role: 'manager' })).response.status).toBe(403);
    // Nobody raises themselves: the developer cannot make themselves a manager.
    expect((await web.post(`/app/partner/users/${developer.id}/role`, { role: 'manager' })).response.status).toBe(403);
    expect(await roleOf(developer.id)).toBe('developer');

    // The domain checks the acting user's role itself, whatever the page did.
    for (const actor of [developer.actor, finance.actor]) {
      await expect(addPartnerUser(ctx.db, actor, partner.account.id, { name: 'Eve', email: 'eve@users.example', role: 'manager' })).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(setPartnerUserRole(ctx.db, actor, partner.account.id, actor.partnerUserId, 'manager')).rejects.toMatchObject({ code: 'forbidden' });
      await expect(removePartnerUser(ctx.db, actor, partner.account.id, finance.id)).rejects.toMatchObject({ code: 'forbidden' });
    }
    // A web actor without a user (the partner as a whole) is refused too.
    await expect(setPartnerUserRole(ctx.db, accountActor(partner.account.id, 'web'), partner.account.id, developer.id, 'manager')).rejects.toMatchObject({
      code: 'forbidden',
    });
    // A developer still makes their own keys (on the web and in the domain), not someone else's.
    await web.get('/app/partner/keys');
    expect((await web.post('/app/partner/keys', { mode: 'test' })).text).toMatch(/sk_test_/);
    await expect(issuePartnerUserKey(ctx.db, secret, developer.actor, partner.account.id, finance.id, { mode: 'test' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('keeps the last manager: they cannot remove or demote themselves (web, owner key); a second manager makes it possible; racing demotions leave one', async () => {
    const partner = await harness.makePartner();
    const first = await person(partner.account.id, 'manager');
    const web = await signIn(first.email);
    await web.get('/app/partner/users');
    const demote = await web.post(`/app/partner/users/${first.id}/role`, { role: 'developer' });
    expect(demote.response.status).toBe(409);
    expect(demote.text).toContain('last manager');
    expect((await web.post(`/app/partner/users/${first.id}/remove`, {})).response.status).toBe(409);
    await expectProblem(await call(partner.liveKey, 'PATCH', `/v1/users/${first.id}`, { role: 'finance' }), 409, 'last_user_manager');
    await expectProblem(await call(partner.liveKey, 'DELETE', `/v1/users/${first.id}`), 409, 'last_user_manager');
    expect(await roleOf(first.id)).toBe('manager');

    const second = await person(partner.account.id, 'manager');
    const outcomes = await Promise.allSettled([
      setPartnerUserRole(ctx.db, first.actor, partner.account.id, second.id, 'developer'),
      setPartnerUserRole(ctx.db, second.actor, partner.account.id, first.id, 'developer'),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(refused).toBeDefined();
    const managers = await ctx.db
      .selectFrom('partner_users')
      .select('id')
      .where('account_id', '=', partner.account.id)
      .where('role', '=', 'manager')
      .where('removed_at', 'is', null)
      .execute();
    expect(managers).toHaveLength(1);

    // An admin may take the last manager away (they are the way back in).
    const last = managers[0]!.id;
    const admin = await call(harness.adminKey, 'PATCH', `/v1/admin/accounts/${partner.account.id}/users/${last}`, { role: 'finance' });
    expect(admin.status).toBe(200);
    expect(await roleOf(last)).toBe('finance');
  });

  it("a manager's key manages users through /v1 as the web does; a developer's key cannot", async () => {
    const partner = await harness.makePartner();
    const manager = await person(partner.account.id, 'manager');
    const developer = await person(partner.account.id, 'developer');
    const managerKey = await issuePartnerUserKey(ctx.db, secret, platformActor('cli'), partner.account.id, manager.id, { mode: 'live' });
    const developerKey = await issuePartnerUserKey(ctx.db, secret, platformActor('cli'), partner.account.id, developer.id, { mode: 'live' });
    expect(managerKey.scope).toBe('manager');
    const list = await call(managerKey.key, 'GET', '/v1/users');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(2);
    const changed = await call(managerKey.key, 'PATCH', `/v1/users/${developer.id}`, { role: 'finance' });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ id: developer.id, role: 'finance' });
    const body = await expectProblem(await call(developerKey.key, 'PATCH', `/v1/users/${manager.id}`, { role: 'finance' }), 403, 'insufficient_scope');
    expect(body.permission).toBe('users:manage');
    await expectProblem(await call(managerKey.key, 'PATCH', `/v1/users/${manager.id}`, { role: 'finance' }), 409, 'last_user_manager');
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['channel', 'after'])
      .where('action', '=', 'partner_user.role_changed')
      .where('subject_id', '=', developer.id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ channel: 'api', after: expect.objectContaining({ byUserId: manager.id, role: 'finance' }) });
  });
});
