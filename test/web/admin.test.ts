// An admin in a real browser (issue 21): asks the bot for a sign-in link with /web, opens it,
// approves a top-up after looking at its proof photo (fetched from the Bot API by the server), and
// refunds an order the vendor never received. The money is checked in the ledger, not on the page.
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { addAdmin } from '../../src/domain/accounts/accounts.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { readCardList } from '../../src/domain/pricing/card-list.ts';
import { activeSalesPauses } from '../../src/domain/vendor/sales-pauses.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createConfig } from '../../src/config.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createLogger } from '../../src/logger.ts';
import { startApp } from '../../src/main.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { balance, expectLedgerConsistent, fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { BOT_TOKEN, lastText, textMessage } from '../support/telegram.ts';
import { expectAccessible, openBrowser, screenshot, scriptBytes, type WebBrowser } from './browser.ts';

/** A receipt-like picture: a 240 × 120 PNG, pale with a dark band (PNG chunks: length, type, data, CRC). */
function receiptPng(width = 240, height = 120): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Array.from({ length: height }, (_, y) => {
    const shade = y > 40 && y < 60 ? 40 : 235;
    return Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, shade)]);
  });
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const PNG = receiptPng();

/** The Bot API's file endpoints, as far as the proof photo needs them. */
async function fakeBotApi() {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(request.url ?? '');
    if (request.url?.startsWith(`/bot${BOT_TOKEN}/getFile`)) {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, result: { file_id: 'proof-photo-1', file_path: 'photos/file_7.png', file_size: PNG.length } }));
    } else if (request.url === `/file/bot${BOT_TOKEN}/photos/file_7.png`) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the admin console in a browser', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let base: string;
  let browser: WebBrowser;
  let botApi: Awaited<ReturnType<typeof fakeBotApi>>;

  beforeAll(async () => {
    const { url } = await createTestDatabase();
    botApi = await fakeBotApi();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The api role alone: no worker places orders, so an order stays unsent until the admin refunds it.
    const config = createConfig({
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      APP_ROLES: 'api',
      PUBLIC_URL: base,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      BOT_API_ROOT: botApi.root,
    });
    app = await startApp(config, createLogger({ level: 'silent', pretty: false }), { roles: config.APP_ROLES });
    browser = await openBrowser(base);
  });

  afterAll(async () => {
    await app?.stop();
    await botApi?.close();
  });

  it('signs in through a bot link, approves a top-up with its proof, and refunds an order', async () => {
    const ctx = app.resources;
    const { account: admin } = await addAdmin(ctx.db, platformActor('cli'), { telegramUserId: '800200', currency: 'USD' });
    const agent = await makeAccount(ctx.db, 'agent', undefined, 'Nour Trading');
    const topup = await createTopupRequest(ctx, accountActor(agent.id, 'telegram'), {
      amount: parseMoney('150.00', 'USD'),
      proof: { kind: 'photo', fileId: 'proof-photo-1', fileUniqueId: 'proof-unique-1' },
    });
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const partner = await makeAccount(ctx.db, 'partner', undefined, 'Acme Gifts');
    await fund(ctx.db, partner, '100.00');
    const { order } = await createOrder(ctx, {
      buyerId: partner.id,
      actor: accountActor(partner.id, 'api'),
      clientReference: 'refund-me',
      productId: BigInt(SIM_PRODUCTS.steam10),
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
    const partnerBefore = await balance(ctx.db, partner);

    // The bot sends the link in the private chat.
    const { bot, calls } = startTestBot(ctx, newStore(ctx));
    await bot.handleUpdate(textMessage(800200, '/web'));
    const link = /(http:\/\/127\.0\.0\.1:\d+\/app\/login\/link\?token=[A-Za-z0-9_%-]+)/.exec(lastText(calls))?.[1];
    expect(link).toBeDefined();

    const { page } = browser;
    await page.goto(link!);
    await expectAccessible(page);
    await screenshot(page, 'admin-link-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app/admin`);
    await expectAccessible(page);
    await screenshot(page, 'admin-overview');

    await page.getByRole('link', { name: 'Review top-ups' }).click();
    const proof = page.getByRole('img', { name: 'Payment proof sent by Nour Trading' });
    await expect.poll(() => proof.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(240);
    expect(botApi.asked.some((asked) => asked.startsWith(`/bot${BOT_TOKEN}/getFile`))).toBe(true);
    expect(await scriptBytes(page)).toBeLessThan(100 * 1024);
    await expectAccessible(page);
    await screenshot(page, 'admin-topups');
    await page.getByRole('button', { name: 'Approve 150.00 USD' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Top-up approved: the wallet was credited.');
    expect(await page.getByText('No pending top-ups.').isVisible()).toBe(true);
    expect(await balance(ctx.db, agent)).toBe('150.00');
    const decided = await ctx.db.selectFrom('topup_requests').select(['status', 'decided_by']).where('id', '=', topup.id).executeTakeFirstOrThrow();
    expect(decided).toEqual({ status: 'approved', decided_by: admin.id });

    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Order number or id').fill(order.number);
    await page.getByRole('button', { name: 'Find' }).click();
    await expectAccessible(page);
    await screenshot(page, 'admin-order');
    await page.getByLabel('Reason (kept in the audit log)').fill('the vendor never received it');
    await page.getByRole('button', { name: 'Refund order' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Order refunded.');
    expect(await page.locator('.facts .badge').textContent()).toBe('failed');
    expect(Number(await balance(ctx.db, partner))).toBe(Number(partnerBefore) + Number(order.total.amount) / 100);
    await expectOrderMoneyConserved(ctx.db, [order.id]);
    await expectLedgerConsistent(ctx.db);

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('actor_account_id', '=', admin.id)
      .where('channel', '=', 'web')
      .orderBy('id')
      .execute();
    expect(audit.map((row) => row.action)).toEqual(expect.arrayContaining(['web.signed_in', 'topup.approved']));

    for (const path of [
      '/app/admin/partners',
      `/app/admin/accounts/${partner.id}`,
      '/app/admin/signups',
      '/app/admin/pricing',
      '/app/admin/ops',
      '/app/admin/network',
      '/app/admin/metrics',
      '/app/admin/audit',
    ]) {
      await page.goto(`${base}${path}`);
      expect(await page.locator('h1').textContent()).not.toBe('Something went wrong');
      await expectAccessible(page);
      if (path.endsWith('/metrics')) await screenshot(page, 'admin-metrics');
      if (path.endsWith('/network')) await screenshot(page, 'admin-network');
      if (path.endsWith('/ops')) await screenshot(page, 'admin-operations');
    }
    await screenshot(page, 'admin-audit-log');

    // The card list, by keyboard: add the card, then pause its sales with a reason.
    await page.goto(`${base}/app/admin/pricing`);
    await page.getByLabel('Product id (from the catalog)').fill(String(SIM_PRODUCTS.steam10));
    await page.getByLabel(/^Face values in the product's currency/).fill('10');
    await page.getByLabel(/^Face values in the product's currency/).press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Card list saved.');
    expect(await readCardList(ctx.db)).toEqual([{ position: 0, productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }]);
    await page.getByLabel(/^Why pause/).fill('supplier recall');
    await page.getByLabel(/^Why pause/).press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toBe("The product's sales are paused.");
    expect(await activeSalesPauses(ctx.db)).toEqual([expect.objectContaining({ scope: 'product', target: String(SIM_PRODUCTS.steam10) })]);
    await expectAccessible(page);
    await screenshot(page, 'admin-card-list');

    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/app/admin/orders', '/app/admin/pricing']) {
      await page.goto(`${base}${path}`);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    }
    expect(browser.foreign).toEqual([]);
  });
});
