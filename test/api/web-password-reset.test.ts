// The emailed password reset of the web app (docs/web.md, Sign-in) over HTTP, against a real SMTP
// server started here (`smtp-server`): the same answer for a known and an unknown address, the
// `email.send` job run as the worker runs it, the link from the received message setting a new
// password once (every session of the user ends, audited without the password), and expired,
// used or made-up links refused. TOTP, when on, is still asked after a reset.
import { TOTP, Secret } from 'otpauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';
import { emailSendQueue } from '../../src/domain/email/queues.ts';
import { cardKeyring } from '../../src/domain/orders/card-crypto.ts';
import { addPartnerUser } from '../../src/domain/partner-users/partner-users.ts';
import { signUpPartner } from '../../src/domain/signups/signups.ts';
import { requestPasswordReset, resetPasswordWithLink } from '../../src/domain/web-access/password-resets.ts';
import { enableTotp, newTotpSecret, setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { createApiHarness } from '../support/api.ts';
import { runDueJobs } from '../support/orders.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { createWebClient } from '../support/web.ts';

const OLD_PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const PUBLIC_URL = 'https://app.steller.test';

const smtp = await startSmtpServer();
const harness = await createApiHarness({ env: { SMTP_URL: smtp.url, PUBLIC_URL } });
const { ctx } = harness;
const secret = apiKeySecret(ctx.config);

/** Runs the email jobs as the worker would; the links in the messages received since `from`. */
async function sentLinks(from: number): Promise<{ to: string[]; token: string; text: string }[]> {
  const results = await runDueJobs(harness, ctx, emailSendQueue);
  for (const result of results) expect(result).not.toBeInstanceOf(Error);
  const received = (await smtp.waitFor(from + results.length)).slice(from);
  return received.map((email) => {
    const link = new RegExp(`${PUBLIC_URL}/app/login/reset\\?token=([A-Za-z0-9_-]{43})`).exec(email.text);
    expect(link).not.toBeNull();
    return { to: email.to, token: link![1]!, text: email.text };
  });
}

/** The page without what differs per request (the CSRF token). */
const comparable = (text: string) => text.replace(/name="_csrf" value="[^"]+"/g, '').replace(/<meta name="csrf-token"[^>]*>/g, '');

describe('password reset by an emailed link', () => {
  let partnerId: string;
  let userId: string;
  const email = 'reset@partner.example';

  beforeAll(async () => {
    const partner = await harness.makePartner('Acme');
    partnerId = partner.account.id;
    userId = (await addPartnerUser(ctx.db, platformActor('cli'), partnerId, { name: 'Rita', email, role: 'developer' })).id;
    await setPartnerUserPassword(ctx.db, platformActor('cli'), partnerId, userId, OLD_PASSWORD);
  });

  it('answers the same for a known and an unknown email; the known one gets a one-time link that sets a new password and ends the sessions', async () => {
    const signedIn = createWebClient(harness.api);
    await signedIn.get('/app/login');
    expect((await signedIn.post('/app/login', { email, password: OLD_PASSWORD })).response.status).toBe(303);
    expect((await signedIn.get('/app/partner')).response.status).toBe(200);

    const web = createWebClient(harness.api);
    const login = await web.get('/app/login');
    expect(login.text).toContain('href="/app/login/forgot"');
    const form = await web.get('/app/login/forgot');
    expect(form.text).toContain('action="/app/login/forgot"');
    const before = smtp.received.length;
    const known = await web.post('/app/login/forgot', { email: 'RESET@partner.example' });
    const unknown = await web.post('/app/login/forgot', { email: 'nobody@partner.example' });
    expect(known.response.status).toBe(200);
    expect(unknown.response.status).toBe(200);
    expect(comparable(known.text)).toBe(comparable(unknown.text));
    expect(known.text).toContain('If this email belongs to a partner user');

    const [sent, ...others] = await sentLinks(before);
    expect(others).toEqual([]);
    expect(sent!.to).toEqual([email]);
    expect(sent!.text).toContain('Hello Rita,');
    expect(sent!.text).toContain('within 30 minutes');
    // Only the HMAC of the token is stored.
    const stored = await ctx.db.selectFrom('web_password_resets').select(['token_hash', 'expires_at']).where('partner_user_id', '=', userId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(sent!.token);
    expect(stored[0]!.expires_at.getTime() - Date.now()).toBeGreaterThan(29 * 60_000);

    // Opening the link (a mail scanner, say) uses nothing up; the form checks what it is sent.
    for (let look = 0; look < 2; look += 1) expect((await web.get(`/app/login/reset?token=${sent!.token}`)).response.status).toBe(200);
    expect((await web.post('/app/login/reset', { token: sent!.token, password: NEW_PASSWORD, confirm: 'something else entirely' })).response.status).toBe(422);
    const short = await web.post('/app/login/reset', { token: sent!.token, password: 'short', confirm: 'short' });
    expect(short.response.status).toBe(422);
    expect(short.text).toContain('12 to 200 characters');
    const done = await web.post('/app/login/reset', { token: sent!.token, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.response.status).toBe(200);
    expect(done.text).toContain('Your password is set');

    // The other sessions ended; the old password is gone, the new one signs in.
    expect((await signedIn.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
    expect((await web.post('/app/login', { email, password: OLD_PASSWORD })).response.status).toBe(401);
    expect((await web.post('/app/login', { email, password: NEW_PASSWORD })).response.status).toBe(303);

    // Used once: the same link is refused, on the page and when sent.
    const again = createWebClient(harness.api);
    const reopened = await again.get(`/app/login/reset?token=${sent!.token}`);
    expect(reopened.response.status).toBe(401);
    expect(reopened.text).toContain('was used, has expired or is not valid');
    await again.get('/app/login'); // a form's CSRF token
    expect(
      (await again.post('/app/login/reset', { token: sent!.token, password: 'yet another passphrase', confirm: 'yet another passphrase' })).response.status,
    ).toBe(401);

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['actor_account_id', 'channel', 'before', 'after'])
      .where('action', '=', 'partner_user.password_reset')
      .where('subject_id', '=', userId)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_account_id: partnerId, channel: 'web' });
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
    expect(JSON.stringify(audit)).not.toContain(sent!.token);
  });

  it("a signed-up partner's email is its first user, a manager, who chooses a password through the same link", async () => {
    const signup = await signUpPartner(
      ctx.db,
      { companyName: 'Self Served', email: 'Founder@selfserved.example', useCase: 'gift cards for our customers' },
      { currency: 'USD', sandboxFunds: '100.00', apiKeySecret: secret },
    );
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    const from = smtp.received.length;
    expect((await web.post('/app/login/forgot', { email: 'founder@selfserved.example' })).response.status).toBe(200);
    const [sent, ...others] = await sentLinks(from);
    expect(others).toEqual([]);
    expect(sent!.to).toEqual(['founder@selfserved.example']);
    expect((await web.post('/app/login/reset', { token: sent!.token, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).response.status).toBe(200);
    expect((await web.post('/app/login', { email: 'founder@selfserved.example', password: NEW_PASSWORD })).response.status).toBe(303);
    const users = await web.get('/app/partner/users');
    expect(users.response.status).toBe(200);
    expect(users.text).toContain('founder@selfserved.example');
    const user = await ctx.db
      .selectFrom('partner_users')
      .select(['role', 'account_id'])
      .where('email', '=', 'founder@selfserved.example')
      .executeTakeFirstOrThrow();
    expect(user).toEqual({ role: 'manager', account_id: signup.account.id });
  });

  it('refuses an expired link, a made-up one, and links of a user removed since', async () => {
    const from = smtp.received.length;
    await requestPasswordReset(ctx, secret, { email, baseUrl: PUBLIC_URL }, new Date(Date.now() - 31 * 60_000));
    const [expired] = await sentLinks(from);
    const web = createWebClient(harness.api);
    expect((await web.get(`/app/login/reset?token=${expired!.token}`)).response.status).toBe(401);
    await expect(resetPasswordWithLink(ctx.db, secret, expired!.token, 'an expired attempt here')).rejects.toMatchObject({ code: 'password_reset_invalid' });
    await expect(resetPasswordWithLink(ctx.db, secret, 'A'.repeat(43), 'a made-up token attempt')).rejects.toMatchObject({ code: 'password_reset_invalid' });

    const leaving = await addPartnerUser(ctx.db, platformActor('cli'), partnerId, { name: 'Leaving', email: 'leaving@partner.example', role: 'finance' });
    await setPartnerUserPassword(ctx.db, platformActor('cli'), partnerId, leaving.id, OLD_PASSWORD);
    const mark = smtp.received.length;
    await requestPasswordReset(ctx, secret, { email: 'leaving@partner.example', baseUrl: PUBLIC_URL });
    const [link] = await sentLinks(mark);
    await ctx.db.updateTable('partner_users').set({ removed_at: new Date() }).where('id', '=', leaving.id).execute();
    await expect(resetPasswordWithLink(ctx.db, secret, link!.token, 'a passphrase too late')).rejects.toMatchObject({ code: 'password_reset_invalid' });
    // A removed user is sent nothing at all.
    const none = smtp.received.length;
    await requestPasswordReset(ctx, secret, { email: 'leaving@partner.example', baseUrl: PUBLIC_URL });
    expect(await runDueJobs(harness, ctx, emailSendQueue)).toEqual([]);
    expect(smtp.received.length).toBe(none);
  });

  it('two tabs sending one link at once: exactly one sets its password', async () => {
    const from = smtp.received.length;
    await requestPasswordReset(ctx, secret, { email, baseUrl: PUBLIC_URL });
    const [link] = await sentLinks(from);
    const outcomes = await Promise.allSettled([
      resetPasswordWithLink(ctx.db, secret, link!.token, 'first tab passphrase'),
      resetPasswordWithLink(ctx.db, secret, link!.token, 'second tab passphrase'),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: { code: 'password_reset_invalid' } });
  });

  it('still asks for the TOTP code after a reset', async () => {
    const keyring = cardKeyring(ctx.config);
    const { secret: totpSecret } = newTotpSecret('rita');
    const totp = new TOTP({ secret: Secret.fromBase32(totpSecret) });
    await enableTotp(ctx.db, keyring, accountActor(partnerId, 'web'), userId, totpSecret, totp.generate({ timestamp: Date.now() - 30_000 }));
    const from = smtp.received.length;
    await requestPasswordReset(ctx, secret, { email, baseUrl: PUBLIC_URL });
    const [link] = await sentLinks(from);
    await resetPasswordWithLink(ctx.db, secret, link!.token, NEW_PASSWORD);
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email, password: NEW_PASSWORD })).response.status).toBe(401);
    expect((await web.post('/app/login', { email, password: NEW_PASSWORD, totp: totp.generate() })).response.status).toBe(303);
  });

  it('limits reset requests per email (3 an hour), with the same answer for any address', async () => {
    const web = createWebClient(harness.api);
    await web.get('/app/login/forgot');
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await web.post('/app/login/forgot', { email: 'limited@partner.example' })).response.status).toBe(200);
    const refused = await web.post('/app/login/forgot', { email: 'limited@partner.example' });
    expect(refused.response.status).toBe(429);
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
