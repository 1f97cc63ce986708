// Buyers see the queue in Telegram (docs/orders.md, Buyers see the queue): while an agent's order
// waits for a checkout turn, the message that accepted it shows its place and an estimate, edited
// in place (at most every 10 s, only when the text changed), then "being bought", then "finished";
// a message whose order never waited is never edited. Through bot.handleUpdate with the recording
// fetch (a restart before Confirm), the `order.queue-messages` job run by hand, the planner's turn
// closed and opened by hand, against the Bamboo simulator (msw).
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { placeWithVendor } from '../../src/domain/orders/fulfilment.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { orderQueueMessagesWorker } from '../../src/jobs/handlers/telegram.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { TelegramPermanentError } from '../../src/notifications/telegram.ts';
import type { RateLimiter } from '../../src/shared-state/types.ts';
import { money } from '../../src/shared/money.ts';
import { createTelegramGateway } from '../../bot/notifier.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import { gatedVendor, mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { orderCallbacks } from '../../bot/features/orders.callbacks.ts';
import { BOT_TOKEN, buttonData, callbackQuery, lastText, recordingFetch, textMessage, type RecordedCall } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
/** What the job's edits send to Telegram (the bot's own replies are recorded by each test bot). */
const edits = recordingFetch();
const telegram = createTelegramGateway({ token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', fetch: edits.fetch });
const test = await createTestContext({ ports: { orderEvents, telegram } });
const { ctx } = test;
const store = newStore(ctx);

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(ctx.db, { id: SIM_PRODUCTS.itunes100, minFace: 10_000n, costMin: 9_500n });
await saveCardList(
  ctx.db,
  operator,
  [
    { productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] },
    { productId: BigInt(SIM_PRODUCTS.itunes100), denominations: [10_000n] },
  ],
  { maxEntries: 10 },
);

/** Telegram's flood limits never in the way here (their own tests are elsewhere). */
const unlimited: RateLimiter = { consume: async () => ({ allowed: true, remaining: 1, retryAfterMs: 0 }), block: async () => {} };

/** The context's vendor, except that the planner's turn is given only while `gate.open` (or for `gate.openFor`). */
function gated(gate: { open: boolean; openFor?: number }): AppContext {
  const vendor = gatedVendor(ctx.vendor, (productId) => gate.open || productId === gate.openFor);
  return { ...ctx, vendor, telegramLimiters: { chat: unlimited, global: unlimited } };
}

/** Another buyer's order of the product, told to wait for its checkout turn. */
async function waitingOrder(gateCtx: AppContext, productId: number, face: bigint): Promise<string> {
  const other = await makeBotAccount(ctx, 'agent');
  await fund(ctx.db, other.account, '500.00');
  const { order } = await createOrder(ctx, {
    buyerId: other.account.id,
    actor: accountActor(other.account.id, 'api'),
    clientReference: `other-${other.telegramUserId}`,
    productId,
    face: money(face, 'USD'),
    quantity: 1,
  });
  expect(await placeWithVendor(gateCtx, order.id)).toBe('waiting_for_checkout');
  return order.id;
}

/** Runs the queue-messages job once, as if each message had last been edited `editedSecondsAgo` ago. */
async function runQueueMessages(gateCtx: AppContext, options: { editedSecondsAgo?: number } = {}) {
  if (options.editedSecondsAgo !== undefined) {
    await ctx.db
      .updateTable('order_status_messages')
      .set({ edited_at: new Date(Date.now() - options.editedSecondsAgo * 1000) })
      .execute();
  }
  const before = edits.calls.length;
  // The job's own run, now (the next one it queued is for 5 s later).
  await orderQueueMessagesWorker.handle(gateCtx, {}, { id: 'now', retryCount: 0, signal: new AbortController().signal });
  return edits.calls.slice(before).filter((call) => call.method === 'editMessageText');
}

const messageIdOf = (calls: RecordedCall[]) => Number(calls.filter((call) => call.method === 'editMessageText').at(-1)?.payload.message_id);
const ordersOf = (buyerId: string) => ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', buyerId).orderBy('group_position').execute();

describe('the queue in the agent’s order message', () => {
  it('waiting: place and estimate edited in place, throttled; then being bought; then finished once', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const gate = { open: false };
    const gateCtx = gated(gate);
    const ahead = [await waitingOrder(gateCtx, SIM_PRODUCTS.steam10, 1000n), await waitingOrder(gateCtx, SIM_PRODUCTS.steam10, 1000n)];

    const agent = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, agent.account, '100.00');
    const user = agent.telegramUserId;
    const first = startTestBot(ctx, store);
    await first.bot.handleUpdate(callbackQuery(user, 'o:new'));
    await first.bot.handleUpdate(callbackQuery(user, buttonData(first.calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await first.bot.handleUpdate(textMessage(user, '2'));
    const confirm = buttonData(first.calls, 'Confirm');
    // A restart before Confirm: the new process records the accepted message all the same.
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(user, confirm, 4242));
    const accepted = messageIdOf(calls);
    expect(accepted).toBe(4242);
    const [order] = await ordersOf(agent.account.id);
    const number = `ST-${String(order!.number).padStart(6, '0')}`;
    const title = `Order ${number} accepted: 2 × Product ${SIM_PRODUCTS.steam10} 10.00 USD, `;

    // Its product's orders wait: it waits behind them (third), shown as soon as the message is recorded.
    const [waiting] = await runQueueMessages(gateCtx);
    expect(waiting?.payload).toMatchObject({ chat_id: user, message_id: accepted });
    const text = String(waiting?.payload.text);
    expect(text.startsWith(title)).toBe(true);
    expect(text.split('\n')[1]).toBe(`⏳ ${number}: number 3 in the queue for this card, ready in about 1 min.`);
    // The Menu button stays under it.
    expect(waiting?.payload.reply_markup).toEqual({ inline_keyboard: [[{ text: '⬅️ Menu', callback_data: 'm:home' }]] });
    // The order's screen ("My orders") says the same.
    await bot.handleUpdate(callbackQuery(user, orderCallbacks.view.build({ orderId: order!.id })));
    expect(lastText(calls).split('\n')[1]).toBe(`⏳ ${number}: number 3 in the queue for this card, ready in about 1 min.`);
    // Its place job is told to wait too (bought with the two before it). The same text is not
    // sent again, and a changed one waits for the throttle.
    await runDueJobs(test, gateCtx, orderPlaceQueue);
    expect(await ctx.db.selectFrom('orders').select('status').where('id', '=', order!.id).executeTakeFirstOrThrow()).toEqual({ status: 'pending' });
    expect(await runQueueMessages(gateCtx, { editedSecondsAgo: 11 })).toEqual([]);
    await ctx.db.updateTable('orders').set({ status: 'failed', failure_reason: 'test' }).where('id', '=', ahead[0]!).execute();
    expect(await runQueueMessages(gateCtx, { editedSecondsAgo: 3 })).toEqual([]);
    const [moved] = await runQueueMessages(gateCtx, { editedSecondsAgo: 11 });
    expect(String(moved?.payload.text).split('\n')[1]).toBe(`⏳ ${number}: number 2 in the queue for this card, ready in about 1 min.`);
    await ctx.db.updateTable('orders').set({ status: 'pending', failure_reason: null }).where('id', '=', ahead[0]!).execute();

    // The turn comes: all three in one vendor order; the message says it is being bought.
    gate.open = true;
    await ctx.jobs.enqueue(orderPlaceQueue, { orderId: ahead[0]! });
    await runDueJobs(test, gateCtx, orderPlaceQueue);
    expect(await ctx.db.selectFrom('orders').select('status').where('id', '=', order!.id).executeTakeFirstOrThrow()).toEqual({ status: 'processing' });
    const [buying] = await runQueueMessages(gateCtx, { editedSecondsAgo: 11 });
    expect(String(buying?.payload.text).split('\n')[1]).toBe(`🛒 ${number}: being bought now; your cards arrive here in a moment.`);

    // Finished: said once, at once (no throttle), then the message is closed.
    clock.advance(1500);
    await runDueJobs(test, gateCtx, orderPollQueue);
    await runDueJobs(test, gateCtx, orderEventsQueue);
    const [finished] = await runQueueMessages(gateCtx);
    expect(String(finished?.payload.text)).toBe(`${text.split('\n')[0]}\n✅ ${number}: finished; see the messages below.`);
    expect(await runQueueMessages(gateCtx, { editedSecondsAgo: 60 })).toEqual([]);
    const [row] = await ctx.db.selectFrom('order_status_messages').selectAll().where('message_id', '=', accepted).execute();
    expect(row?.closed_at).not.toBeNull();
    await expectOrderMoneyConserved(ctx.db, [order!.id, ...ahead]);
  });

  it('a cart in Arabic lists each item; an order that never waited leaves its message as it was', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const gateCtx = gated({ open: false, openFor: SIM_PRODUCTS.steam10 });
    await waitingOrder(gateCtx, SIM_PRODUCTS.itunes100, 10_000n);

    const agent = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, agent.account, '300.00');
    await setAccountLanguage(ctx.db, agent.account.id, 'ar');
    const user = agent.telegramUserId;
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(user, '1'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'أضف بطاقة أخرى')));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Product ${SIM_PRODUCTS.itunes100}`)));
    await bot.handleUpdate(textMessage(user, '1'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'تأكيد'), 5151));
    const [steam, itunes] = await ordersOf(agent.account.id);
    const numbers = [steam, itunes].map((item) => `ST-${String(item!.number).padStart(6, '0')}`);

    // The steam card goes at once (its product has nobody waiting); the iTunes card waits second.
    await runDueJobs(test, gateCtx, orderPlaceQueue);
    const [edit] = await runQueueMessages(gateCtx);
    expect(edit?.payload.message_id).toBe(5151);
    const lines = String(edit?.payload.text).split('\n');
    expect(lines[0]).toMatch(/^تم قبول السلة SC-\d{6}: 2 طلبات/);
    expect(lines.slice(1)).toEqual([
      `🛒 ${numbers[0]}: جارٍ الشراء الآن؛ ستصلك البطاقات هنا خلال لحظات.`,
      `⏳ ${numbers[1]}: رقم 2 في قائمة الانتظار لهذه البطاقة، جاهز خلال 1 دقيقة تقريبًا.`,
    ]);

    // A single order whose product nobody waits for: bought at once, its message never edited, then closed.
    const solo = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, solo.account, '50.00');
    const soloBot = startTestBot(ctx, store);
    await soloBot.bot.handleUpdate(callbackQuery(solo.telegramUserId, 'o:new'));
    await soloBot.bot.handleUpdate(callbackQuery(solo.telegramUserId, buttonData(soloBot.calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await soloBot.bot.handleUpdate(textMessage(solo.telegramUserId, '1'));
    await soloBot.bot.handleUpdate(callbackQuery(solo.telegramUserId, buttonData(soloBot.calls, 'Confirm'), 6161));
    await runDueJobs(test, gateCtx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, gateCtx, orderPollQueue);
    const soloEdits = (await runQueueMessages(gateCtx, { editedSecondsAgo: 60 })).filter((call) => call.payload.message_id === 6161);
    expect(soloEdits).toEqual([]);
    const [soloOrder] = await ordersOf(solo.account.id);
    expect(soloOrder?.status).toBe('completed');
    const [soloRow] = await ctx.db.selectFrom('order_status_messages').selectAll().where('message_id', '=', 6161).execute();
    expect(soloRow).toMatchObject({ shown: null });
    expect(soloRow?.closed_at).not.toBeNull();
  });

  it('a message Telegram no longer has (the agent deleted it) is closed, not tried again', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const gateCtx = gated({ open: false });
    await waitingOrder(gateCtx, SIM_PRODUCTS.steam10, 1000n);
    const agent = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, agent.account, '50.00');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'o:new'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, `Product ${SIM_PRODUCTS.steam10}`)));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '1'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Confirm'), 7171));
    let tries = 0;
    const gone = async () => {
      tries += 1;
      throw new TelegramPermanentError('Bad Request: message to edit not found');
    };
    const goneCtx = { ...gateCtx, telegram: { ...telegram, editMessage: gone } };
    await orderQueueMessagesWorker.handle(goneCtx, {}, { id: 'gone', retryCount: 0, signal: new AbortController().signal });
    await orderQueueMessagesWorker.handle(goneCtx, {}, { id: 'gone-again', retryCount: 0, signal: new AbortController().signal });
    expect(tries).toBe(1);
    const [row] = await ctx.db.selectFrom('order_status_messages').selectAll().where('message_id', '=', 7171).execute();
    expect(row?.closed_at).not.toBeNull();
  });
});
