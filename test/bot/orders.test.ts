// Ordering through the bot against the Bamboo simulator (msw): card list → card → value → quantity
// → confirmation → order, then the order jobs run by hand (runDueJobs) as in the order-engine tests.
import { describe, expect, it } from 'vitest';
import type { Bot } from 'grammy';
import type { BotContext } from '../../bot/context.ts';
import type { AppContext } from '../../src/context.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { formatOrderNumber } from '../../src/domain/orders/orders.ts';
import { telegramDeleteWorker } from '../../src/jobs/handlers/telegram.ts';
import { telegramSendQueue } from '../../src/notifications/telegram-queues.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import { setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { pauseSales, resumeSales } from '../../src/domain/vendor/sales-pauses.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeAdmin, makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { buttonData, callbackQuery, lastButtons, lastText, textMessage, type RecordedCall } from '../support/telegram.ts';
import { domainEventSinks } from '../../src/main.ts';

/** The order events as main.ts routes them (the sink keeps no state: a second one is a retried job). */
const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
// Low-balance warnings come from domain events, as main.ts subscribes them.
const test = await createTestContext({ ports: { orderEvents, eventSinks: domainEventSinks } });
const { ctx } = test;
const store = newStore(ctx);
/** The simulator for one test (msw handlers are reset after each test). */
function vendor() {
  const mounted = mountSimulator({ rateLimits: false });
  ctx.vendor = simulatorClient({ clock: mounted.clock });
  return mounted;
}

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(ctx.db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await saveCardList(
  ctx.db,
  operator,
  [
    { productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] },
    { productId: BigInt(SIM_PRODUCTS.range), range: { min: 500n, max: 20_000n } },
    { productId: BigInt(SIM_PRODUCTS.range), denominations: [500n, 1000n, 1500n, 2000n] },
  ],
  { maxEntries: 10 },
);

const ordersOf = (buyerId: string) => ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', buyerId).execute();

async function fundedAgent(amount = '100.00') {
  const agent = await makeBotAccount(ctx, 'agent');
  await fund(ctx.db, agent.account, amount);
  return agent;
}

describe('ordering through the bot', () => {
  it('fixed card, two of them: summary with price and balance after; double confirm orders once; jobs complete it', async () => {
    const { clock } = vendor();
    const agent = await fundedAgent();
    const { bot, calls } = startTestBot(ctx, store);
    const user = agent.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    expect(lastText(calls)).toBe('Which card do you want?');
    // One value: no value step; the summary comes at once, for one card, with other quantities as buttons.
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    expect(lastText(calls)).toContain('Quantity: 1\n');
    expect(lastText(calls)).toContain('Total: 10.00 USD');
    expect(lastButtons(calls).map((button) => button.text)).toEqual(['✅ Confirm', '✖️ Cancel', '× 2', '× 3', '× 5', '× 10', '➕ Add another card']);
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '× 3')));
    expect(calls.at(-1)).toMatchObject({ method: 'editMessageText', payload: { text: expect.stringContaining('Total: 30.00 USD') } });
    await bot.handleUpdate(textMessage(user, '11'));
    expect(lastText(calls)).toBe('Type a whole number from 1 to 10.');
    await bot.handleUpdate(textMessage(user, '2'));
    const summary = lastText(calls);
    expect(summary).toContain('Total: 20.00 USD');
    expect(summary).toContain('Balance now: 100.00 USD');
    expect(summary).toContain('Balance after: 80.00 USD');
    const confirm = buttonData(calls, 'Confirm');

    await bot.handleUpdate(callbackQuery(user, confirm));
    expect(lastText(calls)).toMatch(/^Order ST-\d{6} accepted: 2 × Product \d+ 10\.00 USD, 20\.00 USD\./);
    await bot.handleUpdate(callbackQuery(user, confirm)); // double tap
    expect(calls.at(-1)?.payload.text).toContain('no longer valid');
    const again = startTestBot(ctx, store); // the button replayed to another process
    await again.bot.handleUpdate(callbackQuery(user, confirm));
    expect(again.calls.at(-1)?.payload.text).toContain('no longer valid');

    const orders = await ordersOf(agent.account.id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ channel: 'telegram', quantity: 2, total_minor: 2000n, client_reference: `tg:${confirm.split(':')[2]}` });
    expect(await balance(ctx.db, agent.account)).toBe('80.00');
    await expectOrderMoneyConserved(ctx.db, [orders[0]!.id]);

    expect(await runDueJobs(test, ctx, orderPlaceQueue)).toEqual([{ outcome: 'placed' }]);
    clock.advance(1500);
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([{ outcome: 'finished' }]);
    const [done] = await ordersOf(agent.account.id);
    expect(done).toMatchObject({ status: 'completed', cards_delivered: 2 });
    await expectOrderMoneyConserved(ctx.db, [done!.id]);

    await bot.handleUpdate(callbackQuery(user, 'o:list'));
    expect(lastText(calls)).toContain(`ST-${String(done!.number).padStart(6, '0')} · 2 × 10.00 USD · 20.00 USD · ✅ completed`);
  });

  it('an order that takes the wallet below the threshold warns the buyer once per crossing', async () => {
    const agent = await fundedAgent('25.00');
    const { bot, calls } = startTestBot(ctx, store);
    const user = agent.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(user, '1'));
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQuery(user, confirm));
    await bot.handleUpdate(callbackQuery(user, confirm)); // a double tap warns no second time
    expect(await balance(ctx.db, agent.account)).toBe('15.00');
    const lowBalanceWarnings = async () =>
      (await queuedMessages(test.boss, user)).filter((message) => 'key' in message.text && message.text.key === 'low-balance');
    expect(await lowBalanceWarnings()).toEqual([
      expect.objectContaining({ text: { key: 'low-balance', vars: { balance: '15.00 USD', threshold: '20.00 USD' } } }),
    ]);

    // Another order from the already low wallet (15 → 5) says nothing new.
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(user, '1'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
    expect(await balance(ctx.db, agent.account)).toBe('5.00');
    expect(await lowBalanceWarnings()).toHaveLength(1);

    // Funded above the threshold again (5 → 35), the next crossing (35 → 15) warns again.
    await fund(ctx.db, agent.account, '30.00');
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(user, '2'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
    expect(await balance(ctx.db, agent.account)).toBe('15.00');
    expect(await lowBalanceWarnings()).toHaveLength(2);
    const orders = await ordersOf(agent.account.id);
    expect(orders).toHaveLength(3);
    await expectOrderMoneyConserved(
      ctx.db,
      orders.map((order) => order.id),
    );
  });

  it('a card of many values asks for the value; a forged value of another card is not taken', async () => {
    const agent = await fundedAgent();
    const { bot, calls } = startTestBot(ctx, store);
    const user = agent.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    expect(buttonData(calls, `Product ${SIM_PRODUCTS.range}`)).toBe('oc:1');
    await bot.handleUpdate(callbackQuery(user, 'ocv:2:999'));
    expect(lastText(calls)).toContain('choose the value');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '15.00 USD')));
    expect(lastText(calls)).toContain(`Card: Product ${SIM_PRODUCTS.range} · 15.00 USD\nQuantity: 1\n`);
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
    const orders = await ordersOf(agent.account.id);
    expect(orders.map((order) => order.face_minor)).toEqual([1500n]);
    await expectOrderMoneyConserved(ctx.db, [orders[0]!.id]);
  });

  it('range card: the bounds are shown, a value outside is refused; the flow survives a restart', async () => {
    const agent = await fundedAgent();
    const user = agent.telegramUserId;
    const before = startTestBot(ctx, store);
    await before.bot.handleUpdate(callbackQuery(user, 'o:new'));
    await before.bot.handleUpdate(callbackQuery(user, buttonData(before.calls, `Product ${SIM_PRODUCTS.range}`)));
    expect(lastText(before.calls)).toBe('Type the card value in USD, from 5.00 USD to 200.00 USD.');
    await before.bot.handleUpdate(textMessage(user, '250'));
    expect(lastText(before.calls)).toBe('The value must be an amount from 5.00 USD to 200.00 USD. Try again.');
    await before.bot.handleUpdate(textMessage(user, '25.50'));

    const after = startTestBot(ctx, store); // a new process in the middle of ordering
    await after.bot.handleUpdate(textMessage(user, '1'));
    expect(lastText(after.calls)).toContain('Total: 25.50 USD');
    await after.bot.handleUpdate(callbackQuery(user, buttonData(after.calls, 'Confirm')));
    expect(lastText(after.calls)).toMatch(/^Order ST-\d{6} accepted: 1 × Product \d+ 25\.50 USD/);
    const orders = await ordersOf(agent.account.id);
    expect(orders.map((order) => order.face_minor)).toEqual([2550n]);
    await expectOrderMoneyConserved(ctx.db, [orders[0]!.id]);
  });

  it('refusals: a paused account cannot start; not enough funds is explained and holds nothing', async () => {
    const paused = await fundedAgent();
    await setAccountStatus(ctx.db, operator, paused.account.id, 'paused');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(paused.telegramUserId, 'o:new'));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'Your account is paused, so this is not possible right now.' });
    expect(await ordersOf(paused.account.id)).toEqual([]);

    const poor = await fundedAgent('5.00');
    await bot.handleUpdate(callbackQuery(poor.telegramUserId, 'o:new'));
    await bot.handleUpdate(callbackQuery(poor.telegramUserId, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    // Told at the summary, with Top up instead of Confirm; a forged Confirm is refused by the domain.
    expect(lastText(calls)).toContain('Balance after: -5.00 USD');
    expect(lastText(calls)).toContain('Not enough funds for this order: 5.00 USD more is needed.');
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(expect.arrayContaining(['tu:new', expect.stringMatching(/^or:drop:/)]));
    expect(lastButtons(calls).some((button) => button.callback_data?.startsWith('or:ok:'))).toBe(false);
    const forged = buttonData(calls, 'Cancel').replace('or:drop:', 'or:ok:');
    await bot.handleUpdate(callbackQuery(poor.telegramUserId, forged));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'Not enough funds: the balance is 5.00 USD.' });
    expect(await ordersOf(poor.account.id)).toEqual([]);
    expect(await balance(ctx.db, poor.account)).toBe('5.00');

    // A sub-agent whose agent is paused is told at the first tap, not at Confirm; in Arabic too.
    const parent = await fundedAgent();
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: parent.account });
    await fund(ctx.db, sub.account, '50.00');
    await setAccountStatus(ctx.db, operator, parent.account.id, 'paused');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'o:new'));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: "Your agent's account is paused, so this is not possible right now." });
    await setAccountLanguage(ctx.db, sub.account.id, 'ar');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'o:new'));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: expect.stringContaining('موقوف') });
    expect(await ordersOf(sub.account.id)).toEqual([]);
  });

  it('vendor refusals: sales paused and no vendor float are explained plainly (en, ar) and hold nothing', async () => {
    const agent = await fundedAgent();
    const { bot, calls } = startTestBot(ctx, store);
    const confirmSteam = async (user: number) => {
      await bot.handleUpdate(callbackQuery(user, 'o:new'));
      await bot.handleUpdate(callbackQuery(user, 'oc:0'));
      await bot.handleUpdate(callbackQuery(user, 'od:1000'));
      await bot.handleUpdate(textMessage(user, '1'));
      await bot.handleUpdate(callbackQuery(user, lastButtons(calls)[0]!.callback_data!));
    };
    await pauseSales(ctx, operator, { scope: 'all', reason: 'vendor incident' });
    await confirmSteam(agent.telegramUserId);
    expect(calls.at(-1)?.payload).toMatchObject({
      show_alert: true,
      text: 'Sales of this card are paused right now. No money was taken; please try again later.',
    });
    await resumeSales(ctx, operator, { scope: 'all' });

    // 5.00 USD left at the vendor: not enough for a card that costs us 9.47.
    await ctx.db.insertInto('vendor_float').values({ book: 'live', currency: 'USD', balance_minor: 500n, requested_at: new Date() }).execute();
    try {
      await confirmSteam(agent.telegramUserId);
      expect(calls.at(-1)?.payload).toMatchObject({
        show_alert: true,
        text: 'Our supplier cannot fill this order right now. No money was taken; please try again later.',
      });
      await setAccountLanguage(ctx.db, agent.account.id, 'ar');
      await confirmSteam(agent.telegramUserId);
      expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'لا يستطيع مورّدنا تنفيذ هذا الطلب الآن. لم يُخصم أي مبلغ؛ يرجى المحاولة لاحقاً.' });
    } finally {
      await ctx.db.deleteFrom('vendor_float').execute();
    }
    expect(await ordersOf(agent.account.id)).toEqual([]);
    expect(await balance(ctx.db, agent.account)).toBe('100.00');
  });

  it('a sub-agent orders too; Arabic texts', async () => {
    const agent = await fundedAgent();
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    await fund(ctx.db, sub.account, '50.00');
    await setAccountLanguage(ctx.db, sub.account.id, 'ar');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(sub.telegramUserId, '/start'));
    expect(JSON.stringify(calls.at(-1)?.payload.reply_markup)).toContain('طلب بطاقات');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'o:new'));
    expect(lastText(calls)).toBe('أي بطاقة تريد؟');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'oc:0'));
    await bot.handleUpdate(textMessage(sub.telegramUserId, '10')); // more than the wallet holds: said at the summary
    expect(lastText(calls)).toContain('الرصيد لا يكفي لهذا الطلب: يلزم 50.00 USD إضافية.');
    expect(lastButtons(calls).map((button) => button.callback_data)).toContain('fr:new'); // a sub-agent asks its agent
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, '× 1')));
    expect(lastText(calls)).toContain('الإجمالي: 10.00 USD');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, 'تأكيد')));
    expect(lastText(calls)).toMatch(/^تم قبول الطلب ST-\d{6}/);
    const [order] = await ordersOf(sub.account.id);

    // Its agent sees the order (no codes, no reveal); another agent and the sub-agent itself cannot use that view.
    const agentView = startTestBot(ctx, store);
    await agentView.bot.handleUpdate(callbackQuery(agent.telegramUserId, `o:of:${sub.account.id}`));
    expect(lastText(agentView.calls)).toContain('1 × 10.00 USD · 10.00 USD · ⏳ accepted');
    await agentView.bot.handleUpdate(callbackQuery(agent.telegramUserId, `o:view:${order!.id}`));
    expect(lastText(agentView.calls)).not.toContain('••••');
    expect(JSON.stringify(agentView.calls.at(-1)?.payload.reply_markup)).not.toContain('o:rv:');
    await agentView.bot.handleUpdate(callbackQuery(agent.telegramUserId, `o:rv:${order!.id}:0`));
    expect(agentView.calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'No such order.' });
    const stranger = await fundedAgent();
    await agentView.bot.handleUpdate(callbackQuery(stranger.telegramUserId, `o:of:${sub.account.id}`));
    expect(agentView.calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'You can only act on your own direct sub-agents.' });
    await agentView.bot.handleUpdate(callbackQuery(stranger.telegramUserId, `o:view:${order!.id}`));
    expect(agentView.calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'No such order.' });
    await agentView.bot.handleUpdate(callbackQuery(sub.telegramUserId, `o:of:${agent.account.id}`));
    expect(String(agentView.calls.at(-1)?.payload.text)).toMatch(/صالح|valid/);
  });
});

/** Orders `quantity` Steam cards through the bot and returns the order id. */
async function orderSteam(bot: Bot<BotContext>, calls: RecordedCall[], user: number, quantity: number): Promise<string> {
  await bot.handleUpdate(callbackQuery(user, 'o:new'));
  await bot.handleUpdate(callbackQuery(user, 'oc:0'));
  await bot.handleUpdate(textMessage(user, String(quantity)));
  await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
  const number = /Order (ST-\d{6}) accepted/.exec(lastText(calls))?.[1];
  const row = await ctx.db
    .selectFrom('orders')
    .select('id')
    .where('number', '=', BigInt(number!.slice(3)))
    .executeTakeFirstOrThrow();
  return row.id;
}

async function runOrderToTheEnd(clock: ReturnType<typeof vendor>['clock']): Promise<void> {
  await runDueJobs(test, ctx, orderPlaceQueue);
  clock.advance(1500);
  await runDueJobs(test, ctx, orderPollQueue);
  await runDueJobs(test, ctx, orderEventsQueue);
}

describe('delivery and reveal', () => {
  it('one message per card, masked, once even when the event is delivered again; the buyer reveals, others cannot', async () => {
    const { clock } = vendor();
    const agent = await fundedAgent();
    const { bot, calls } = startTestBot(ctx, store);
    const orderId = await orderSteam(bot, calls, agent.telegramUserId, 2);
    await runOrderToTheEnd(clock);
    const event = {
      type: 'order.completed' as const,
      orderId,
      orderNumber: 'x',
      buyerId: agent.account.id,
      channel: 'telegram',
      clientReference: 'x',
      quantity: 2,
      cardsDelivered: 2,
      charged: '20.00',
      refunded: '0.00',
      currency: 'USD',
      failureReason: null,
    };
    await orderEvents(ctx).deliver(event); // a retried event job

    // Queued in one transaction (same creation time): compare in card order.
    const position = (message: { text: unknown }) => (message.text as { vars: { position: number } }).vars.position;
    const messages = (await queuedMessages(test.boss, agent.telegramUserId)).sort((a, b) => position(a) - position(b));
    expect(messages.map((message) => message.text)).toEqual([
      { key: 'order-card', vars: expect.objectContaining({ position: 1, quantity: 2, face: '10.00 USD', masked: expect.stringMatching(/^•••• \S{4}$/) }) },
      { key: 'order-card', vars: expect.objectContaining({ position: 2, quantity: 2 }) },
    ]);
    expect(messages.map((message) => message.buttons?.[0]?.[0]?.callbackData)).toEqual([`o:rv:${orderId}:0`, `o:rv:${orderId}:1`]);

    // Another user's forged reveal: refused, nothing revealed or audited.
    const other = await fundedAgent();
    await bot.handleUpdate(callbackQuery(other.telegramUserId, `o:rv:${orderId}:0`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'No such order.' });
    const audited = async () =>
      (await queryAuditLog(ctx.db, operator, { subject: { type: 'order', id: orderId } })).filter((row) => row.action === 'order.cards_revealed');
    expect(await audited()).toHaveLength(0);

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `o:rv:${orderId}:1`));
    const reveal = calls.filter((call) => call.method === 'sendMessage').at(-1)!;
    expect(reveal.payload).toMatchObject({ protect_content: true });
    const masked = (messages[1]!.text as unknown as { vars: { masked: string } }).vars.masked.slice(-4);
    expect(String(reveal.payload.text)).toMatch(new RegExp(`Code: \\S*${masked}\\n`));
    expect(String(reveal.payload.text)).toContain('deleted in 60 seconds');
    expect(await audited()).toHaveLength(1);
    // The messages are recorded for the order's timeline (once, despite the second delivery), never with a code.
    const recorded = await ctx.db.selectFrom('order_messages').selectAll().where('order_id', '=', orderId).orderBy('position').execute();
    expect(recorded.map(({ kind, card_index, chat_id, sent_at }) => ({ kind, card_index, chat_id, sent_at }))).toEqual([
      { kind: 'card', card_index: 0, chat_id: String(agent.telegramUserId), sent_at: null },
      { kind: 'card', card_index: 1, chat_id: String(agent.telegramUserId), sent_at: null },
    ]);
    const code = /Code: (\S+)/.exec(String(reveal.payload.text))![1]!;
    expect(JSON.stringify(recorded, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(code);

    // Reveal again from My orders (audited again).
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'o:list'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `o:view:${orderId}`));
    expect(lastText(calls)).toContain(`Card 2: •••• ${masked}`);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Reveal 2')));
    expect(calls.filter((call) => call.method === 'sendMessage').at(-1)?.payload).toMatchObject({ protect_content: true, text: reveal.payload.text });
    expect(await audited()).toHaveLength(2);

    // The deletion job: scheduled 60 s later for that message, and it deletes it.
    const [job] = await test.boss.findJobs<{ chatId: string; messageId: number }>(telegramDeleteWorker.name, {
      data: { chatId: String(agent.telegramUserId) },
    });
    expect(job!.data.messageId).toBeGreaterThan(0);
    expect(job!.startAfter.getTime() - Date.now()).toBeGreaterThan(55_000);
    const deleted: unknown[] = [];
    const withGateway = {
      ...ctx,
      telegram: {
        send: async () => ({ chatId: '', messageId: 0 }),
        editMessage: async () => {},
        deleteMessage: async (chatId: string, messageId: number) => void deleted.push([chatId, messageId]),
      },
    };
    await telegramDeleteWorker.handle(withGateway, job!.data, { id: job!.id, retryCount: 0, signal: new AbortController().signal });
    expect(deleted).toEqual([[String(agent.telegramUserId), job!.data.messageId]]);
  });

  it('a partly failed order says what was refunded; a failed one too', async () => {
    const { simulator, clock } = vendor();
    const agent = await fundedAgent();
    const { bot, calls } = startTestBot(ctx, store);
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 2 });
    await orderSteam(bot, calls, agent.telegramUserId, 3);
    await runOrderToTheEnd(clock);
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    await orderSteam(bot, calls, agent.telegramUserId, 1);
    await runOrderToTheEnd(clock);
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);
    const texts = (await queuedMessages(test.boss, agent.telegramUserId)).map((message) => message.text);
    expect(texts).toHaveLength(3); // queued in one transaction each: no order among them
    expect(texts).toEqual(
      expect.arrayContaining([
        { key: 'order-card', vars: expect.objectContaining({ position: 1, quantity: 3 }) },
        { key: 'order-partly-delivered', vars: expect.objectContaining({ delivered: 1, quantity: 3, refunded: '20.00 USD' }) },
        { key: 'order-failed', vars: expect.objectContaining({ refunded: '10.00 USD' }) },
      ]),
    );
    expect(await balance(ctx.db, agent.account)).toBe('90.00');

    // Telegram takes them; an admin's /order shows what the buyer was sent (events sent), per kind.
    let messageId = 0;
    const gateway = {
      send: async () => ({ chatId: String(agent.telegramUserId), messageId: (messageId += 1) }),
      editMessage: async () => {},
      deleteMessage: async () => {},
    };
    await runDueJobs(test, { ...ctx, telegram: gateway }, telegramSendQueue);
    const admin = await makeAdmin(ctx);
    const partial = await ctx.db
      .selectFrom('orders')
      .select('number')
      .where('buyer_id', '=', agent.account.id)
      .where('quantity', '=', 3)
      .executeTakeFirstOrThrow();
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/order ${formatOrderNumber(partial.number)}`));
    expect(lastText(calls)).toContain('telegram card (sent) ×1');
    expect(lastText(calls)).toContain('telegram partly_delivered (sent) ×1');
  });
});
