// Email to partners, end to end against a real SMTP server started here (the `smtp-server` package):
// the change through the API (answers checked against the OpenAPI document), its domain event
// delivered to the root's sinks, the `email.send` job run as the worker runs it, and the message as
// the SMTP server received it. Without SMTP_URL the message is logged, whole.
import { Writable } from 'node:stream';
import { http, HttpResponse } from 'msw';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { emailSendQueue } from '../../src/domain/email/queues.ts';
import { creditWallet, debitWallet } from '../../src/domain/funding/manual.ts';
import { deliverWebhookEvent, dispatchPendingWebhookEvents, enqueueWebhookEvent, WebhookDeliveryError } from '../../src/domain/webhooks/webhooks.ts';
import { sendWebhookDelivery } from '../../src/domain/webhooks/queues.ts';
import { domainEventSinks } from '../../src/main.ts';
import { createMailer } from '../../src/notifications/mailer.ts';
import { partnerEmailSink } from '../../src/notifications/partner-emails.ts';
import { sendReengagementNotices } from '../../src/notifications/reengagement.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { mswServer } from '../setup/msw.ts';
import { createApiHarness } from '../support/api.ts';
import { deliverRecordedEvents } from '../support/events.ts';
import { runDueJobs } from '../support/orders.ts';
import { signupClient, signupInput, type SignupBody } from '../support/signup.ts';
import { startSmtpServer, type ReceivedEmail } from '../support/smtp.ts';

const smtp = await startSmtpServer();
const harness = await createApiHarness({ env: { SMTP_URL: smtp.url, EMAIL_FROM: 'Steller <partners@steller.test>' }, ports: { eventSinks: domainEventSinks } });
const { ctx, call, adminKey } = harness;
const signup = await signupClient(harness);

/** Runs what a worker would: the recorded domain events through the sinks, then the email jobs; returns the emails received since `from`. */
async function sendEmails(from: number): Promise<ReceivedEmail[]> {
  await deliverRecordedEvents(harness, ctx);
  const results = await runDueJobs(harness, ctx, emailSendQueue);
  for (const result of results) expect(result).not.toBeInstanceOf(Error);
  return (await smtp.waitFor(from + results.length)).slice(from);
}

/** A self-signed-up partner, approved, with its live key; the emails of both steps are consumed. */
async function approvedPartner(email: string): Promise<{ accountId: string; sandboxId: string; liveKey: string; testKey: string }> {
  const response = await signup(signupInput({ email, companyName: 'Acme Rewards' }));
  const body = (await response.json()) as SignupBody;
  expect((await call(adminKey, 'POST', `/v1/admin/signups/${body.accountId}/approve`)).status).toBe(200);
  const live = (await (await call(body.apiKey.key, 'POST', '/v1/keys/live')).json()) as { key: string };
  await sendEmails(smtp.received.length);
  return { accountId: body.accountId, sandboxId: body.sandboxAccountId, liveKey: live.key, testKey: body.apiKey.key };
}

async function addUser(liveKey: string, role: 'developer' | 'finance', email: string): Promise<void> {
  expect((await call(liveKey, 'POST', '/v1/users', { name: role, email, role })).status).toBe(201);
}

let keys = 0;
const adjust = (direction: 'credit' | 'debit', accountId: string, amount: string) =>
  (direction === 'credit' ? creditWallet : debitWallet)(ctx.db, harness.adminActor, {
    accountId,
    amount: parseMoney(amount, 'USD'),
    reason: 'test',
    idempotencyKey: `email-${(keys += 1)}`,
  });

describe('partner emails over SMTP', () => {
  it('tells the partner of the signup decision and of its first live key, at its signup address', async () => {
    const before = smtp.received.length;
    const approved = (await (await signup(signupInput({ email: 'Owner@Approved.example', companyName: 'Acme Rewards' }))).json()) as SignupBody;
    const rejected = (await (
      await signup(signupInput({ email: 'owner@rejected.example', companyName: 'Shady\r\nBcc: victim@example.com' }))
    ).json()) as SignupBody;
    expect((await call(adminKey, 'POST', `/v1/admin/signups/${approved.accountId}/approve`)).status).toBe(200);
    expect((await call(adminKey, 'POST', `/v1/admin/signups/${rejected.accountId}/reject`, { reason: 'We could not verify the company' })).status).toBe(200);
    const decisions = await sendEmails(before);
    expect(decisions.map(({ from, to, subject }) => ({ from, to, subject }))).toEqual([
      { from: 'partners@steller.test', to: ['owner@approved.example'], subject: 'Your Steller partner account is approved' },
      { from: 'partners@steller.test', to: ['owner@rejected.example'], subject: 'Your Steller partner signup was not approved' },
    ]);
    expect(decisions[0]!.text).toContain('Hello Acme Rewards,');
    expect(decisions[0]!.text).toContain('POST /v1/keys/live');
    // A hostile company name stays one line of text: no header, no extra recipient.
    expect(decisions[1]!.text).toContain('Hello Shady Bcc: victim@example.com,');
    expect(decisions[1]!.text).toContain('We could not approve your signup: We could not verify the company');
    expect(decisions[1]!.raw).not.toMatch(/^Bcc:/im);

    const live = await call(approved.apiKey.key, 'POST', '/v1/keys/live');
    expect(live.status).toBe(201);
    const prefix = ((await live.json()) as { prefix: string }).prefix;
    const [liveEmail, ...more] = await sendEmails(before + 2);
    expect(more).toEqual([]);
    expect(liveEmail).toMatchObject({ to: ['owner@approved.example'], subject: 'Live access to Steller is on' });
    expect(liveEmail!.text).toContain(`Your first live API key (${prefix}…) was created with one of your keys`);

    // A second live key (an admin's) is not news.
    expect((await call(adminKey, 'POST', `/v1/admin/accounts/${approved.accountId}/api-keys`, { mode: 'live' })).status).toBe(201);
    expect(await sendEmails(before + 3)).toEqual([]);
  });

  it('a live wallet below its threshold emails the owner and finance, not developers; a sandbox wallet emails nobody', async () => {
    const partner = await approvedPartner('owner@lowbalance.example');
    await addUser(partner.liveKey, 'finance', 'money@lowbalance.example');
    await addUser(partner.liveKey, 'developer', 'dev@lowbalance.example');
    await adjust('credit', partner.accountId, '100.00');
    const threshold = { threshold: { amount: '50.00', currency: 'USD' } };
    expect((await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', threshold)).status).toBe(200);
    expect((await call(partner.testKey, 'PUT', '/v1/wallet/low-balance', threshold)).status).toBe(200);
    const before = smtp.received.length;
    await adjust('debit', partner.accountId, '60.00');
    await adjust('debit', partner.sandboxId, '230.00'); // the sandbox's test money (250.00 at signup) crosses too
    await dispatchPendingWebhookEvents(ctx, sendWebhookDelivery(ctx.jobs));
    const emails = await sendEmails(before);
    expect(emails.map((email) => email.to[0]).sort()).toEqual(['money@lowbalance.example', 'owner@lowbalance.example']);
    expect(emails[0]).toMatchObject({ subject: 'Your Steller wallet is below 50.00 USD' });
    expect(emails[0]!.text).toContain('Your wallet balance is 40.00 USD, below the threshold of 50.00 USD you set.');
    // The dispatcher records it once: a second run finds nothing new.
    expect(await dispatchPendingWebhookEvents(ctx, sendWebhookDelivery(ctx.jobs))).toBe(0);
    expect(await sendEmails(before + 2)).toEqual([]);
  });

  it('a webhook endpoint failing for an hour emails the owner and developers once per failing spell', async () => {
    const partner = await approvedPartner('owner@hooks.example');
    await addUser(partner.liveKey, 'developer', 'dev@hooks.example');
    const url = 'https://hooks.partner.example/steller';
    let status = 500;
    mswServer.use(http.post(url, () => new HttpResponse(null, { status })));
    expect((await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url })).status).toBe(200);
    const eventId = await enqueueWebhookEvent(ctx.db, partner.accountId, 'wallet.credited', { amount: { amount: '1.00', currency: 'USD' } });
    const attempt = (minutes: number) =>
      deliverWebhookEvent(ctx, eventId, { final: false, resolveHost: ctx.resolveHost, now: new Date(start + minutes * 60_000) });
    const start = Date.now();
    const before = smtp.received.length;

    await expect(attempt(0)).rejects.toBeInstanceOf(WebhookDeliveryError);
    await expect(attempt(30)).rejects.toBeInstanceOf(WebhookDeliveryError);
    expect(await sendEmails(before)).toEqual([]); // half an hour: not yet
    await expect(attempt(61)).rejects.toBeInstanceOf(WebhookDeliveryError);
    await expect(attempt(62)).rejects.toBeInstanceOf(WebhookDeliveryError);
    const emails = await sendEmails(before);
    expect(emails.map((email) => email.to[0]).sort()).toEqual(['dev@hooks.example', 'owner@hooks.example']);
    expect(emails[0]!.subject).toBe('Your Steller webhook endpoint has been failing for an hour');
    expect(emails[0]!.text).toContain(
      `Every delivery to your webhook endpoint ${url} has failed since ${new Date(start).toISOString()} (last error: the endpoint answered 500)`,
    );

    // A success ends the spell; the next spell is told again after its own hour.
    status = 200;
    await attempt(90);
    status = 503;
    const second = await enqueueWebhookEvent(ctx.db, partner.accountId, 'wallet.credited', { amount: { amount: '2.00', currency: 'USD' } });
    const again = (minutes: number) =>
      deliverWebhookEvent(ctx, second, { final: false, resolveHost: ctx.resolveHost, now: new Date(start + minutes * 60_000) });
    await expect(again(100)).rejects.toBeInstanceOf(WebhookDeliveryError);
    await expect(again(150)).rejects.toBeInstanceOf(WebhookDeliveryError);
    expect(await sendEmails(before + 2)).toEqual([]);
    await expect(again(161)).rejects.toBeInstanceOf(WebhookDeliveryError);
    expect(await sendEmails(before + 2)).toHaveLength(2);
  });

  it('re-engagement emails an inactive partner once per spell', async () => {
    await approvedPartner('owner@quiet.example');
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000); // every account of this file is inactive by then
    const before = smtp.received.length;
    await sendReengagementNotices(ctx, later);
    const emails = (await sendEmails(before)).filter((email) => email.to[0] === 'owner@quiet.example');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ subject: 'We miss you at Steller' });
    expect(emails[0]!.text).toContain('(30 days or more)');
    await sendReengagementNotices(ctx, later);
    expect((await sendEmails(smtp.received.length)).filter((email) => email.to[0] === 'owner@quiet.example')).toEqual([]);
  });

  it('without SMTP_URL a message is logged whole, never dropped silently; a partner without an address is logged', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const mailer = createMailer({ SMTP_URL: undefined, EMAIL_FROM: 'x <x@example.com>' }, logger);
    await mailer.send({ to: 'someone@example.com', subject: 'Hello', text: 'Body' });
    expect(lines).toMatchObject([
      { level: 40, msg: 'SMTP_URL is not set: email logged, not sent', email: { to: 'someone@example.com', subject: 'Hello', text: 'Body' } },
    ]);

    // An operator-made partner has no signup address and no users: the email has nowhere to go, and the log says so.
    const partner = await harness.makePartner('No Address Ltd');
    const balance = parseMoney('1.00', 'USD');
    await partnerEmailSink({ db: ctx.db, jobs: ctx.jobs, logger })({ type: 'wallet.low_balance', accountId: partner.account.id, balance, threshold: balance });
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'partner has no email address: email not sent',
      accountId: partner.account.id,
      template: 'partner.low_balance',
    });
  });

  it('refuses a message whose data does not fit its template when it is queued', async () => {
    await expect(ctx.jobs.enqueue(emailSendQueue, { to: 'a@example.com', template: 'partner.low_balance', data: { companyName: 'X' } })).rejects.toThrow();
    await expect(ctx.jobs.enqueue(emailSendQueue, { to: 'not an address', template: 'signup.approved', data: { companyName: 'X' } })).rejects.toThrow();
  });
});
