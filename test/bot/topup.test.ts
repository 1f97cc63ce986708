import { describe, expect, it } from 'vitest';
import { getTopupRequest } from '../../src/domain/funding/topups.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { balance, expectLedgerConsistent } from '../support/money.ts';
import { buttonData, callbackQuery, lastText, photoMessage, textMessage } from '../support/telegram.ts';
import { domainEventSinks } from '../../src/main.ts';

const { ctx, boss } = await createTestContext({ ports: { eventSinks: domainEventSinks } });
const store = newStore(ctx);

async function topupCount(accountId: string) {
  const rows = await ctx.db.selectFrom('transfers').select('id').where('kind', '=', 'topup').where('metadata', '@>', {}).execute();
  const requests = await ctx.db.selectFrom('topup_requests').select(['id', 'transfer_id']).where('account_id', '=', accountId).execute();
  return { transfers: rows.filter((row) => requests.some((request) => request.transfer_id === row.id)).length, requests };
}

describe('agent top-up', () => {
  it('amount → photo proof → send survives a restart; every admin gets it; approve moves money once', async () => {
    const first = await makeAdmin(ctx);
    const second = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Nour Trading' });
    const before = startTestBot(ctx, store);
    await before.bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    expect(lastText(before.calls)).toBe('How much do you want to top up, in USD?');
    await before.bot.handleUpdate(textMessage(agent.telegramUserId, '12.345'));
    expect(lastText(before.calls)).toContain('not a valid amount in USD');
    await before.bot.handleUpdate(textMessage(agent.telegramUserId, '150.5'));
    expect(lastText(before.calls)).toContain('payment proof');

    const after = startTestBot(ctx, store); // a new process in the middle of the flow
    await after.bot.handleUpdate(photoMessage(agent.telegramUserId, 'receipt-photo-1'));
    expect(lastText(after.calls)).toContain('Amount: 150.50 USD');
    const send = buttonData(after.calls, 'Send');
    await after.bot.handleUpdate(callbackQuery(agent.telegramUserId, send));
    expect(lastText(after.calls)).toBe('Your top-up request for 150.50 USD was sent. You will be told when it is decided.');
    await after.bot.handleUpdate(callbackQuery(agent.telegramUserId, send)); // double tap: stale, no second request
    expect(after.calls.at(-1)?.payload.text).toContain('no longer valid');
    expect((await topupCount(agent.account.id)).requests).toHaveLength(1);

    const [request] = (await topupCount(agent.account.id)).requests;
    expect(await getTopupRequest(ctx.db, platformActor('cli'), request!.id)).toMatchObject({
      status: 'pending',
      proof: { kind: 'photo', value: 'receipt-photo-1' },
    });
    for (const admin of [first, second]) {
      const [message] = await queuedMessages(boss, admin.telegramUserId);
      expect(message).toMatchObject({
        photo: 'receipt-photo-1',
        text: { key: 'topup-admin-request', vars: { name: 'Nour Trading', amount: '150.50 USD', duplicate: 'no' } },
        buttons: [[{ callbackData: `tu:ok:${request!.id}` }, { callbackData: `tu:no:${request!.id}` }]],
      });
    }

    // Double tap by one admin, then the other admin's button: one credit.
    const admins = startTestBot(ctx, store);
    await admins.bot.handleUpdate(callbackQuery(first.telegramUserId, `tu:ok:${request!.id}`));
    await admins.bot.handleUpdate(callbackQuery(first.telegramUserId, `tu:ok:${request!.id}`));
    await admins.bot.handleUpdate(callbackQuery(second.telegramUserId, `tu:ok:${request!.id}`));
    expect(admins.calls.filter((call) => call.method === 'sendMessage').map((call) => call.payload.text)).toEqual([
      'Approved the top-up of 150.50 USD; the agent was told.',
    ]);
    const refusals = admins.calls.filter((call) => call.method === 'answerCallbackQuery' && call.payload.show_alert);
    expect(refusals.map((call) => call.payload.text)).toEqual(['This top-up request was already decided.', 'This top-up request was already decided.']);
    expect(await balance(ctx.db, agent.account)).toBe('150.50');
    expect((await topupCount(agent.account.id)).transfers).toBe(1);
    await expectLedgerConsistent(ctx.db);
    expect((await queuedMessages(boss, agent.telegramUserId)).at(-1)).toMatchObject({
      text: { key: 'topup-approved', vars: { amount: '150.50 USD', balance: '150.50 USD' } },
    });
  });

  it('reject asks the admin for a reason and tells the agent; no money moves', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '80'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, 'BANK-REF-7781'));
    expect(lastText(calls)).toContain('Proof: BANK-REF-7781');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Send')));
    const [request] = (await topupCount(agent.account.id)).requests;

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `tu:no:${request!.id}`));
    expect(lastText(calls)).toContain('Why is it rejected?');
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'No such transfer on our account'));
    expect(lastText(calls)).toBe('Rejected the top-up of 80.00 USD; the agent was told.');
    expect(await getTopupRequest(ctx.db, platformActor('cli'), request!.id)).toMatchObject({ status: 'rejected', reason: 'No such transfer on our account' });
    expect((await queuedMessages(boss, agent.telegramUserId)).at(-1)).toMatchObject({
      text: { key: 'topup-rejected', vars: { amount: '80.00 USD', reason: 'No such transfer on our account' } },
    });
    expect(await balance(ctx.db, agent.account)).toBe('0.00');

    // Approving a rejected request afterwards is refused.
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `tu:ok:${request!.id}`));
    expect(calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: 'This top-up request was already decided.' } });
    expect(await balance(ctx.db, agent.account)).toBe('0.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('/cancel leaves the flow and the Send button is then stale', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '10'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, 'REF-1'));
    const send = buttonData(calls, 'Send');
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/cancel'));
    expect(lastText(calls)).toBe('Cancelled. Nothing was changed.');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, send));
    expect(calls.at(-1)?.payload.text).toContain('no longer valid');
    expect((await topupCount(agent.account.id)).requests).toHaveLength(0);
  });

  it('a paused agent cannot start a top-up', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    await ctx.db.updateTable('accounts').set({ status: 'paused' }).where('id', '=', agent.account.id).execute();
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    expect(calls).toEqual([
      {
        method: 'answerCallbackQuery',
        payload: expect.objectContaining({ show_alert: true, text: 'Your account is paused, so this is not possible right now.' }),
      },
    ]);
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/start'));
    expect(lastText(calls)).toContain('Your account is paused: you can look, but not move money.');
  });

  it('admins list pending requests and open one with its proof', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Listed Agent' });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '25'));
    await bot.handleUpdate(photoMessage(agent.telegramUserId, 'listed-photo'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Send')));

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:topups'));
    expect(lastText(calls)).toBe('Pending top-ups (oldest first):');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, '25.00 USD · Listed Agent')));
    expect(calls.at(-1)).toMatchObject({ method: 'sendPhoto', payload: { photo: 'listed-photo', caption: expect.stringContaining('Listed Agent') } });
  });

  it('sub-agents and agents cannot reach top-up decisions, even with forged buttons', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '60'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, 'REF-FORGED'));
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Send')));
    const [request] = (await topupCount(agent.account.id)).requests;

    const forged = startTestBot(ctx, store);
    for (const data of [`tu:ok:${request!.id}`, `tu:no:${request!.id}`, 'adm:topups', 'tu:new', `tu:view:${request!.id}`]) {
      await forged.bot.handleUpdate(callbackQuery(sub.telegramUserId, data));
    }
    await forged.bot.handleUpdate(callbackQuery(agent.telegramUserId, `tu:ok:${request!.id}`));
    expect(forged.calls.map((call) => call.method)).toEqual(Array(6).fill('answerCallbackQuery'));
    for (const call of forged.calls) expect(call.payload.text).toContain('no longer valid');
    expect(await getTopupRequest(ctx.db, platformActor('cli'), request!.id)).toMatchObject({ status: 'pending' });
    expect(await balance(ctx.db, agent.account)).toBe('0.00');
    void admin;
  });
});
