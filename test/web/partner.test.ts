// A partner in a real browser (issue 21): signs in with email and password (by keyboard), creates
// a test key, points the sandbox webhook at a receiver, places a sandbox order in the playground
// and sees it complete with its webhook delivered; the order's cards are revealed (audited); the key
// is revoked after a confirmation. A manager who forgot their password gets a link by email (a real
// SMTP server), chooses a new one and sees the partner's users. The
// app runs as `npm start` runs it (api and worker roles, the simulator as vendor); every page is
// checked with axe-core, loads nothing from another host, ships at most ~100 KB of script, and
// fits a phone's width.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { ensureSandboxAccount } from '../../src/domain/api-keys/api-keys.ts';
import { addPartnerUser } from '../../src/domain/partner-users/partner-users.ts';
import { addAdmin } from '../../src/domain/accounts/accounts.ts';
import { setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startApp } from '../../src/main.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { expectAccessible, openBrowser, screenshot, scriptBytes, type WebBrowser } from './browser.ts';

const PASSWORD = 'sandbox playground 42';
const EMAIL = 'dev@acme.example';
const MANAGER_EMAIL = 'manager@acme.example';

/** A partner's webhook endpoint: records what arrives, answers 200. */
async function webhookReceiver() {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/steller`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('the partner dashboard in a browser', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let base: string;
  let browser: WebBrowser;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  beforeAll(async () => {
    const { url } = await createTestDatabase();
    receiver = await webhookReceiver();
    smtp = await startSmtpServer();
    const config = createConfig({
      DATABASE_URL: url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      APP_ROLES: 'api,worker',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      SMTP_URL: smtp.url,
    });
    app = await startApp(config, createLogger({ level: 'silent', pretty: false }), { roles: config.APP_ROLES });
    base = app.apiUrl as string;
    const { db } = app.resources;
    await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const partner = await makeAccount(db, 'partner', undefined, 'Acme Gifts');
    await fund(db, await ensureSandboxAccount(db, partner), '200.00');
    const user = await addPartnerUser(db, platformActor('cli'), partner.id, { name: 'Dana Dev', email: EMAIL, role: 'developer' });
    const { account: admin } = await addAdmin(db, platformActor('cli'), { telegramUserId: '800100', currency: 'USD' });
    await setPartnerUserPassword(db, accountActor(admin.id, 'web'), partner.id, user.id, PASSWORD);
    const manager = await addPartnerUser(db, platformActor('cli'), partner.id, { name: 'Mo Manager', email: MANAGER_EMAIL, role: 'manager' });
    await setPartnerUserPassword(db, accountActor(admin.id, 'web'), partner.id, manager.id, 'a password long forgotten');
    browser = await openBrowser(base);
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('signs in, creates a key, places a sandbox order and sees it complete with its webhook', async () => {
    const { page } = browser;
    await page.goto(`${base}/app`);
    await expect.poll(() => page.title()).toBe('Sign in · Steller');
    await expectAccessible(page);
    await screenshot(page, 'sign-in');

    // By keyboard: the skip link comes first, then the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByLabel('Email').focus();
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/app/partner`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Overview');
    await expectAccessible(page);
    expect(await scriptBytes(page)).toBeLessThan(100 * 1024);
    await screenshot(page, 'partner-overview');

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('New key').selectOption('test');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.locator('#new-key').textContent()).toMatch(/^sk_test_[A-Za-z0-9_-]{32}$/);
    const testKey = (await page.locator('#new-key').textContent())!;
    expect((await fetch(`${base}/v1/catalog`, { headers: { authorization: `Bearer ${testKey}` } })).status).toBe(200);
    await expectAccessible(page);
    await screenshot(page, 'partner-keys');

    await page.goto(`${base}/app/partner/webhooks?mode=test`);
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved.');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Playground' }).click();
    await expectAccessible(page);
    // A refused order shows why, in place (htmx swaps the refusal in).
    await page.getByLabel('Face value').fill('7.00');
    await page.getByRole('button', { name: 'Place test order' }).click();
    await expect.poll(() => page.locator('#result [role="alert"]').textContent()).toMatch(/10\.00/);
    await page.getByLabel('Face value').fill('10.00');
    await page.getByLabel('Cards').fill('2');
    await page.getByRole('button', { name: 'Place test order' }).click();
    // htmx swaps the order in and refreshes it every second until it is final and its webhook delivered.
    const status = page.locator('#result .status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('completed');
    await expect.poll(() => page.locator('#result [data-webhook]').first().getAttribute('data-webhook'), { timeout: 60_000 }).toBe('delivered');
    expect(await page.locator('#result').textContent()).toContain('order.completed');
    expect(await scriptBytes(page)).toBeLessThan(100 * 1024);
    await expectAccessible(page);
    await screenshot(page, 'partner-playground');

    // The receiver got the signed webhook (Standard Webhooks headers).
    const delivery = receiver.received.find((request) => request.body.includes('order.completed'));
    expect(delivery?.headers['webhook-signature']).toMatch(/^v1,/);
    const payload = JSON.parse(delivery!.body) as { type: string; data: { orderId: string } };
    expect(payload.type).toBe('order.completed');
    await expectOrderMoneyConserved(app.resources.db, [payload.data.orderId]);

    // The order's page: its timeline, then its codes (revealing is audited).
    await page.locator('#result h2 a').click();
    await expect.poll(() => page.locator('.timeline li').count()).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Reveal codes (audited)' }).click();
    await expect.poll(() => page.locator('table code').count()).toBeGreaterThan(0);
    await expectAccessible(page);
    const reveals = await app.resources.db
      .selectFrom('audit_log')
      .select(['channel'])
      .where('action', '=', 'order.cards_revealed')
      .where('subject_id', '=', payload.data.orderId)
      .execute();
    expect(reveals).toEqual([{ channel: 'web' }]);

    for (const path of [
      '/app/partner/orders?mode=test',
      '/app/partner/catalog',
      '/app/partner/logs?mode=test',
      '/app/partner/webhooks?mode=test',
      '/app/partner/security',
    ]) {
      await page.goto(`${base}${path}`);
      await expectAccessible(page);
    }
    await screenshot(page, 'partner-security');
    await page.goto(`${base}/app/partner/orders?mode=test`);
    await screenshot(page, 'partner-orders');

    // Revoking the key asks first (a confirmation page); then the API refuses it at once.
    await page.goto(`${base}/app/partner/keys`);
    const key = (await page.locator('table code').first().textContent())!.replace('…', '');
    await page.getByRole('link', { name: `Revoke key ${key}` }).click();
    await expectAccessible(page);
    await page.getByRole('button', { name: `Revoke key ${key}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('The key is revoked.');
    expect(await page.locator('table').textContent()).toContain('revoked');
    expect((await fetch(`${base}/v1/catalog`, { headers: { authorization: `Bearer ${testKey}` } })).status).toBe(401);
    await expectAccessible(page);

    // A phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/app/partner', '/app/partner/orders?mode=test', '/app/partner/playground']) {
      await page.goto(`${base}${path}`);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    }
    await page.goto(`${base}/app/partner`);
    await screenshot(page, 'partner-overview-phone');
    expect(browser.foreign).toEqual([]);
  });

  it('a manager who forgot their password sets a new one from the emailed link, then manages the users', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.context().clearCookies();
    await page.goto(`${base}/app/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expectAccessible(page);
    await page.getByLabel('Email').fill(MANAGER_EMAIL);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('If this email belongs to a partner user');
    // The worker sends it (the email.send queue).
    await expect.poll(() => smtp.received.find((email) => email.to.includes(MANAGER_EMAIL))?.text, { timeout: 30_000 }).toContain('/app/login/reset?token=');
    const link = /http:\/\/\S+\/app\/login\/reset\?token=[A-Za-z0-9_-]+/.exec(smtp.received.find((email) => email.to.includes(MANAGER_EMAIL))!.text)![0];
    await page.goto(`${base}${new URL(link).pathname}${new URL(link).search}`);
    await expectAccessible(page);
    await page.getByLabel('New password').fill('a fresh manager password');
    await page.getByLabel('The same again').fill('a fresh manager password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your password is set: sign in with it.');
    await page.getByLabel('Email').fill(MANAGER_EMAIL);
    await page.getByLabel('Password').fill('a fresh manager password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app/partner`);

    await page.getByRole('link', { name: 'Users' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Users');
    expect(await page.locator('table').textContent()).toContain(EMAIL);
    await expectAccessible(page);
    await screenshot(page, 'partner-users');
    expect(browser.foreign).toEqual([]);
  });

  it('renders the API reference at /docs from our own assets', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/docs`);
    await expect.poll(() => page.getByText('Steller Agency API').first().isVisible(), { timeout: 30_000 }).toBe(true);
    await screenshot(page, 'api-reference');
    expect(browser.foreign).toEqual([]);
  });
});
