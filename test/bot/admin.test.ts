import { describe, expect, it } from 'vitest';
import { getAccount } from '../../src/domain/accounts/accounts.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { movement, systemAccountId, transfer, walletId } from '../../src/domain/ledger/ledger.ts';
import { monthOf, parseMonth } from '../../src/domain/month.ts';
import { recordRevenueShareAccrual } from '../../src/domain/revenue-share/revenue-share.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, nextTelegramId, queuedMessages, startTestBot } from '../support/bot.ts';
import { balance, expectLedgerConsistent, fund, operator } from '../support/money.ts';
import { buttonData, callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';
import { domainEventSinks } from '../../src/main.ts';

// Wallet messages (funds adjusted, low balance) come from domain events, as main.ts subscribes them.
const { ctx, boss } = await createTestContext({ ports: { eventSinks: domainEventSinks } });
const store = newStore(ctx);

const transfersWithKey = (key: string) => ctx.db.selectFrom('transfers').select('id').where('idempotency_key', '=', key).execute();

describe('admin', () => {
  it('credits and debits a wallet with a reason; a double tap moves money once', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Credited Agent' });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:acct:${agent.account.id}`));
    expect(lastText(calls)).toContain('Credited Agent (agent)');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Credit')));
    await bot.handleUpdate(textMessage(admin.telegramUserId, '25.5'));
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Goodwill for the outage'));
    expect(lastText(calls)).toBe('Credit 25.50 USD to Credited Agent? Reason: Goodwill for the outage');
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm));
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm));
    expect(lastText(calls)).toBe('Credited 25.50 USD to Credited Agent. Balance now: 25.50 USD');
    expect(await transfersWithKey(`manual:${confirm.split(':')[2]}`)).toHaveLength(1);
    expect(await balance(ctx.db, agent.account)).toBe('25.50');

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:debit:${agent.account.id}`));
    await bot.handleUpdate(textMessage(admin.telegramUserId, '10'));
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Duplicate top-up'));
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Confirm')));
    expect(lastText(calls)).toBe('Debited 10.00 USD from Credited Agent. Balance now: 15.50 USD');
    expect(await balance(ctx.db, agent.account)).toBe('15.50');
    // The debit and its low-balance crossing are two events of one change: their messages come in either order.
    const texts = (await queuedMessages(boss, agent.telegramUserId)).map((message) => message.text);
    expect(texts[0]).toEqual({ key: 'funds-received', vars: { amount: '25.50 USD', balance: '25.50 USD' } });
    expect(texts.slice(1)).toEqual(
      expect.arrayContaining([
        { key: 'funds-debited', vars: { amount: '10.00 USD', reason: 'Duplicate top-up', balance: '15.50 USD' } },
        { key: 'low-balance', vars: { balance: '15.50 USD', threshold: '20.00 USD' } },
      ]),
    );
    expect(texts).toHaveLength(3);
    await expectLedgerConsistent(ctx.db);
  });

  it('pages the tree with balances and month sales, and pauses / resumes any account', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Tree Agent' });
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Tree Sub' });
    for (let index = 0; index < 8; index += 1) await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, sub.account, '20.00');
    await transfer(ctx.db, {
      idempotencyKey: 'tree-order-hold',
      kind: 'order_hold',
      actor: operator,
      entries: movement(walletId(sub.account.id), systemAccountId('order_clearing', 'USD'), parseMoney('9.80', 'USD')),
    });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:tree:0'));
    expect(lastButtons(calls).map((button) => button.callback_data)).toContain('adm:tree:1');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:tree:1'));
    expect(lastText(calls)).toMatch(/Accounts \(\d+\)/);

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:kids:${agent.account.id}:0`));
    expect(lastText(calls)).toContain('Tree Sub · balance 10.20 USD · sales 9.80 USD');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:pause:${agent.account.id}`));
    expect((await getAccount(ctx.db, agent.account.id)).status).toBe('paused');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Resume')));
    expect((await getAccount(ctx.db, agent.account.id)).status).toBe('active');

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:audit'));
    expect(lastText(calls)).toMatch(/account\.resumed · account · telegram\n.*account\.paused · account · telegram/);
  });

  it('closes a month of revenue share: preview, then confirm (twice pays once)', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Share Agent' });
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const lastMonth = monthOf(new Date(parseMonth(monthOf(new Date()).label).start.getTime() - 1));
    await fund(ctx.db, sub.account, '10.00');
    await transfer(ctx.db, {
      idempotencyKey: 'share-order-hold',
      kind: 'order_hold',
      actor: operator,
      entries: movement(walletId(sub.account.id), systemAccountId('order_clearing', 'USD'), parseMoney('9.80', 'USD')),
    });
    await recordRevenueShareAccrual(ctx.db, {
      orderId: 'share-order',
      subAgentId: sub.account.id,
      amount: parseMoney('0.35', 'USD'),
      completedAt: lastMonth.start,
      actor: operator,
    });

    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:close'));
    expect(lastText(calls)).toBe(`Revenue share for ${lastMonth.label}\n\nShare Agent: 0.35 USD`);
    const confirm = buttonData(calls, 'Pay this month');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm));
    expect(lastText(calls)).toBe(`${lastMonth.label} closed: 1 payout(s) made.`);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, confirm));
    expect(lastText(calls)).toBe(`${lastMonth.label} closed: 0 payout(s) made.`);
    expect(await balance(ctx.db, agent.account)).toBe('0.35');
    expect((await queuedMessages(boss, agent.telegramUserId)).at(-1)).toMatchObject({ text: { key: 'revenue-share-paid', vars: { amount: '0.35 USD' } } });

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:rs'));
    expect(lastText(calls)).toContain('Paid so far: 0.35 USD');
    await expectLedgerConsistent(ctx.db);
  });

  it('invites an agent, promotes and demotes admins; a demoted admin has no rights', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:invite'));
    const token = /\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls))?.[1];
    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${token}`));
    expect((await findTelegramUser(ctx.db, agentId))?.account).toMatchObject({ role: 'agent', parentId: null, currency: 'USD' });

    const newAdminId = nextTelegramId();
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:promote'));
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'not a number'));
    expect(lastText(calls)).toContain('digits only');
    await bot.handleUpdate(textMessage(admin.telegramUserId, String(newAdminId)));
    expect(lastText(calls)).toBe(`admin ${newAdminId} is now an admin.`);
    // Known only by its id until it writes: then by its Telegram name (a name set otherwise would stay).
    const start = textMessage(newAdminId, '/start');
    start.message!.from = { ...start.message!.from!, first_name: 'Layla', last_name: 'Haddad' };
    await bot.handleUpdate(start);
    expect(lastText(calls)).toBe('Admin menu (Layla Haddad)');

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:admins'));
    expect(lastText(calls)).toContain('Layla Haddad');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Demote Layla Haddad')));
    expect(lastText(calls)).toBe('Layla Haddad is no longer an admin.');
    await bot.handleUpdate(callbackQuery(newAdminId, 'adm:tree:0'));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'Your account is paused, so this is not possible right now.' });
    expect(lastButtons(calls).some((button) => button.callback_data?.startsWith(`adm:demote:${admin.account.id}`))).toBe(false);

    for (let index = 0; index < 9; index += 1) await makeAdmin(ctx); // more than one page of admins
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:admins'));
    const firstPage = lastText(calls);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Next')));
    expect(lastText(calls)).not.toBe(firstPage);
    expect(lastText(calls).split('\n').length).toBeGreaterThan(2);
    expect(buttonData(calls, 'Previous')).toBe('adm:admins:0');
  });

  it('agents and sub-agents cannot reach admin actions, even with forged buttons', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const { bot, calls } = startTestBot(ctx, store);
    const forged = [
      'adm:tree:0',
      `adm:acct:${agent.account.id}`,
      `adm:credit:${sub.account.id}`,
      `adm:pause:${sub.account.id}`,
      'adm:invite',
      'adm:close:2026-01:ok',
      'adm:admins',
      'adm:promote',
    ];
    for (const user of [agent, sub]) for (const data of forged) await bot.handleUpdate(callbackQuery(user.telegramUserId, data));
    expect(calls).toHaveLength(forged.length * 2);
    for (const call of calls) expect(call).toMatchObject({ method: 'answerCallbackQuery', payload: { text: expect.stringContaining('no longer valid') } });
    expect(await balance(ctx.db, sub.account)).toBe('0.00');
  });
});
