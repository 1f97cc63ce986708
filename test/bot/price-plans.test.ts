// Admin price plans through the bot: create, per-product discount, role default, an account's own
// plan; the price an agent is quoted follows; non-admins cannot reach any of it.
import { describe, expect, it } from 'vitest';
import { PLAN_PAGE_SIZE, parsePercent } from '../../bot/features/price-plans.ts';
import { createPricePlan, discountFor, listPricePlans } from '../../src/domain/pricing/pricing.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { buttonData, callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);
await insertProduct(ctx.db, { id: 6001, minFace: 1000n, costMin: 900n });

describe('admin price plans', () => {
  it('parses percentages into basis points', () => {
    expect([parsePercent('5'), parsePercent('2.5'), parsePercent('-3'), parsePercent('0,25%')]).toEqual([500, 250, -300, 25]);
    expect([parsePercent('100'), parsePercent('five'), parsePercent('1.234')]).toEqual([undefined, undefined, undefined]);
  });

  it('creates a plan, sets a product discount, makes it the agents default, gives an account its own plan', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'adm:plans'));
    expect(lastText(calls)).toContain('No price plans yet');
    await bot.handleUpdate(callbackQuery(user, 'pp:new'));
    await bot.handleUpdate(textMessage(user, 'Gold'));
    await bot.handleUpdate(textMessage(user, 'lots'));
    expect(lastText(calls)).toBe('Type a percentage such as 5, 2.5 or -3.');
    await bot.handleUpdate(textMessage(user, '2.5'));
    expect(lastText(calls)).toBe('Plan Gold created (2.5% off by default).');
    const [gold] = await listPricePlans(ctx.db, platformActor('cli'));

    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Open the plan')));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Discount for a product')));
    await bot.handleUpdate(textMessage(user, '6001 4'));
    expect(lastText(calls)).toBe('Product #6001: 4% in this plan.');
    await bot.handleUpdate(callbackQuery(user, `pp:role:${gold!.id}:agent`));
    expect(calls.at(-1)?.payload.text).toBe('Now the default plan for agents.');
    await bot.handleUpdate(callbackQuery(user, `pp:view:${gold!.id}`));
    expect(lastText(calls)).toContain('Default for: agent');
    expect(lastText(calls)).toContain('Product #6001: 4%');
    expect(await discountFor(ctx.db, agent.account, 6001n)).toEqual({ planId: gold!.id, discountBps: 400 });

    await bot.handleUpdate(callbackQuery(user, 'pp:new'));
    await bot.handleUpdate(textMessage(user, 'Silver'));
    await bot.handleUpdate(textMessage(user, '1'));
    await bot.handleUpdate(callbackQuery(user, `adm:acct:${agent.account.id}`));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Price plan')));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Silver')));
    expect(lastText(calls)).toBe(`${agent.account.name} now has the plan Silver · 1%.`);
    expect((await discountFor(ctx.db, agent.account, 6001n)).discountBps).toBe(100);

    // An agent pressing admin buttons: stale, nothing changes.
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `pp:role:${gold!.id}:sub`));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
    expect((await listPricePlans(ctx.db, platformActor('cli'))).find((plan) => plan.id === gold!.id)?.roles).toEqual(['agent']);
  });

  it('the plans list and the plan picker are paged', async () => {
    const existing = (await listPricePlans(ctx.db, platformActor('cli'))).length;
    for (let index = existing; index < PLAN_PAGE_SIZE + 3; index += 1) {
      await createPricePlan(ctx.db, platformActor('cli'), { name: `Paged ${String(index).padStart(2, '0')}`, defaultDiscountBps: 100 });
    }
    const total = (await listPricePlans(ctx.db, platformActor('cli'))).length;
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;
    const planButtons = () =>
      lastButtons(calls).filter((button) => button.callback_data?.startsWith('pp:view:') || /^ppa:\d+$/.test(button.callback_data ?? ''));

    await bot.handleUpdate(callbackQuery(user, 'adm:plans'));
    expect(planButtons()).toHaveLength(PLAN_PAGE_SIZE);
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Next ▶️')));
    expect(planButtons()).toHaveLength(total - PLAN_PAGE_SIZE);
    expect(buttonData(calls, '◀️ Previous')).toBe('adm:plans:0');

    await bot.handleUpdate(callbackQuery(user, `adm:acct:${agent.account.id}`));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Price plan')));
    expect(planButtons()).toHaveLength(PLAN_PAGE_SIZE);
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Next ▶️')));
    expect(calls.some((call) => call.method === 'editMessageReplyMarkup')).toBe(true);
    const lastPage = planButtons();
    expect(lastPage).toHaveLength(total - PLAN_PAGE_SIZE);
    const chosen = lastPage.at(-1)!;
    await bot.handleUpdate(callbackQuery(user, chosen.callback_data as string));
    expect(lastText(calls)).toBe(`${agent.account.name} now has the plan ${chosen.text}.`);
  });
});
