// A new agent's way to its first card, counted in taps (docs/bot-flows.md, Fewer taps): invite →
// top-up with proof → approved → order → code shown. Every update a person sends is one tap (a
// button, a command, a photo, a typed answer), the admin's approval included. Also what makes it
// short: a photo outside any flow starts a top-up, notices carry their next step, and messages
// outside any flow get a useful answer.
import { describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import { createTelegramGateway } from '../../bot/notifier.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import type { AppContext } from '../../src/context.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { getTopupRequest } from '../../src/domain/funding/topups.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { domainEventSinks } from '../../src/main.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { inviteToken, makeAdmin, makeBotAccount, newStore, nextTelegramId, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectLedgerConsistent, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { BOT_TOKEN, buttonData, callbackQuery, lastButtons, lastText, photoMessage, recordingFetch, textMessage } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const test = await createTestContext({ ports: { orderEvents, eventSinks: domainEventSinks } });
const { ctx } = test;
const store = newStore(ctx);

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(ctx.db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await saveCardList(
  ctx.db,
  operator,
  [
    { productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] },
    { productId: BigInt(SIM_PRODUCTS.range), range: { min: 500n, max: 20_000n } },
    // Several fixed values: shown on the card's row in the picker, so card and value are one tap.
    { productId: BigInt(SIM_PRODUCTS.range), denominations: [1000n, 2500n, 5000n] },
  ],
  { maxEntries: 10 },
);

/** A photo with a caption (a payment proof with its amount). */
function captionedPhoto(fromId: number, fileId: string, caption: string): Update {
  const update = photoMessage(fromId, fileId);
  return { ...update, message: { ...update.message!, caption } };
}

/** The data of a queued notice's button whose text key is `key`. */
const noticeButton = (message: Awaited<ReturnType<typeof queuedMessages>>[number] | undefined, key: string) =>
  message?.buttons?.flat().find((button) => 'key' in button.text && button.text.key === key)?.callbackData as string;

describe('time to first card', () => {
  it('a new agent gets its first card code in at most 8 taps, the admin’s approval included (a card of several values)', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const admin = await makeAdmin(ctx);
    const token = await inviteToken(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    const agentId = nextTelegramId();
    let taps = 0;
    const tap = async (update: Update) => {
      taps += 1;
      await bot.handleUpdate(update);
    };

    await tap(textMessage(agentId, `/start ${token}`)); // 1: the invite link's Start
    expect(calls.map((call) => call.payload.text)).toContain(
      'Welcome! Your account is ready. To top up your wallet, send a photo of your payment proof here, with the amount as its caption (for example 100).',
    );
    await tap(captionedPhoto(agentId, 'first-receipt', '100 USD')); // 2: the proof, its amount as caption
    expect(lastText(calls)).toContain('Amount: 100.00 USD');
    await tap(callbackQuery(agentId, buttonData(calls, 'Send'))); // 3
    const agent = (await findTelegramUser(ctx.db, agentId))!.account;
    const [request] = await queuedMessages(test.boss, admin.telegramUserId);
    expect(request).toMatchObject({ photo: 'first-receipt', text: { key: 'topup-admin-request' } });
    await tap(callbackQuery(admin.telegramUserId, noticeButton(request, 'topup-approve'))); // 4: the admin approves
    expect(await balance(ctx.db, agent)).toBe('100.00');

    const approved = (await queuedMessages(test.boss, agentId)).find((message) => 'key' in message.text && message.text.key === 'topup-approved');
    await tap(callbackQuery(agentId, noticeButton(approved, 'menu-order'))); // 5: Order cards, on the notice
    expect(lastButtons(calls).map((button) => button.text)).toEqual(
      expect.arrayContaining([`Product ${SIM_PRODUCTS.range} · 10.00 USD`, '25.00 USD', '50.00 USD']),
    );
    await tap(callbackQuery(agentId, buttonData(calls, '25.00 USD'))); // 6: a card of several values and its value at once
    expect(lastText(calls)).toContain(`Card: Product ${SIM_PRODUCTS.range} · 25.00 USD\nQuantity: 1\n`);
    await tap(callbackQuery(agentId, buttonData(calls, 'Confirm'))); // 7
    expect(lastText(calls)).toMatch(/^Order ST-\d{6} accepted/);

    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    await runDueJobs(test, ctx, orderEventsQueue);
    const delivery = (await queuedMessages(test.boss, agentId)).find((message) => 'key' in message.text && message.text.key === 'order-card');
    await tap(callbackQuery(agentId, noticeButton(delivery, 'order-reveal'))); // 8: Reveal
    const shown = calls.filter((call) => call.method === 'sendMessage').at(-1)!.payload;
    expect(shown).toMatchObject({ protect_content: true, text: expect.stringMatching(/\nCode: \S{9,}\n/) });

    expect(taps).toBeLessThanOrEqual(8);
    const [order] = await ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', agent.id).execute();
    expect(order).toMatchObject({ status: 'completed', quantity: 1, face_minor: 2500n, total_minor: 2500n });
    expect(await balance(ctx.db, agent)).toBe('75.00');
    await expectOrderMoneyConserved(ctx.db, [order!.id]);
    await expectLedgerConsistent(ctx.db);
  });
});

describe('earlier answers', () => {
  it('a photo without an amount asks for it (Arabic); one sent during another flow starts nothing', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Karim' });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/language'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'lang:ar'));
    await bot.handleUpdate(photoMessage(agent.telegramUserId, 'plain-receipt'));
    expect(lastText(calls)).toBe('📷 هل تريد بدء شحن بهذه الصورة كإثبات؟ اكتب المبلغ بعملة USD، أو اضغط إلغاء.');
    await bot.handleUpdate(textMessage(agent.telegramUserId, '45'));
    expect(lastText(calls)).toContain('45.00 USD');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'إرسال')));
    const [request] = await queuedMessages(test.boss, admin.telegramUserId);
    const stored = await getTopupRequest(ctx.db, operator, noticeButton(request, 'topup-approve').slice('tu:ok:'.length));
    expect(stored).toMatchObject({ status: 'pending', proof: { kind: 'photo', value: 'plain-receipt' } });

    // The admin rejects it: that request message loses its buttons, as after an approval.
    const requestMessageId = 4242;
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, noticeButton(request, 'topup-reject'), requestMessageId));
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Unreadable receipt'));
    expect(calls.find((call) => call.method === 'editMessageReplyMarkup' && call.payload.message_id === requestMessageId)).toMatchObject({
      payload: { chat_id: admin.telegramUserId, message_id: requestMessageId },
    });
    expect(calls.filter((call) => call.method === 'editMessageReplyMarkup').at(-1)?.payload.reply_markup).toBeUndefined();
    expect(lastText(calls)).toBe('Rejected the top-up of 45.00 USD; the agent was told.');

    // In the middle of ordering, a photo is the flow's business: no top-up starts.
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'o:new'));
    await bot.handleUpdate(photoMessage(agent.telegramUserId, 'stray-photo'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:send:00000000-0000-4000-8000-000000000000'));
    expect(await ctx.db.selectFrom('topup_requests').select('id').where('account_id', '=', agent.account.id).execute()).toHaveLength(1);
    expect(await balance(ctx.db, agent.account)).toBe('0.00');
  });

  it('text or photos outside any flow get a useful answer with the menu; strangers get the explanation', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(agent.telegramUserId, 'hello?'));
    expect(lastText(calls)).toMatch(/^I did not understand that\. Choose from the menu; to top up, send a photo .*\n\nAgent menu/);
    expect(lastButtons(calls).map((button) => button.callback_data)).toContain('o:new');
    await bot.handleUpdate(photoMessage(sub.telegramUserId, 'sub-photo'));
    expect(lastText(calls)).toMatch(/^Your agent funds your wallet/);
    expect(lastButtons(calls).map((button) => button.callback_data)).toContain('fr:new');
    await bot.handleUpdate(textMessage(nextTelegramId(), 'hi'));
    expect(lastText(calls)).toContain('open the invite link');
    expect(await ctx.db.selectFrom('topup_requests').select('id').where('account_id', '=', sub.account.id).execute()).toEqual([]);
  });

  it('a notice without buttons of its own carries the menu button; one with buttons keeps just its own', async () => {
    const recorder = recordingFetch();
    const gateway = createTelegramGateway({ token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', fetch: recorder.fetch });
    await gateway.send({ chatId: '5001', protectContent: false, locale: 'ar', text: { key: 'topup-rejected', vars: { amount: '1.00 USD', reason: 'x' } } });
    await gateway.send({
      chatId: '5001',
      protectContent: false,
      text: { key: 'signup-alert-open', vars: {} },
      buttons: [[{ text: { key: 'topup-approve', vars: {} }, callbackData: 'sg:list:0' }]],
    });
    const keyboards = recorder.calls.map(
      (call) => (call.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard,
    );
    expect(keyboards[0]).toEqual([[{ text: expect.stringMatching(/\S/), callback_data: 'm:home' }]]);
    expect(keyboards[0]![0]![0]!.text).not.toBe('button-menu'); // rendered, in Arabic
    expect(keyboards[1]).toEqual([[expect.objectContaining({ callback_data: 'sg:list:0' })]]);
  });
});
