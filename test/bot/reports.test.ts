// Reports as files (docs/bot-flows.md, Reports): a month's statement and an agent's sub-agents'
// orders with the share each earned, as CSV documents in the chat; and the monthly statement
// message after a month ends (the reports.monthly-statements job), once per account and month.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import type { AppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { monthOf, nextMonth } from '../../src/domain/month.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { announceMonthlyStatements, statementCsv, subAgentOrdersCsv } from '../../src/domain/reports/monthly-reports.ts';
import { monthlyStatementsQueue } from '../../src/domain/reports/queues.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { domainEventSinks } from '../../src/main.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { expectDomainError, expectLedgerConsistent, fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { buttonData, callbackQuery, lastButtons } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const test = await createTestContext({ ports: { orderEvents, eventSinks: domainEventSinks } });
const { ctx } = test;
const store = newStore(ctx);
const month = monthOf(new Date()).label;

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await saveCardList(ctx.db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
const agentPlan = await createPricePlan(ctx.db, operator, { name: 'reports agents 4%', defaultDiscountBps: 400 });

const rowsOf = (content: string) => parse(content, { columns: true }) as Record<string, string>[];

/** An agent (4 % plan) and a sub-agent whose name is a spreadsheet formula; the sub-agent buys two cards through the bot. */
async function agentWithOrders() {
  const agent = await makeBotAccount(ctx, 'agent', { name: 'Amal' });
  await assignPricePlan(ctx.db, operator, { accountId: agent.account.id }, agentPlan.id);
  await fund(ctx.db, agent.account, '40.00');
  const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: '=HYPERLINK("http://evil.example","x")' });
  await fund(ctx.db, sub.account, '50.00');
  const mounted = mountSimulator({ rateLimits: false });
  ctx.vendor = simulatorClient({ clock: mounted.clock });
  const { bot, calls } = startTestBot(ctx, store);
  await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'o:new'));
  await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'oc:0'));
  await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, '× 2')));
  await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, 'Confirm')));
  await runDueJobs(test, ctx, orderPlaceQueue);
  mounted.clock.advance(1500);
  await runDueJobs(test, ctx, orderPollQueue);
  await runDueJobs(test, ctx, orderEventsQueue);
  const [order] = await ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', sub.account.id).execute();
  expect(order).toMatchObject({ status: 'completed', total_minor: 2000n, revenue_share_unit_minor: 40n });
  await expectOrderMoneyConserved(ctx.db, [order!.id]);
  return { agent, sub, bot, calls, order: order! };
}

describe('reports as files', () => {
  it('the statement and the sub-agents’ orders as CSV documents from the statement screen; the figures add up', async () => {
    const { agent, sub, bot, calls } = await agentWithOrders();
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `w:st:${month}`));
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(expect.arrayContaining([`w:csv:${month}`, `w:subs:${month}`]));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `w:csv:${month}`));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `w:subs:${month}`));
    expect(calls.filter((call) => call.method === 'sendDocument')).toHaveLength(2);

    // What the documents hold (the handlers send what these make).
    const statement = await statementCsv(ctx.db, accountActor(sub.account.id, 'telegram'), sub.account.id, month);
    expect(statement.filename).toBe(`statement-${month}.csv`);
    const lines = rowsOf(statement.content);
    expect(lines[0]).toMatchObject({ kind: 'opening_balance', amount: '0.00', currency: 'USD' });
    expect(lines.at(-1)).toMatchObject({ kind: 'closing_balance', amount: '30.00' });
    const movements = lines.slice(1, -1);
    expect(movements.map((line) => line.kind)).toEqual(['topup', 'order_hold']);
    const cents = (value: string) => Math.round(Number(value) * 100);
    expect(movements.reduce((sum, line) => sum + cents(line.amount!), 0)).toBe(3000);
    expect(movements.find((line) => line.kind === 'order_hold')).toMatchObject({ amount: '-20.00', order: expect.stringMatching(/^ST-\d{6}$/) });

    const orders = await subAgentOrdersCsv(ctx.db, accountActor(agent.account.id, 'telegram'), month);
    const [row] = rowsOf(orders.content);
    expect(row).toMatchObject({ quantity: '2', delivered: '2', unit_price: '10.00', total: '20.00', status: 'completed', earned_share: '0.80' });
    // A name that looks like a formula is quoted out of it.
    expect(row!.sub_agent).toBe(`'=HYPERLINK("http://evil.example","x")`);
    await expectLedgerConsistent(ctx.db);
  });

  it('a sub-agent has no sub-agents’ report; no one reads another’s statement; Arabic captions', async () => {
    const { agent, sub, bot, calls } = await agentWithOrders();
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, `w:st:${month}`));
    expect(lastButtons(calls).map((button) => button.callback_data)).not.toContain(`w:subs:${month}`);
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, `w:subs:${month}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'You are not allowed to do this.' });
    const stranger = await makeBotAccount(ctx, 'agent');
    await expectDomainError(statementCsv(ctx.db, accountActor(stranger.account.id, 'telegram'), agent.account.id, month), 'not_direct_child');
    // Its agent may read the sub-agent's statement (direct child), in Arabic.
    await setAccountLanguage(ctx.db, sub.account.id, 'ar');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, `w:csv:${month}`));
    expect(calls.filter((call) => call.method === 'sendDocument')).toHaveLength(1);
    expect(rowsOf((await statementCsv(ctx.db, accountActor(agent.account.id, 'telegram'), sub.account.id, month)).content).at(-1)?.amount).toBe('30.00');
  });

  it('after a month ends every agent and sub-agent with activity gets its statement once, with the CSV button', async () => {
    const { agent, sub } = await agentWithOrders();
    const quiet = await makeBotAccount(ctx, 'agent');
    const after = nextMonth(monthOf(new Date())).start;
    await expectDomainError(announceMonthlyStatements(ctx, month), 'month_not_over');
    const first = await announceMonthlyStatements(ctx, month, after);
    expect(first.announced).toBeGreaterThanOrEqual(2);
    expect((await announceMonthlyStatements(ctx, month, after)).announced).toBe(0); // a re-run sends nothing twice

    const statements = async (telegramUserId: number) =>
      (await queuedMessages(test.boss, telegramUserId)).filter((message) => 'key' in message.text && message.text.key === 'monthly-statement');
    expect(await statements(agent.telegramUserId)).toEqual([
      expect.objectContaining({
        text: { key: 'monthly-statement', vars: expect.objectContaining({ month, opening: '0.00 USD', credits: '40.00 USD', closing: '40.00 USD' }) },
        buttons: [[expect.objectContaining({ callbackData: `w:csv:${month}` }), expect.objectContaining({ callbackData: 'm:home' })]],
      }),
    ]);
    expect(await statements(sub.telegramUserId)).toEqual([
      expect.objectContaining({ text: { key: 'monthly-statement', vars: expect.objectContaining({ orders: '-20.00 USD', closing: '30.00 USD' }) } }),
    ]);
    expect(await statements(quiet.telegramUserId)).toEqual([]);

    // The scheduled job runs for the month that ended (nothing happened in it here).
    const { boundQueue } = await import('../../src/jobs/queues.ts');
    const worker = boundQueue(monthlyStatementsQueue);
    expect(monthlyStatementsQueue.schedule?.cron).toBe('30 6 1 * *');
    const result = await worker.handle(ctx, worker.payload.parse({}), { id: 'job', retryCount: 0, signal: new AbortController().signal });
    expect(result).toEqual({ month: monthOf(new Date(monthOf(new Date()).start.getTime() - 1)).label, announced: 0 });
  });
});
