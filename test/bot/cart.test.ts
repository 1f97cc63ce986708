// The bot's cart (docs/bot-flows.md, Ordering): after a card, value and quantity the agent adds
// another card or confirms; the summary lists every item with the total and the balance after; one
// Confirm places the whole cart (all items held or none), and each item is delivered as its own
// order. Through bot.handleUpdate with the recording fetch, against the Bamboo simulator (msw).
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { buttonData, callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const test = await createTestContext({ ports: { orderEvents } });
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
  ],
  { maxEntries: 10 },
);

const ordersOf = (buyerId: string) => ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', buyerId).orderBy('group_position').execute();
const cartsOf = (buyerId: string) => ctx.db.selectFrom('order_groups').selectAll().where('buyer_id', '=', buyerId).execute();

async function fundedAgent(amount: string) {
  const agent = await makeBotAccount(ctx, 'agent');
  await fund(ctx.db, agent.account, amount);
  return agent;
}

describe('the cart in the bot', () => {
  it('two cards in one cart: each item on the summary with the total and balance after; one Confirm; each item delivered as its own order', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const agent = await fundedAgent('200.00');
    const user = agent.telegramUserId;
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(user, '6'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Add another card')));
    expect(lastText(calls)).toBe('Which card do you want to add to the cart?');
    expect(lastButtons(calls).map((button) => button.text)).toContain('🧺 Review cart (1)');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.range}`)));
    await bot.handleUpdate(textMessage(user, '25.50'));
    expect(lastText(calls)).toBe(
      [
        'Please check your cart:',
        `1. Product ${SIM_PRODUCTS.steam10} · 10.00 USD × 6 = 60.00 USD`,
        `2. Product ${SIM_PRODUCTS.range} · 25.50 USD × 1 = 25.50 USD`,
        'Total: 85.50 USD',
        'Balance now: 200.00 USD',
        'Balance after: 114.50 USD',
        '',
        'The × buttons change card 2.',
      ].join('\n'),
    );
    // The quantity buttons change the last item.
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '× 3')));
    expect(lastText(calls)).toContain(`2. Product ${SIM_PRODUCTS.range} · 25.50 USD × 3 = 76.50 USD`);
    expect(lastText(calls)).toContain('Balance after: 63.50 USD');
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQuery(user, confirm));
    expect(lastText(calls)).toMatch(/^Cart SC-\d{6} accepted: 2 orders \(ST-\d{6}, ST-\d{6}\), 136\.50 USD\./);
    await bot.handleUpdate(callbackQuery(user, confirm)); // double tap
    expect(calls.at(-1)?.payload.text).toContain('no longer valid');

    const [cart] = await cartsOf(agent.account.id);
    expect(cart).toMatchObject({ channel: 'telegram', client_reference: `tg:${confirm.split(':')[2]}`, total_minor: 13_650n, item_count: 2 });
    const orders = await ordersOf(agent.account.id);
    expect(orders.map((order) => [order.group_id, order.quantity, order.total_minor])).toEqual([
      [cart!.id, 6, 6000n],
      [cart!.id, 3, 7650n],
    ]);
    expect(await balance(ctx.db, agent.account)).toBe('63.50');

    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    await runDueJobs(test, ctx, orderEventsQueue);
    // Each item's cards arrive as its own order's: the six cards of the first as one Cards CSV
    // message (a many-card order), the three of the second one message each.
    const messages = (await queuedMessages(test.boss, user)).map((message) => JSON.stringify(message.text));
    const numbers = orders.map((order) => `ST-${String(order.number).padStart(6, '0')}`);
    expect(messages.filter((text) => text.includes(numbers[0]!))).toEqual([expect.stringContaining('order-cards-many')]);
    expect(messages.filter((text) => text.includes(numbers[1]!))).toHaveLength(3);
    await expectOrderMoneyConserved(
      ctx.db,
      orders.map((order) => order.id),
    );
  });

  it('short funds are told at the cart summary; Review cart goes back without another card; the one-item path places a single order', async () => {
    const agent = await fundedAgent('30.00');
    const user = agent.telegramUserId;
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '× 2')));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Add another card')));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '× 2')));
    expect(lastText(calls)).toContain('Total: 40.00 USD');
    expect(lastText(calls)).toContain('Not enough funds for this order: 10.00 USD more is needed.');
    expect(lastButtons(calls).some((button) => button.callback_data?.startsWith('or:ok:'))).toBe(false);
    // A forged Confirm is refused by the domain, for the whole cart.
    const forged = buttonData(calls, 'Cancel').replace('or:drop:', 'or:ok:');
    await bot.handleUpdate(callbackQuery(user, forged));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'Not enough funds: the balance is 30.00 USD.' });
    expect(await ordersOf(agent.account.id)).toEqual([]);
    expect(await cartsOf(agent.account.id)).toEqual([]);

    const again = startTestBot(ctx, store);
    await again.bot.handleUpdate(callbackQuery(user, 'o:new'));
    await again.bot.handleUpdate(callbackQuery(user, buttonData(again.calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await again.bot.handleUpdate(callbackQuery(user, buttonData(again.calls, 'Add another card')));
    await again.bot.handleUpdate(callbackQuery(user, buttonData(again.calls, 'Review cart (1)')));
    expect(lastText(again.calls)).toContain('Please check your order:');
    await again.bot.handleUpdate(callbackQuery(user, buttonData(again.calls, 'Confirm')));
    expect(lastText(again.calls)).toMatch(/^Order ST-\d{6} accepted: 1 × /);
    expect(await cartsOf(agent.account.id)).toEqual([]);
    const orders = await ordersOf(agent.account.id);
    expect(orders.map((order) => order.group_id)).toEqual([null]);
    expect(await balance(ctx.db, agent.account)).toBe('20.00');
    await expectOrderMoneyConserved(
      ctx.db,
      orders.map((order) => order.id),
    );
  });

  it('in Arabic, and a restart in the middle of the cart keeps its items', async () => {
    const agent = await fundedAgent('100.00');
    await setAccountLanguage(ctx.db, agent.account.id, 'ar');
    const user = agent.telegramUserId;
    const before = startTestBot(ctx, store);
    await before.bot.handleUpdate(callbackQuery(user, 'o:new'));
    await before.bot.handleUpdate(callbackQuery(user, buttonData(before.calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await before.bot.handleUpdate(callbackQuery(user, buttonData(before.calls, 'أضف بطاقة أخرى')));
    expect(lastText(before.calls)).toBe('أي بطاقة تريد إضافتها إلى السلة؟');

    const after = startTestBot(ctx, store); // a new process in the middle of the cart
    await after.bot.handleUpdate(callbackQuery(user, buttonData(before.calls, `Product ${SIM_PRODUCTS.range}`)));
    await after.bot.handleUpdate(textMessage(user, '12'));
    expect(lastText(after.calls)).toContain('يرجى مراجعة سلتك:');
    expect(lastText(after.calls)).toContain(`1. Product ${SIM_PRODUCTS.steam10} · 10.00 USD × 1 = 10.00 USD`);
    expect(lastText(after.calls)).toContain('الإجمالي: 22.00 USD');
    await after.bot.handleUpdate(callbackQuery(user, buttonData(after.calls, 'تأكيد')));
    expect(lastText(after.calls)).toMatch(/^تم قبول السلة SC-\d{6}: 2 طلبات/);
    const orders = await ordersOf(agent.account.id);
    expect(orders.map((order) => order.face_minor)).toEqual([1000n, 1200n]);
    expect(await balance(ctx.db, agent.account)).toBe('78.00');
    await expectOrderMoneyConserved(
      ctx.db,
      orders.map((order) => order.id),
    );
  });
});
