// Admin control in the bot (issue 20), through bot.handleUpdate: risk limits shown and set
// (/limits, the account screen), an order's tools (/order, refund with a reason and a confirmation,
// money back once), the typed top-up commands (/topups, /approve, /reject) deciding as the buttons
// do, /find, the invites list with revoke, and the command menus per role and language. English and
// Arabic where texts are new; non-admins get none of it.
import { describe, expect, it } from 'vitest';
import { installCommandMenus } from '../../bot/commands.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { createInvite } from '../../src/domain/accounts/invites.ts';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { riskLimitsFor } from '../../src/domain/orders/risk.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { buttonData, callbackQuery, groupChat, lastText, sentTexts, textMessage, textMessageIn } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });

describe('admin control in the bot', () => {
  it('/limits shows an account’s limits and sets them from one typed line; Arabic too; agents get nothing', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Limited Lina' });
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(textMessage(admin.telegramUserId, '/limits limited lina'));
    expect(lastText(calls)).toContain('Risk limits of Limited Lina (agent), from none set:');
    expect(lastText(calls)).toContain('Daily spend: none (today 0.00 USD)');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Set limits')));
    expect(lastText(calls)).toContain('daily spend, daily orders, largest order, in USD');
    await bot.handleUpdate(textMessage(admin.telegramUserId, '500 forty 100'));
    expect(lastText(calls)).toContain('Three values');
    await bot.handleUpdate(textMessage(admin.telegramUserId, '500.00 40 -'));
    expect(lastText(calls)).toContain('Limits saved.');
    expect(lastText(calls)).toContain('Daily spend: 500.00 USD');
    expect(lastText(calls)).toContain('Largest order: none');
    expect(await riskLimitsFor(ctx.db, agent.account)).toEqual({ dailySpend: 50_000n, dailyOrderCount: 40, maxOrder: null });

    // The account screen has the same screen behind its Limits button.
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:acct:${agent.account.id}`));
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Limits')));
    expect(lastText(calls)).toContain('Daily orders: 40 (today 0)');

    const arabic = await makeAdmin(ctx);
    await setAccountLanguage(ctx.db, arabic.account.id, 'ar');
    await bot.handleUpdate(textMessage(arabic.telegramUserId, `/limits ${agent.account.id}`));
    expect(lastText(calls)).toContain('حدود المخاطر لـ Limited Lina');
    expect(lastText(calls)).toContain('الإنفاق اليومي: 500.00 USD');

    const before = calls.length;
    await bot.handleUpdate(textMessage(agent.telegramUserId, `/limits ${agent.account.id}`));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `ctl:limset:${agent.account.id}`));
    expect(sentTexts(calls.slice(before)).join('\n')).not.toContain('Risk limits');
    expect(await riskLimitsFor(ctx.db, agent.account)).toEqual({ dailySpend: 50_000n, dailyOrderCount: 40, maxOrder: null });
  });

  it('/order shows the timeline; refund asks a reason, confirms, and returns the money once', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Buyer Bea' });
    await fund(ctx.db, agent.account, '50.00');
    const { order } = await createOrder(ctx, {
      buyerId: agent.account.id,
      actor: accountActor(agent.account.id, 'api'),
      clientReference: 'control-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 2,
    });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/order ${order.number}`));
    expect(lastText(calls)).toContain(`${order.number} · pending`);
    expect(lastText(calls)).toContain('Buyer: Buyer Bea · total 20.00 USD');
    expect(lastText(calls)).toContain('order_hold');

    // The buyer cannot use an admin's button, even forged.
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `ctl:ref:${order.id}`));
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Refund')));
    expect(lastText(calls)).toContain(`Why refund ${order.number}?`);
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Customer changed their mind'));
    expect(lastText(calls)).toContain('Reason: Customer changed their mind');
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm));
    expect(lastText(calls)).toBe(`${order.number}: cancelled, the money is back in the buyer's wallet.`);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm)); // a double tap: the flow is over
    expect(await balance(ctx.db, agent.account)).toBe('50.00');
    const returns = await ctx.db.selectFrom('transfers').select('id').where('idempotency_key', '=', `order-return:${order.id}`).execute();
    expect(returns).toHaveLength(1);

    await bot.handleUpdate(textMessage(admin.telegramUserId, `/order ${order.number}`));
    expect(lastText(calls)).toContain('order.refunded: Customer changed their mind');
    expect(lastText(calls)).not.toContain('Refund / cancel');
    await expectOrderMoneyConserved(ctx.db, [order.id]);
    await expectLedgerConsistent(ctx.db);
  });

  it('/topups lists short ids; /approve and /reject decide once, as the buttons do', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Topping Tom' });
    const actor = accountActor(agent.account.id, 'telegram');
    const first = await createTopupRequest(ctx.db, actor, { amount: parseMoney('30.00', 'USD'), proof: { kind: 'reference', text: 'BANK-1' } });
    const second = await createTopupRequest(ctx.db, actor, { amount: parseMoney('15.00', 'USD'), proof: { kind: 'reference', text: 'BANK-2' } });
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(textMessage(admin.telegramUserId, '/topups'));
    expect(lastText(calls)).toContain(`${first.id.slice(0, 8)} · 30.00 USD · Topping Tom`);
    await bot.handleUpdate(textMessage(admin.telegramUserId, '/approve'));
    expect(lastText(calls)).toBe('Usage: /approve <id> (the id from /topups)');
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/approve ${first.id.slice(0, 8)}`));
    expect(lastText(calls)).toContain('30.00 USD');
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/approve ${first.id.slice(0, 8)}`));
    expect(lastText(calls)).toContain('already');
    expect(await balance(ctx.db, agent.account)).toBe('30.00');

    await bot.handleUpdate(textMessage(admin.telegramUserId, `/reject ${second.id.slice(0, 8)}`));
    expect(lastText(calls)).toBe('Usage: /reject <id> <reason>');
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/reject ${second.id} No such transfer on our account`));
    const decided = await ctx.db.selectFrom('topup_requests').select(['status', 'reason']).where('id', '=', second.id).executeTakeFirstOrThrow();
    expect(decided).toEqual({ status: 'rejected', reason: 'No such transfer on our account' });

    // An agent typing an admin command decides nothing; nor does an admin in a group chat.
    const third = await createTopupRequest(ctx.db, actor, { amount: parseMoney('5.00', 'USD'), proof: { kind: 'reference', text: 'BANK-3' } });
    await bot.handleUpdate(textMessage(agent.telegramUserId, `/approve ${third.id}`));
    await bot.handleUpdate(textMessageIn(groupChat('supergroup'), admin.telegramUserId, `/approve ${third.id}`));
    expect((await ctx.db.selectFrom('topup_requests').select('status').where('id', '=', third.id).executeTakeFirstOrThrow()).status).toBe('pending');
    expect(await balance(ctx.db, agent.account)).toBe('30.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('/find lists accounts; the invites screen shows states and revokes an unused invite', async () => {
    const admin = await makeAdmin(ctx);
    await makeBotAccount(ctx, 'agent', { name: 'Findable Fay' });
    const { invite } = await createInvite(ctx.db, platformActor('cli'), { role: 'agent', name: 'Invited Ivo', currency: 'USD' });
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(textMessage(admin.telegramUserId, '/find findable'));
    expect(lastText(calls)).toBe('Found 1:');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Findable Fay')));
    expect(lastText(calls)).toContain('Findable Fay (agent)');

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'ctl:inv:0'));
    expect(lastText(calls)).toContain(`${invite.id.slice(0, 8)} · waiting · agent · Invited Ivo`);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, `Revoke ${invite.id.slice(0, 8)}`)));
    expect(lastText(calls)).toContain(`${invite.id.slice(0, 8)} · revoked · agent · Invited Ivo`);

    const arabic = await makeAdmin(ctx);
    await setAccountLanguage(ctx.db, arabic.account.id, 'ar');
    await bot.handleUpdate(callbackQuery(arabic.telegramUserId, 'ctl:inv:0'));
    expect(lastText(calls)).toContain(`${invite.id.slice(0, 8)} · ملغاة · agent · Invited Ivo`);
    await bot.handleUpdate(textMessage(arabic.telegramUserId, '/find'));
    expect(lastText(calls)).toBe('الاستخدام: \u200e/find <name>\u200e');
    expect((await ctx.db.selectFrom('invites').select('revoked_at').where('id', '=', invite.id).executeTakeFirstOrThrow()).revoked_at).not.toBeNull();
  });

  it('an agent sees and revokes the invites it made, not anyone else’s', async () => {
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Inviting Ida' });
    const other = await makeBotAccount(ctx, 'agent');
    const own = (await createInvite(ctx.db, accountActor(agent.account.id, 'telegram'), { role: 'sub_agent', name: 'Sub Sami' })).invite;
    const foreign = (await createInvite(ctx.db, accountActor(other.account.id, 'telegram'), { role: 'sub_agent', name: 'Not Yours' })).invite;
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:list:0'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'My invites')));
    expect(lastText(calls)).toContain('Invites (1)');
    expect(lastText(calls)).toContain(`${own.id.slice(0, 8)} · waiting · sub_agent · Sub Sami`);
    expect(lastText(calls)).not.toContain('Not Yours');
    // A forged button for someone else's invite: "no such invite", nothing revoked.
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `ctl:invrv:${foreign.id}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true });
    expect((await ctx.db.selectFrom('invites').select('revoked_at').where('id', '=', foreign.id).executeTakeFirstOrThrow()).revoked_at).toBeNull();
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, `Revoke ${own.id.slice(0, 8)}`)));
    expect(lastText(calls)).toContain(`${own.id.slice(0, 8)} · revoked`);
  });

  it('command menus: members’ commands for every private chat, the admins’ for admin chats, in English and Arabic', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await installCommandMenus(bot.api, ctx);
    const set = calls.filter((call) => call.method === 'setMyCommands');
    const commandsOf = (scope: object, language?: string) =>
      (
        set.find((call) => JSON.stringify(call.payload.scope) === JSON.stringify(scope) && call.payload.language_code === language)?.payload.commands as
          { command: string; description: string }[] | undefined
      )?.map((command) => command.command);
    expect(commandsOf({ type: 'all_private_chats' })).toEqual(['start', 'help', 'cancel', 'language']);
    expect(commandsOf({ type: 'all_private_chats' }, 'ar')).toEqual(['start', 'help', 'cancel', 'language']);
    const adminScope = { type: 'chat', chat_id: admin.telegramUserId };
    expect(commandsOf(adminScope)).toEqual(['start', 'help', 'cancel', 'language', 'topups', 'approve', 'reject', 'order', 'find', 'limits']);
    const arabic = set.find((call) => JSON.stringify(call.payload.scope) === JSON.stringify(adminScope) && call.payload.language_code === 'ar');
    expect(arabic?.payload.commands).toEqual(expect.arrayContaining([{ command: 'topups', description: 'طلبات الشحن المعلّقة' }]));
    expect(set.some((call) => JSON.stringify(call.payload.scope).includes(String(agent.telegramUserId)))).toBe(false);

    // An agent's /start leaves its chat on the members' menu (any chat menu of an earlier role removed).
    const before = calls.length;
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/start'));
    expect(
      calls
        .slice(before)
        .filter((call) => call.method === 'deleteMyCommands')
        .map((call) => call.payload),
    ).toEqual([{ scope: { type: 'chat', chat_id: agent.telegramUserId } }, { scope: { type: 'chat', chat_id: agent.telegramUserId }, language_code: 'ar' }]);
  });
});
