// Agents set their sub-agents' margins within the admins' bounds (docs/bot-flows.md, Margins): a
// markup on the agent's own price, previewed before Confirm, priced by `priceCard` for the card
// list and the order alike; the agent's revenue share is the markup, and the money adds up.
import { describe, expect, it } from 'vitest';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import type { AppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { monthOf } from '../../src/domain/month.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { setMarginBounds, setSubAgentMargin } from '../../src/domain/pricing/margins.ts';
import { assignPricePlan, catalogPrices, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { accruedRevenueShare } from '../../src/domain/revenue-share/revenue-share.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount } from '../../src/shared/money.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectDomainError, fund, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';

const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const test = await createTestContext({ ports: { orderEvents } });
const { ctx } = test;
const store = newStore(ctx);
const orderFee = { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY };

await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await saveCardList(ctx.db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
// docs/product.md worked example: the agent's plan is 4 % off (9.60 for a 10.00 card).
const agentPlan = await createPricePlan(ctx.db, operator, { name: 'agents 4%', defaultDiscountBps: 400 });

async function agentWithSub() {
  const agent = await makeBotAccount(ctx, 'agent', { name: 'Amal' });
  await assignPricePlan(ctx.db, operator, { accountId: agent.account.id }, agentPlan.id);
  const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Sami' });
  await fund(ctx.db, sub.account, '50.00');
  return { agent, sub };
}

const subPrice = async (subId: string) =>
  formatAmount((await catalogPrices(ctx.db, { accountId: subId, productIds: [SIM_PRODUCTS.steam10], orderFee }))[0]!.minPrice);

describe('sub-agent margins', () => {
  it('the agent sets a margin within the bounds, sees it before confirming; the sub-agent’s order is priced by it and the agent earns it', async () => {
    await setMarginBounds(ctx.db, operator, { minBps: 0, maxBps: 1000 });
    const { agent, sub } = await agentWithSub();
    const { bot, calls } = startTestBot(ctx, store);
    const user = agent.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, `net:sub:${sub.account.id}`));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Margin')));
    expect(lastText(calls)).toBe(
      "Margin of Sami: now the price plan's price.\nType a markup on your own price, in percent from 0 to 10 (for example 2.5), or - to use the price plan again.",
    );
    await bot.handleUpdate(textMessage(user, '12'));
    expect(lastText(calls)).toBe('Type a percent from 0 to 10 (for example 2.5), or -.');
    await bot.handleUpdate(textMessage(user, '2.5'));
    expect(lastText(calls)).toBe(
      `Set Sami's margin to 2.5% on your price? Per card:\nProduct ${SIM_PRODUCTS.steam10} 10.00 USD: you pay 9.60 USD · they pay 9.84 USD · you earn 0.24 USD`,
    );
    expect(await subPrice(sub.account.id)).toBe('10.00'); // nothing changes before Confirm
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
    expect(lastText(calls)).toBe("Saved: Sami's prices follow the new margin from the next order.");
    expect(await subPrice(sub.account.id)).toBe('9.84'); // the card list's price…
    const audits = await queryAuditLog(ctx.db, operator, { subject: { type: 'account', id: sub.account.id } });
    expect(audits.filter((row) => row.action === 'pricing.sub_agent_margin_set')).toEqual([
      expect.objectContaining({ actor_account_id: agent.account.id, before: { markupBps: null }, after: { markupBps: 250 } }),
    ]);

    // …is the order's: the sub-agent sees 9.84 at the summary and is charged it; the agent earns 0.24.
    const mounted = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock: mounted.clock });
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'o:new'));
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'oc:0'));
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, '× 2')));
    expect(lastText(calls)).toContain('Price per card: 9.84 USD');
    expect(lastText(calls)).toContain('Total: 19.68 USD');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, buttonData(calls, 'Confirm')));
    await runDueJobs(test, ctx, orderPlaceQueue);
    mounted.clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    await runDueJobs(test, ctx, orderEventsQueue);
    const [order] = await ctx.db.selectFrom('orders').selectAll().where('buyer_id', '=', sub.account.id).execute();
    expect(order).toMatchObject({ status: 'completed', unit_price_minor: 984n, total_minor: 1968n, revenue_share_unit_minor: 24n });
    expect(await balance(ctx.db, sub.account)).toBe('30.32');
    expect(formatAmount(await accruedRevenueShare(ctx.db, agent.account.id, monthOf(new Date()).label))).toBe('0.48');
    await expectOrderMoneyConserved(ctx.db, [order!.id]);

    // The admins narrow the bounds: the margin is priced at the nearest bound from then on.
    await setMarginBounds(ctx.db, operator, { minBps: 0, maxBps: 100 });
    expect(await subPrice(sub.account.id)).toBe('9.70');
    await setMarginBounds(ctx.db, operator, { minBps: 0, maxBps: 1000 });

    // `-`: back to the sub-agent's plan (none: face value), previewed the same way.
    await bot.handleUpdate(callbackQuery(user, `mg:set:${sub.account.id}`));
    expect(lastText(calls)).toContain('Margin of Sami: now 2.5%.');
    await bot.handleUpdate(textMessage(user, '-'));
    expect(lastText(calls)).toBe(
      `Price Sami by the price plan again? Per card:\nProduct ${SIM_PRODUCTS.steam10} 10.00 USD: you pay 9.60 USD · they pay 10.00 USD · you earn 0.40 USD`,
    );
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Confirm')));
    expect(await subPrice(sub.account.id)).toBe('10.00');
  });

  it('only the agent, only its own sub-agents, only within the bounds; in Arabic too', async () => {
    await setMarginBounds(ctx.db, operator, { minBps: 100, maxBps: 500 });
    const { agent, sub } = await agentWithSub();
    const other = await agentWithSub();
    const { bot, calls } = startTestBot(ctx, store);
    // Another agent's forged button, and the domain asked directly.
    await bot.handleUpdate(callbackQuery(other.agent.telegramUserId, `mg:set:${sub.account.id}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'You can only act on your own direct sub-agents.' });
    await expectDomainError(setSubAgentMargin(ctx.db, accountActor(other.agent.account.id, 'telegram'), sub.account.id, 200), 'not_direct_child');
    await expectDomainError(setSubAgentMargin(ctx.db, accountActor(sub.account.id, 'telegram'), sub.account.id, 200), 'forbidden');
    await expectDomainError(setSubAgentMargin(ctx.db, accountActor(agent.account.id, 'telegram'), sub.account.id, 50), 'margin_out_of_bounds');
    await expectDomainError(setMarginBounds(ctx.db, accountActor(agent.account.id, 'telegram'), { minBps: 0, maxBps: 5000 }), 'forbidden');
    await expectDomainError(setMarginBounds(ctx.db, operator, { minBps: 600, maxBps: 500 }), 'margin_out_of_bounds');
    // A sub-agent has no margin button: a forged one is stale.
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, `mg:set:${sub.account.id}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: expect.stringContaining('no longer valid') });

    await setAccountLanguage(ctx.db, agent.account.id, 'ar');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `mg:set:${sub.account.id}`));
    expect(lastText(calls)).toContain('اكتب نسبة الزيادة على سعرك بالمئة من 1 إلى 5');
    await bot.handleUpdate(textMessage(agent.telegramUserId, '5'));
    expect(lastText(calls)).toContain('تحديد هامش Sami بنسبة 5% على سعرك؟');
    expect(lastText(calls)).toContain('تدفع 9.60 USD · يدفع 10.08 USD · تربح 0.48 USD');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'تأكيد')));
    expect(await subPrice(sub.account.id)).toBe('10.08');
    expect(await subPrice(other.sub.account.id)).toBe('10.00'); // untouched

    // No bounds allowed: the flow says so and sets nothing.
    await setMarginBounds(ctx.db, operator, { minBps: 0, maxBps: 0 });
    await setAccountLanguage(ctx.db, other.agent.account.id, 'en');
    await bot.handleUpdate(callbackQuery(other.agent.telegramUserId, `mg:set:${other.sub.account.id}`));
    expect(lastText(calls)).toBe('The admins have not allowed agents to set margins yet.');
    await setMarginBounds(ctx.db, operator, { minBps: 0, maxBps: 1000 });
  });
});
