// Sharing a delivered card with a customer (docs/bot-flows.md, Sharing): a forwardable voucher in
// the language the agent picks, or a one-time claim link whose page (api/claim-page.ts) shows the
// card once, expires, and tells the agent when it was opened. Every share and opening is audited.
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import type { AppContext } from '../../src/context.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { revealOrderCards } from '../../src/domain/orders/orders.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { telegramDeleteQueue } from '../../src/notifications/telegram-queues.ts';
import { domainEventSinks } from '../../src/main.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { buttonData, callbackQuery, lastButtons, lastText, textMessage, type RecordedCall } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const test = await createTestContext({ ports: { orderEvents, eventSinks: domainEventSinks }, env: { PUBLIC_URL: 'https://cards.example/' } });
const { ctx } = test;
const store = newStore(ctx);
const api = createApi({ ctx, boss: test.boss, queues: QUEUES });

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await ctx.db
  .updateTable('catalog_brands')
  .set({
    name: 'Steam <script>alert(1)</script>',
    logo_url: 'https://img.example/steam.png',
    redemption_instructions: 'Open Steam, choose Games → Redeem a Steam Wallet Code.',
    // Longer than a Telegram message: cut, never splitting the code off.
    terms: `Non-refundable. ${'Terms apply. '.repeat(400)}`,
  })
  .where('key', 'in', ctx.db.selectFrom('catalog_products').select('brand_key').where('id', '=', BigInt(SIM_PRODUCTS.steam10)))
  .execute();
await saveCardList(ctx.db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });

/** A delivered order of `quantity` Steam cards for a new funded agent, bought through the bot. */
async function deliveredOrder(quantity: number) {
  const mounted = mountSimulator({ rateLimits: false });
  ctx.vendor = simulatorClient({ clock: mounted.clock });
  const agent = await makeBotAccount(ctx, 'agent');
  await fund(ctx.db, agent.account, '100.00');
  const { bot, calls } = startTestBot(ctx, store);
  const user = agent.telegramUserId;
  await bot.handleUpdate(callbackQuery(user, 'o:new'));
  await bot.handleUpdate(callbackQuery(user, 'oc:0'));
  await bot.handleUpdate(textMessage(user, String(quantity)));
  await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
  await runDueJobs(test, ctx, orderPlaceQueue);
  mounted.clock.advance(1500);
  await runDueJobs(test, ctx, orderPollQueue);
  await runDueJobs(test, ctx, orderEventsQueue);
  const order = await ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', agent.account.id).executeTakeFirstOrThrow();
  expect(order.status).toBe('completed');
  return { agent, user, bot, calls, orderId: order.id };
}

const audited = async (orderId: string, action: string) =>
  (await queryAuditLog(ctx.db, operator, { subject: { type: 'order', id: orderId } })).filter((row) => row.action === action);

const lastSent = (calls: RecordedCall[]) => calls.filter((call) => call.method === 'sendMessage').at(-1)!.payload;

const claimTokenOf = (text: string) => /https:\/\/cards\.example\/claim\/([A-Za-z0-9_-]{43})\n/.exec(text)?.[1];

describe('sharing a card with a customer', () => {
  it('a forwardable voucher in the language picked (not the agent’s): code, PIN, instructions, terms; audited; the buyer only', async () => {
    const { agent, user, bot, calls, orderId } = await deliveredOrder(2);
    const deliveries = (await queuedMessages(test.boss, user)).map((queued) => queued.buttons?.[0]?.map((button) => button.callbackData));
    expect(deliveries).toContainEqual([`o:rv:${orderId}:0`, `o:sh:${orderId}:0`]);
    expect(deliveries).toContainEqual([`o:rv:${orderId}:1`, `o:sh:${orderId}:1`]);

    await bot.handleUpdate(callbackQuery(user, `o:sh:${orderId}:1`));
    expect(lastText(calls)).toContain('Share card 2 with your customer');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Message · العربية')));
    const texts = calls.filter((call) => call.method === 'editMessageText').map((call) => String(call.payload.text));
    expect(texts.at(-1)).toContain('The message for your customer is below'); // told in the agent's language
    const voucher = lastSent(calls);
    const [card] = await revealOrderCards(ctx, { accountId: agent.account.id, channel: 'telegram' }, orderId, { index: 1 });
    const text = String(voucher.text);
    expect(text).toContain('🎁 بطاقة هدايا Steam <script>alert(1)</script> · 10.00 USD');
    expect(text).toContain(`الرمز: ${card!.code}`);
    expect(text).toContain(`الرقم السري: ${card!.pin}`);
    expect(text).toContain('طريقة الاستخدام:\nOpen Steam, choose Games → Redeem a Steam Wallet Code.');
    expect(text).toContain('الشروط:\nNon-refundable.');
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text.endsWith('…')).toBe(true);
    expect(voucher.protect_content).toBeUndefined(); // forwardable
    expect(voucher.parse_mode).toBeUndefined(); // catalog text is shown as text, never as markup
    expect(voucher.link_preview_options).toMatchObject({ url: 'https://img.example/steam.png', show_above_text: true });
    expect(await audited(orderId, 'order.card_shared')).toEqual([
      expect.objectContaining({ after: { index: 1, language: 'ar', via: 'message' }, actor_account_id: agent.account.id }),
    ]);

    await bot.handleUpdate(callbackQuery(user, `o:shs:${orderId}:0:msg:en`));
    expect(String(lastSent(calls).text)).toMatch(/^🎁 Steam <script>alert\(1\)<\/script> gift card · 10\.00 USD\nProduct \d+\n\nCode: /);

    // Someone else's order, by a forged button: refused, nothing shared or audited.
    const other = await makeBotAccount(ctx, 'agent');
    const sentBefore = calls.filter((call) => call.method === 'sendMessage').length;
    for (const data of [`o:shs:${orderId}:0:msg:en`, `o:shs:${orderId}:0:link:en`]) {
      await bot.handleUpdate(callbackQuery(other.telegramUserId, data));
      expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'No such order.' });
    }
    expect(calls.filter((call) => call.method === 'sendMessage')).toHaveLength(sentBefore);
    await bot.handleUpdate(callbackQuery(user, `o:shs:${orderId}:7:msg:en`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'This order has no such card.' });
    expect(await audited(orderId, 'order.card_shared')).toHaveLength(2);
    expect(await audited(orderId, 'order.card_claim_created')).toHaveLength(0);

    // From My orders too: each card has Reveal and Share.
    await bot.handleUpdate(callbackQuery(user, `o:view:${orderId}`));
    expect(buttonData(calls, 'Share 2')).toBe(`o:sh:${orderId}:1`);
    await expectOrderMoneyConserved(ctx.db, [orderId]);
  });

  it('a one-time claim link: a preview does not use it up, the first opening shows the card once, the agent is told; audited', async () => {
    const { agent, user, bot, calls, orderId } = await deliveredOrder(1);
    await bot.handleUpdate(callbackQuery(user, `o:sh:${orderId}:0`));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'One-time link · English')));
    const message = String(lastSent(calls).text);
    expect(message).toMatch(
      /^🎁 A Steam <script>alert\(1\)<\/script> gift card for you: 10\.00 USD\.\nOpen it here \(the card is shown once\): https:\/\/cards\.example\/claim\//,
    );
    expect(lastSent(calls).protect_content).toBeUndefined();
    const token = claimTokenOf(message)!;
    expect(token).toBeDefined();
    // Only the hash is stored.
    const [row] = await ctx.db.selectFrom('card_claims').selectAll().execute();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.expires_at.getTime() - Date.now()).toBeGreaterThan(71 * 3600 * 1000);
    const [created] = await audited(orderId, 'order.card_claim_created');
    expect(created!.after).toMatchObject({ index: 0, language: 'en', claimId: row!.id });

    const [card] = await revealOrderCards(ctx, { accountId: agent.account.id, channel: 'telegram' }, orderId, { index: 0 });
    for (let look = 0; look < 2; look += 1) {
      const landing = await api.request(`/claim/${token}`);
      expect(landing.status).toBe(200);
      expect(landing.headers.get('cache-control')).toBe('no-store');
      expect(landing.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await landing.text();
      expect(html).toContain('Show my card');
      expect(html).toContain('Steam &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>');
      expect(html).not.toContain(card!.code!);
    }

    // Two customers press at once: one sees the card.
    const answers = await Promise.all([api.request(`/claim/${token}`, { method: 'POST' }), api.request(`/claim/${token}`, { method: 'POST' })]);
    const pages = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 410]);
    const shown = pages.find((html) => html.includes(card!.code!))!;
    expect(shown).toContain(card!.pin!);
    expect(shown).toContain('Open Steam, choose Games → Redeem a Steam Wallet Code.');
    expect(pages.filter((html) => html.includes(card!.code!))).toHaveLength(1);
    const again = await api.request(`/claim/${token}`, { method: 'POST' });
    expect(again.status).toBe(410);
    const used = await again.text();
    expect(used).toContain('already opened');
    expect(used).not.toContain(card!.code!);
    expect((await api.request(`/claim/${token}`)).status).toBe(410);

    const opened = await audited(orderId, 'order.card_claim_opened');
    expect(opened).toEqual([expect.objectContaining({ actor_account_id: null, channel: 'api', after: { claimId: row!.id, position: 1 } })]);
    const told = (await queuedMessages(test.boss, user)).filter((queued) => 'key' in queued.text && queued.text.key === 'card-claim-opened');
    expect(told).toEqual([
      expect.objectContaining({
        text: { key: 'card-claim-opened', vars: expect.objectContaining({ position: 1, face: '10.00 USD', number: expect.stringMatching(/^ST-\d{6}$/) }) },
      }),
    ]);

    // Unknown and malformed tokens: nothing to show.
    expect((await api.request(`/claim/${'A'.repeat(43)}`, { method: 'POST' })).status).toBe(404);
    expect((await api.request('/claim/short', { method: 'POST' })).status).toBe(404);
    expect(await audited(orderId, 'order.card_claim_opened')).toHaveLength(1);
  });

  it('an Arabic claim page; an expired link shows nothing', async () => {
    const { user, bot, calls, orderId } = await deliveredOrder(1);
    await bot.handleUpdate(callbackQuery(user, `o:shs:${orderId}:0:link:ar`));
    const message = String(lastSent(calls).text);
    expect(message).toContain('بطاقة هدايا Steam');
    const arabic = claimTokenOf(message)!;
    const landing = await (await api.request(`/claim/${arabic}`)).text();
    expect(landing).toContain('dir="rtl"');
    expect(landing).toContain('اعرض بطاقتي');

    await bot.handleUpdate(callbackQuery(user, `o:shs:${orderId}:0:link:en`));
    const expiring = claimTokenOf(String(lastSent(calls).text))!;
    await ctx.db
      .updateTable('card_claims')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('language', '=', 'en')
      .execute();
    const expired = await api.request(`/claim/${expiring}`, { method: 'POST' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This link has expired');
    expect(await audited(orderId, 'order.card_claim_opened')).toHaveLength(0);
    expect(await audited(orderId, 'order.card_claim_created')).toHaveLength(2);

    // In production without PUBLIC_URL a link would lead nowhere: only messages are offered.
    const config = ctx.config;
    ctx.config = { ...config, NODE_ENV: 'production', PUBLIC_URL: undefined };
    try {
      await bot.handleUpdate(callbackQuery(user, `o:sh:${orderId}:0`));
      expect(lastButtons(calls).map((button) => button.callback_data)).toEqual([`o:shs:${orderId}:0:msg:en`, `o:shs:${orderId}:0:msg:ar`, 'm:home']);
      await bot.handleUpdate(callbackQuery(user, `o:shs:${orderId}:0:link:en`));
      expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: expect.stringContaining('no longer valid') });
      expect(await audited(orderId, 'order.card_claim_created')).toHaveLength(2);
    } finally {
      ctx.config = config;
    }
  });

  it('an order of many cards comes as one message with a Cards CSV button; the document is the buyer’s, audited and deleted like a reveal', async () => {
    const { user, bot, calls, orderId } = await deliveredOrder(6);
    const messages = (await queuedMessages(test.boss, user)).filter((queued) => 'key' in queued.text && queued.text.key.startsWith('order-card'));
    expect(messages).toEqual([
      expect.objectContaining({
        text: { key: 'order-cards-many', vars: expect.objectContaining({ delivered: 6, quantity: 6, face: '10.00 USD' }) },
        buttons: [[expect.objectContaining({ callbackData: `o:csv:${orderId}` }), expect.objectContaining({ callbackData: `o:view:${orderId}` })]],
      }),
    ]);

    const other = await makeBotAccount(ctx, 'agent');
    await bot.handleUpdate(callbackQuery(other.telegramUserId, `o:csv:${orderId}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'No such order.' });
    expect(calls.filter((call) => call.method === 'sendDocument')).toHaveLength(0);

    await bot.handleUpdate(callbackQuery(user, `o:view:${orderId}`));
    expect(buttonData(calls, 'Cards CSV')).toBe(`o:csv:${orderId}`);
    await bot.handleUpdate(callbackQuery(user, `o:csv:${orderId}`));
    expect(calls.filter((call) => call.method === 'sendDocument')).toHaveLength(1);
    expect(await audited(orderId, 'order.cards_revealed')).toEqual([expect.objectContaining({ after: { cards: 6, via: 'csv' } })]);
    const [deletion] = await test.boss.findJobs<{ chatId: string }>(telegramDeleteQueue.name, { data: { chatId: String(user) } });
    expect(deletion!.startAfter.getTime() - Date.now()).toBeGreaterThan(55_000);
  });
});
