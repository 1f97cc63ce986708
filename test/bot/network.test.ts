import { describe, expect, it } from 'vitest';
import { getAccount } from '../../src/domain/accounts/accounts.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { createTestContext } from '../support/context.ts';
import { makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';
import { domainEventSinks } from '../../src/main.ts';

// Wallet messages (funds adjusted, low balance) come from domain events, as main.ts subscribes them.
const { ctx, boss } = await createTestContext({ ports: { eventSinks: domainEventSinks } });
const store = newStore(ctx);

async function allocationTransfers(key: string) {
  return ctx.db.selectFrom('transfers').select('id').where('idempotency_key', 'like', `${key}%`).execute();
}

describe('my network (agent)', () => {
  it('invites a sub-agent with a deep link that binds once', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:invite'));
    const link = /https:\/\/t\.me\/steller_test_bot\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls));
    expect(link).not.toBeNull();
    const newcomer = 880_001;
    await bot.handleUpdate(textMessage(newcomer, `/start ${link![1]}`));
    expect((await findTelegramUser(ctx.db, newcomer))?.account).toMatchObject({ role: 'sub_agent', parentId: agent.account.id });
    await bot.handleUpdate(textMessage(880_002, `/start ${link![1]}`));
    expect(lastText(calls)).toContain('already used');
  });

  it('lists sub-agents with balance and month sales; allocate and reclaim move money once', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Sami' });
    await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Lina' });
    await fund(ctx.db, agent.account, '45.00');
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:list:0'));
    expect(lastText(calls)).toContain('Sami · balance 0.00 USD · sales 0.00 USD');
    expect(lastText(calls)).toContain('Lina · balance 0.00 USD · sales 0.00 USD');

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Sami')));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Allocate')));
    expect(lastText(calls)).toBe('How much do you want to give, in USD?');
    const restarted = startTestBot(ctx, store); // restart in the middle: the flow continues
    await restarted.bot.handleUpdate(textMessage(agent.telegramUserId, '30'));
    expect(lastText(restarted.calls)).toBe('Give 30.00 USD to Sami?');
    const confirm = buttonData(restarted.calls, 'Confirm');
    const key = confirm.split(':')[2] as string;
    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, confirm));
    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, confirm)); // double tap
    expect(lastText(restarted.calls)).toBe('Gave 30.00 USD to Sami.\nYour balance: 15.00 USD\nSami: 30.00 USD');
    expect(restarted.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: expect.stringContaining('no longer valid') } });
    expect(await allocationTransfers(`allocation:${key}`)).toHaveLength(1);
    expect(await balance(ctx.db, agent.account)).toBe('15.00');
    expect(await balance(ctx.db, sub.account)).toBe('30.00');
    expect(await queuedMessages(boss, sub.telegramUserId)).toEqual([
      expect.objectContaining({ text: { key: 'funds-received', vars: { amount: '30.00 USD', balance: '30.00 USD' } } }),
    ]);
    expect(await queuedMessages(boss, agent.telegramUserId)).toEqual([
      expect.objectContaining({ text: { key: 'low-balance', vars: { balance: '15.00 USD', threshold: '20.00 USD' } } }),
    ]);

    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:take:${sub.account.id}`));
    await restarted.bot.handleUpdate(textMessage(agent.telegramUserId, '50'));
    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(restarted.calls, 'Confirm')));
    expect(restarted.calls.at(-1)).toMatchObject({
      method: 'answerCallbackQuery',
      payload: { show_alert: true, text: 'Not enough funds: the balance is 30.00 USD.' },
    });
    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:take:${sub.account.id}`));
    await restarted.bot.handleUpdate(textMessage(agent.telegramUserId, '12.5'));
    await restarted.bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(restarted.calls, 'Confirm')));
    expect(lastText(restarted.calls)).toBe('Took 12.50 USD back from Sami.\nYour balance: 27.50 USD\nSami: 17.50 USD');
    expect(await balance(ctx.db, sub.account)).toBe('17.50');
    await expectLedgerConsistent(ctx.db);
  });

  it('pauses and resumes a sub-agent; a paused sub-agent cannot ask for funds', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Paused One' });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:pause:${sub.account.id}`));
    expect((await getAccount(ctx.db, sub.account.id)).status).toBe('paused');
    expect(lastText(calls)).toContain('⏸ paused');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'fr:new'));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'Your account is paused, so this is not possible right now.' });
    await bot.handleUpdate(textMessage(sub.telegramUserId, '5')); // no flow started: nothing asked, only the menu offered
    expect(lastText(calls)).toMatch(/^I did not understand that\. Please choose from the menu\.\n\nSub-agent menu/);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:resume:${sub.account.id}`));
    expect((await getAccount(ctx.db, sub.account.id)).status).toBe('active');
  });

  it('a sub-agent asks for funds; the agent gives them with one tap, once', async () => {
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Boss' });
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Needy' });
    await fund(ctx.db, agent.account, '100.00');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'fr:new'));
    await bot.handleUpdate(textMessage(sub.telegramUserId, '40'));
    expect(lastText(calls)).toBe('Your agent was asked for 40.00 USD.');
    const [request] = await queuedMessages(boss, agent.telegramUserId);
    expect(request).toMatchObject({ text: { key: 'funds-request', vars: { name: 'Needy', amount: '40.00 USD' } } });
    const give = request!.buttons![0]![0]!.callbackData;
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, give));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, give));
    expect(calls.at(-1)).toMatchObject({ payload: { text: 'This request for funds was already decided.' } });
    expect(await balance(ctx.db, sub.account)).toBe('40.00');
    expect(await balance(ctx.db, agent.account)).toBe('60.00');
    expect((await queuedMessages(boss, sub.telegramUserId)).at(-1)).toMatchObject({ text: { key: 'funds-received' } });

    // A missed notification: the open request is also in My network → Requests.
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'fr:new'));
    await bot.handleUpdate(textMessage(sub.telegramUserId, '500'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:reqs'));
    expect(lastText(calls)).toBe('Requests for funds (tap to give):');
    expect(buttonData(calls, '500.00 USD · Needy')).toMatch(/^fr:ok:/);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Decline')));
    expect(lastText(calls)).toBe('Declined the request for 500.00 USD.');
    expect((await queuedMessages(boss, sub.telegramUserId)).at(-1)).toMatchObject({ text: { key: 'funds-declined', vars: { amount: '500.00 USD' } } });
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:reqs'));
    expect(lastText(calls)).toBe('No open requests for funds.');
    expect(await balance(ctx.db, sub.account)).toBe('40.00');
    await expectLedgerConsistent(ctx.db);
  });

  it("a sub-agent cannot reach agent or admin actions, and an agent cannot touch another agent's sub-agent", async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const stranger = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, stranger.account, '50.00');
    await fund(ctx.db, agent.account, '50.00');
    const { bot, calls } = startTestBot(ctx, store);
    const forged = [
      'net:list:0',
      'net:invite',
      'net:rs',
      `net:give:${sub.account.id}`,
      `net:pause:${sub.account.id}`,
      'tu:new',
      'adm:tree:0',
      'adm:adjust',
      'adm:audit',
      'adm:close',
    ];
    for (const data of forged) await bot.handleUpdate(callbackQuery(sub.telegramUserId, data));
    expect(calls).toHaveLength(forged.length);
    for (const call of calls) expect(call).toMatchObject({ method: 'answerCallbackQuery', payload: { text: expect.stringContaining('no longer valid') } });

    await bot.handleUpdate(callbackQuery(stranger.telegramUserId, `net:pause:${sub.account.id}`));
    expect(calls.at(-1)?.payload.text).toBe('You can only act on your own direct sub-agents.');
    await bot.handleUpdate(callbackQuery(stranger.telegramUserId, `net:give:${sub.account.id}`));
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'You can only act on your own direct sub-agents.' });
    expect((await getAccount(ctx.db, sub.account.id)).status).toBe('active');
    expect(await balance(ctx.db, sub.account)).toBe('0.00');
  });

  it('shows revenue share accrued this month and paid so far', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'net:rs'));
    expect(lastText(calls)).toMatch(/Accrued in \d{4}-\d{2}: 0\.00 USD\nPaid so far: 0\.00 USD/);
  });
});
