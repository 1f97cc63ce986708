// The web app's sign-in (docs/web.md, Sign-in) over HTTP without a browser: sessions in
// PostgreSQL, cookie flags, CSRF on every form, partner passwords (argon2id) set by an admin,
// the login rate limit, TOTP, and the bot's one-time links for admins and agents.
import { TOTP, Secret } from 'otpauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { createAccount, setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';
import { addPartnerUser, removePartnerUser } from '../../src/domain/partner-users/partner-users.ts';
import { issueWebLoginLink } from '../../src/domain/web-access/login-links.ts';
import { cardKeyring } from '../../src/domain/orders/card-crypto.ts';
import { checkPartnerUserPassword, enableTotp, newTotpSecret, setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { startWebSession } from '../../src/domain/web-access/sessions.ts';
import { webAccessCleanupQueue } from '../../src/jobs/handlers/web-access.ts';
import { boundQueue } from '../../src/jobs/queues.ts';
import { createApiHarness } from '../support/api.ts';
import { createWebClient } from '../support/web.ts';

const PASSWORD = 'correct horse battery';

describe('web sign-in', () => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  let partner: Awaited<ReturnType<Awaited<ReturnType<typeof createApiHarness>>['makePartner']>>;
  let userId: string;
  const email = 'dev@partner.example';

  beforeAll(async () => {
    harness = await createApiHarness();
    partner = await harness.makePartner('Acme <script>alert(1)</script>');
    const user = await addPartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, { name: 'Dev <b>One</b>', email, role: 'developer' });
    userId = user.id;
    await setPartnerUserPassword(harness.ctx.db, accountActor(harness.admin.id, 'web'), partner.account.id, userId, PASSWORD);
  });

  it('signs a partner user in with email and password into a session cookie; forms without the CSRF token are refused', async () => {
    const web = createWebClient(harness.api);
    const start = await web.get('/app');
    expect(start.response.status).toBe(303);
    expect(start.response.headers.get('location')).toBe('/app/login');
    // Typed with a trailing slash, the address still leads in.
    const slashed = await web.get('/app/');
    expect(slashed.response.headers.get('location')).toBe('/app');

    const login = await web.get('/app/login');
    expect(login.response.status).toBe(200);
    expect(login.response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(login.text).toContain('<script src="/app/assets/htmx.min.js"');
    expect(login.text).not.toMatch(/<script(?![^>]*src="\/app\/assets\/)/);

    expect((await web.post('/app/login', { email, password: PASSWORD }, { csrf: null })).response.status).toBe(403);
    expect((await web.post('/app/login', { email, password: PASSWORD }, { csrf: 'forged-token-forged-token-forged' })).response.status).toBe(403);
    expect((await web.post('/app/login', { email, password: PASSWORD }, { origin: 'https://evil.example' })).response.status).toBe(403);

    const wrong = await web.post('/app/login', { email, password: 'not the password' });
    expect(wrong.response.status).toBe(401);
    expect(wrong.text).toContain('the email or password is not right');
    expect(web.cookies.has('steller_session')).toBe(false);

    const signedIn = await web.post('/app/login', { email: 'DEV@partner.example', password: PASSWORD });
    expect(signedIn.response.status).toBe(303);
    expect(signedIn.response.headers.get('location')).toBe('/app/partner');
    const cookie = web.setCookieHeaders().find((line) => line.startsWith('steller_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/app/);
    expect(cookie).not.toMatch(/Secure/); // NODE_ENV=test; production sets Secure
    const token = web.cookies.get('steller_session')!;
    const stored = await harness.ctx.db.selectFrom('web_sessions').select(['token_hash', 'partner_user_id']).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ partner_user_id: userId });
    expect(stored[0]!.token_hash).not.toContain(token);

    const overview = await web.get('/app/partner');
    expect(overview.response.status).toBe(200);
    expect(overview.text).toContain('dev@partner.example');
    expect(overview.text).not.toContain('<b>One</b>');

    // A developer has no wallet permission (the API's scope matrix): no balance card.
    expect(overview.text).not.toContain('<h2>Balance</h2>');
    const transactions = await web.get('/app/partner/transactions');
    expect(transactions.response.status).toBe(403);
    expect(transactions.text).toContain('lacks the permission transactions:read');

    // A partner user is not an admin.
    expect((await web.get('/app/admin/topups')).response.status).toBe(403);

    expect((await web.post('/app/partner/keys', { mode: 'test' }, { csrf: null })).response.status).toBe(403);
    const created = await web.post('/app/partner/keys', { mode: 'test' });
    expect(created.response.status).toBe(200);
    expect(created.text).toMatch(/sk_test_[A-Za-z0-9_-]{32}/);
    const keys = await harness.ctx.db.selectFrom('api_keys').select(['scope', 'partner_user_id', 'mode']).where('partner_user_id', '=', userId).execute();
    expect(keys).toEqual([{ scope: 'developer', partner_user_id: userId, mode: 'test' }]);

    // Rotate it: a new key now, the old one keeps working for the grace period.
    const [created1] = await harness.ctx.db.selectFrom('api_keys').select('id').where('partner_user_id', '=', userId).execute();
    const rotated = await web.post(`/app/partner/keys/${created1!.id}/rotate`, {});
    expect(rotated.text).toMatch(/sk_test_[A-Za-z0-9_-]{32}/);
    const old = await harness.ctx.db.selectFrom('api_keys').select(['expires_at', 'replaced_by']).where('id', '=', created1!.id).executeTakeFirstOrThrow();
    expect(old.replaced_by).not.toBeNull();
    expect(old.expires_at!.getTime()).toBeGreaterThan(Date.now() + (harness.ctx.config.API_KEY_ROTATION_GRACE_SECONDS - 60) * 1000);
    // Another partner's key cannot be rotated from here.
    expect((await web.post(`/app/partner/keys/${crypto.randomUUID()}/rotate`, {})).response.status).toBe(404);

    const audit = await harness.ctx.db.selectFrom('audit_log').select(['action', 'channel']).where('channel', '=', 'web').orderBy('id').execute();
    expect(audit.map((row) => row.action)).toEqual(['partner_user.password_set', 'web.signed_in', 'api_key.created', 'api_key.rotated']);

    const out = await web.post('/app/logout', {});
    expect(out.response.status).toBe(303);
    expect(await harness.ctx.db.selectFrom('web_sessions').select('id').where('partner_user_id', '=', userId).execute()).toEqual([]);
    web.cookies.set('steller_session', token); // a copied cookie after sign-out
    expect((await web.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
  });

  it('a password reset by an admin ends the user’s sessions; short passwords and non-admins are refused', async () => {
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email, password: PASSWORD })).response.status).toBe(303);
    await expect(setPartnerUserPassword(harness.ctx.db, accountActor(harness.admin.id, 'web'), partner.account.id, userId, 'short')).rejects.toMatchObject({
      code: 'password_too_weak',
    });
    await expect(
      setPartnerUserPassword(harness.ctx.db, accountActor(partner.account.id, 'web'), partner.account.id, userId, 'a long enough password'),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await setPartnerUserPassword(harness.ctx.db, accountActor(harness.admin.id, 'web'), partner.account.id, userId, PASSWORD);
    expect((await web.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
  });

  it('a removed user or a paused partner loses the web at once', async () => {
    const gone = await addPartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, {
      name: 'Gone',
      email: 'gone@partner.example',
      role: 'developer',
    });
    await setPartnerUserPassword(harness.ctx.db, platformActor('cli'), partner.account.id, gone.id, PASSWORD);
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email: 'gone@partner.example', password: PASSWORD })).response.status).toBe(303);
    expect((await web.get('/app/partner')).response.status).toBe(200);
    await removePartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, gone.id);
    expect((await web.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
    await web.get('/app/login');
    expect((await web.post('/app/login', { email: 'gone@partner.example', password: PASSWORD })).response.status).toBe(401);

    const dev = createWebClient(harness.api);
    await dev.get('/app/login');
    expect((await dev.post('/app/login', { email, password: PASSWORD })).response.status).toBe(303);
    await setAccountStatus(harness.ctx.db, platformActor('cli'), partner.account.id, 'paused');
    try {
      expect((await dev.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
      await dev.get('/app/login');
      const refused = await dev.post('/app/login', { email, password: PASSWORD });
      expect(refused.response.status).toBe(401);
      expect(refused.text).toContain('paused');
    } finally {
      await setAccountStatus(harness.ctx.db, platformActor('cli'), partner.account.id, 'active');
    }
  });

  it('the hourly clean-up removes ended sessions and expired links, and keeps the others', async () => {
    const { db } = harness.ctx;
    const secret = apiKeySecret(harness.ctx.config);
    const hour = 3600_000;
    const old = await startWebSession(db, secret, { accountId: harness.admin.id, partnerUserId: null }, new Date(Date.now() - 9 * hour));
    const live = await startWebSession(db, secret, { accountId: harness.admin.id, partnerUserId: null });
    await issueWebLoginLink(db, secret, accountActor(harness.admin.id, 'telegram'), { now: new Date(Date.now() - hour) });
    const fresh = await issueWebLoginLink(db, secret, accountActor(harness.admin.id, 'telegram'));
    await db
      .insertInto('web_password_resets')
      .values({ token_hash: 'expired-reset', partner_user_id: userId, created_at: new Date(Date.now() - hour), expires_at: new Date(Date.now() - hour / 2) })
      .execute();
    const sessions = () => db.selectFrom('web_sessions').select('csrf_token').where('account_id', '=', harness.admin.id).execute();
    expect((await sessions()).map((row) => row.csrf_token)).toEqual(expect.arrayContaining([old.csrfToken, live.csrfToken]));
    const jobInfo = { id: 'cleanup-1', retryCount: 0, signal: new AbortController().signal };
    expect(boundQueue(webAccessCleanupQueue)).toBe(webAccessCleanupQueue); // in the list every worker runs
    expect(await webAccessCleanupQueue.handle(harness.ctx, {}, jobInfo)).toMatchObject({ removed: expect.any(Number) });
    const left = (await sessions()).map((row) => row.csrf_token);
    expect(left).toContain(live.csrfToken);
    expect(left).not.toContain(old.csrfToken);
    const links = await db.selectFrom('web_login_links').select('expires_at').where('account_id', '=', harness.admin.id).execute();
    expect(links.every((link) => link.expires_at > new Date())).toBe(true);
    expect(links.some((link) => link.expires_at.getTime() === fresh.expiresAt.getTime())).toBe(true);
    expect(await db.selectFrom('web_password_resets').select('id').where('token_hash', '=', 'expired-reset').execute()).toEqual([]);
  });

  it('without email configured, a forgotten password is for an admin: no form, no link', async () => {
    expect(harness.ctx.config.SMTP_URL).toBeUndefined();
    const web = createWebClient(harness.api);
    expect((await web.get('/app/login')).text).toContain('href="/app/login/forgot"');
    const forgot = await web.get('/app/login/forgot');
    expect(forgot.response.status).toBe(200);
    expect(forgot.text).toContain('Ask an admin');
    expect(forgot.text).not.toContain('action="/app/login/forgot"');
    await web.get('/app/login');
    expect((await web.post('/app/login/forgot', { email })).response.status).toBe(404);
    expect(await harness.ctx.db.selectFrom('web_password_resets').select('id').execute()).toEqual([]);
  });

  it('limits sign-in attempts per email', async () => {
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    const target = 'nobody@partner.example';
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await web.post('/app/login', { email: target, password: 'guess guess guess' })).response.status).toBe(401);
    const refused = await web.post('/app/login', { email: target, password: 'guess guess guess' });
    expect(refused.response.status).toBe(429);
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('asks for the TOTP code once a user turned it on', async () => {
    const other = await addPartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, {
      name: 'Fin',
      email: 'fin@partner.example',
      role: 'finance',
    });
    await setPartnerUserPassword(harness.ctx.db, accountActor(harness.admin.id, 'web'), partner.account.id, other.id, PASSWORD);
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email: 'fin@partner.example', password: PASSWORD })).response.status).toBe(303);
    const security = await web.get('/app/partner/security');
    const secret = /<code>([A-Z2-7]{16,64})<\/code>/.exec(security.text)?.[1];
    expect(secret).toBeDefined();
    const code = new TOTP({ secret: Secret.fromBase32(secret!) }).generate();
    expect((await web.post('/app/partner/security/totp', { secret: secret!, code: '000000' === code ? '111111' : '000000' })).response.status).toBe(401);
    expect((await web.post('/app/partner/security/totp', { secret: secret!, code })).response.status).toBe(303);
    const stored = await harness.ctx.db.selectFrom('partner_users').select(['totp_secret']).where('id', '=', other.id).executeTakeFirstOrThrow();
    expect(stored.totp_secret).not.toContain(secret!);

    const again = createWebClient(harness.api);
    await again.get('/app/login');
    const missing = await again.post('/app/login', { email: 'fin@partner.example', password: PASSWORD });
    expect(missing.response.status).toBe(401);
    expect(missing.text).toContain('one-time code');
    const totp = new TOTP({ secret: Secret.fromBase32(secret!) });
    // The code that turned TOTP on was used: it cannot sign in too.
    const enablingCode = await again.post('/app/login', { email: 'fin@partner.example', password: PASSWORD, totp: code });
    expect(enablingCode.response.status).toBe(401);
    expect(enablingCode.text).toContain('one-time code');
    // The next period's code (accepted for clocks that drift) is a later step: it signs in, once.
    const nextCode = totp.generate({ timestamp: Date.now() + 30_000 });
    const withCode = await again.post('/app/login', { email: 'fin@partner.example', password: PASSWORD, totp: nextCode });
    expect(withCode.response.status).toBe(303);
    const replay = createWebClient(harness.api);
    await replay.get('/app/login');
    expect((await replay.post('/app/login', { email: 'fin@partner.example', password: PASSWORD, totp: nextCode })).response.status).toBe(401);
    // An earlier step (the last period's code) is refused as well once a later one was accepted.
    const previous = totp.generate({ timestamp: Date.now() - 30_000 });
    expect((await replay.post('/app/login', { email: 'fin@partner.example', password: PASSWORD, totp: previous })).response.status).toBe(401);
    // Finance sees the balance and transactions (its scope), not the keys it cannot create.
    const overview = await again.get('/app/partner');
    expect(overview.text).toContain('<h2>Balance</h2>');
    expect((await again.get('/app/partner/transactions')).response.status).toBe(200);
  });

  it('two sign-ins racing with one fresh TOTP code: exactly one passes', async () => {
    const racer = await addPartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, {
      name: 'Racer',
      email: 'racer@partner.example',
      role: 'developer',
    });
    await setPartnerUserPassword(harness.ctx.db, platformActor('cli'), partner.account.id, racer.id, PASSWORD);
    const keyring = cardKeyring(harness.ctx.config);
    const { secret } = newTotpSecret('racer');
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await enableTotp(harness.ctx.db, keyring, accountActor(partner.account.id, 'web'), racer.id, secret, totp.generate({ timestamp: Date.now() - 30_000 }));
    const code = totp.generate({ timestamp: Date.now() + 30_000 });
    const input = { email: 'racer@partner.example', password: PASSWORD, totpCode: code };
    const outcomes = await Promise.allSettled([
      checkPartnerUserPassword(harness.ctx.db, keyring, input),
      checkPartnerUserPassword(harness.ctx.db, keyring, input),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: { code: 'totp_invalid' } });
    await expect(checkPartnerUserPassword(harness.ctx.db, keyring, input)).rejects.toMatchObject({ code: 'totp_invalid' });
  });

  it('signs an admin in once with a bot link within 5 minutes; agents too, partners never', async () => {
    const secret = apiKeySecret(harness.ctx.config);
    const { token } = await issueWebLoginLink(harness.ctx.db, secret, accountActor(harness.admin.id, 'telegram'));
    const web = createWebClient(harness.api);
    // Opening the link (or a link preview fetching it) does not use it up.
    for (let look = 0; look < 2; look += 1) expect((await web.get(`/app/login/link?token=${token}`)).response.status).toBe(200);
    const used = await web.post('/app/login/link', { token });
    expect(used.response.status).toBe(303);
    expect((await web.get('/app')).response.headers.get('location')).toBe('/app/admin');
    expect((await web.get('/app/admin')).response.status).toBe(200);
    expect((await web.get('/app/partner')).response.status).toBe(403);

    const second = createWebClient(harness.api);
    await second.get(`/app/login/link?token=${token}`);
    const reused = await second.post('/app/login/link', { token });
    expect(reused.response.status).toBe(401);
    expect(reused.text).toContain('was used, has expired or is not valid');

    const old = await issueWebLoginLink(harness.ctx.db, secret, accountActor(harness.admin.id, 'telegram'), {
      now: new Date(Date.now() - 5 * 60_000 - 1000),
    });
    await second.get(`/app/login/link?token=${old.token}`);
    expect((await second.post('/app/login/link', { token: old.token })).response.status).toBe(401);

    const agent = await createAccount(harness.ctx.db, platformActor('cli'), { role: 'agent', name: 'Agent', currency: 'USD' });
    const agentLink = await issueWebLoginLink(harness.ctx.db, secret, accountActor(agent.id, 'telegram'));
    const agentWeb = createWebClient(harness.api);
    await agentWeb.get(`/app/login/link?token=${agentLink.token}`);
    expect((await agentWeb.post('/app/login/link', { token: agentLink.token })).response.status).toBe(303);
    expect((await agentWeb.get('/app/agent')).response.status).toBe(200);
    expect((await agentWeb.get('/app/admin')).response.status).toBe(403);

    await expect(issueWebLoginLink(harness.ctx.db, secret, accountActor(partner.account.id, 'telegram'))).rejects.toMatchObject({ code: 'forbidden' });
    // An operator (CLI: `steller web link`) issues one for an admin or agent, never for itself or a partner.
    const issued = await issueWebLoginLink(harness.ctx.db, secret, platformActor('cli'), { accountId: agent.id });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(issueWebLoginLink(harness.ctx.db, secret, platformActor('cli'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(issueWebLoginLink(harness.ctx.db, secret, platformActor('cli'), { accountId: partner.account.id })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(issueWebLoginLink(harness.ctx.db, secret, accountActor(agent.id, 'telegram'), { accountId: harness.admin.id })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
