// Money, rights and card codes are handled in private chats only (issue 14, part 1). In a group,
// supergroup or channel nothing starts or continues; and a flow only ever hears the user who
// started it. Each hijack here worked when conversations were keyed by chat alone.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { groupNoticeKey } from '../../bot/middlewares/private-chats.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, nextTelegramId, startTestBot } from '../support/bot.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import {
  buttonData,
  callbackQuery,
  callbackQueryIn,
  channelPost,
  groupChat,
  lastButtons,
  lastText,
  textMessage,
  textMessageIn,
  type GroupChat,
  type RecordedCall,
} from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);

const adminCount = async () => (await ctx.db.selectFrom('accounts').select('id').where('role', '=', 'admin').execute()).length;

/** What an attacker presses: the Confirm the bot showed, else a made-up one (nothing to press). */
const confirmData = (calls: RecordedCall[], prefix: string) =>
  lastButtons(calls).find((button) => button.text.includes('Confirm'))?.callback_data ?? `${prefix}:ok:${randomUUID()}`;

const PRIVATE_ONLY = /private chat.*t\.me\/steller_test_bot/s;
const sentTo = (calls: RecordedCall[], chatId: number) =>
  calls.filter((call) => call.method.startsWith('send') || call.method.startsWith('edit')).filter((call) => call.payload.chat_id === chatId);

describe.each(['group', 'supergroup'] as const)('in a %s', (type) => {
  it('"Give funds to Sami" opened there moves nothing, whoever types and confirms', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sami = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Sami' });
    await fund(ctx.db, agent.account, '1000.00');
    const team: GroupChat = groupChat(type);
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(callbackQueryIn(team, agent.telegramUserId, `net:give:${sami.account.id}`));
    await bot.handleUpdate(textMessageIn(team, sami.telegramUserId, '1000'));
    await bot.handleUpdate(callbackQueryIn(team, sami.telegramUserId, confirmData(calls, 'al')));

    expect(await balance(ctx.db, agent.account)).toBe('1000.00');
    expect(await balance(ctx.db, sami.account)).toBe('0.00');
    expect(sentTo(calls, team.id).map((call) => String(call.payload.text))).toEqual([expect.stringMatching(PRIVATE_ONLY)]);
    await expectLedgerConsistent(ctx.db);
  });

  it('"Promote admin" opened there cannot be answered by a stranger (nor by the admin)', async () => {
    const admin = await makeAdmin(ctx);
    const stranger = nextTelegramId();
    const team = groupChat(type);
    const { bot, calls } = startTestBot(ctx, store);
    const adminsBefore = await adminCount();

    await bot.handleUpdate(callbackQueryIn(team, admin.telegramUserId, 'adm:promote'));
    await bot.handleUpdate(textMessageIn(team, stranger, String(stranger)));
    await bot.handleUpdate(textMessageIn(team, admin.telegramUserId, String(stranger)));

    expect(await findTelegramUser(ctx.db, stranger)).toBeUndefined();
    expect(await adminCount()).toBe(adminsBefore);
    expect(calls.filter((call) => call.method === 'answerCallbackQuery').at(-1)?.payload).toMatchObject({ text: expect.stringMatching(/private chat/) });
  });

  it('credit / debit opened there takes no amount, reason or confirmation from anyone', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Target' });
    await fund(ctx.db, agent.account, '50.00');
    const intruder = nextTelegramId();
    const team = groupChat(type);
    const { bot, calls } = startTestBot(ctx, store);

    for (const [direction, injected] of [
      ['credit', '1000000'],
      ['debit', '45'],
    ] as const) {
      await bot.handleUpdate(callbackQueryIn(team, admin.telegramUserId, `adm:${direction}:${agent.account.id}`));
      await bot.handleUpdate(textMessageIn(team, intruder, injected));
      await bot.handleUpdate(textMessageIn(team, intruder, 'bonus'));
      await bot.handleUpdate(callbackQueryIn(team, admin.telegramUserId, confirmData(calls, 'aj')));
      expect(await balance(ctx.db, agent.account), direction).toBe('50.00');
    }
    await expectLedgerConsistent(ctx.db);
  });

  it('starts nothing on /start, and points to the private chat at most once per chat', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const team = groupChat(type);
    const other = groupChat(type);
    const first = startTestBot(ctx, store);
    const second = startTestBot(ctx, store); // another process on the same shared store

    await first.bot.handleUpdate(textMessageIn(team, agent.telegramUserId, '/start'));
    await second.bot.handleUpdate(textMessageIn(team, agent.telegramUserId, '/start'));
    await second.bot.handleUpdate(callbackQueryIn(team, agent.telegramUserId, 'w:home'));
    await first.bot.handleUpdate(textMessageIn(other, agent.telegramUserId, '/help'));

    expect(sentTo(first.calls, team.id).map((call) => String(call.payload.text))).toEqual([expect.stringMatching(PRIVATE_ONLY)]);
    expect(sentTo(second.calls, team.id)).toEqual([]);
    expect(second.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: expect.stringMatching(/private chat/) } });
    expect(sentTo(first.calls, other.id).map((call) => String(call.payload.text))).toEqual([expect.stringMatching(PRIVATE_ONLY)]);
    // "Once per chat per hour": the mark in the shared store lives for an hour.
    const mark = await ctx.db.selectFrom('kv_store').select('expires_at').where('key', '=', groupNoticeKey(team.id)).executeTakeFirstOrThrow();
    expect(mark.expires_at!.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(mark.expires_at!.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
  });
});

describe('a flow hears only the user who started it', () => {
  it('a button of a private flow pressed on a group message does nothing there', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sami = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Sami' });
    await fund(ctx.db, agent.account, '100.00');
    const team = groupChat('supergroup');
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:give:${sami.account.id}`));
    await bot.handleUpdate(textMessage(agent.telegramUserId, '30'));
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQueryIn(team, agent.telegramUserId, confirm)); // the same button, somehow in the group
    expect(await balance(ctx.db, sami.account)).toBe('0.00');

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, confirm)); // the private flow is still there
    expect(await balance(ctx.db, sami.account)).toBe('30.00');
    expect(await balance(ctx.db, agent.account)).toBe('70.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('in a private chat, updates from another user neither answer nor confirm the flow', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sami = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account, name: 'Sami' });
    await fund(ctx.db, agent.account, '100.00');
    const agentsChat = { id: agent.telegramUserId, type: 'private' as const };
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `net:give:${sami.account.id}`));
    await bot.handleUpdate(textMessageIn(agentsChat, sami.telegramUserId, '100'));
    expect(lastText(calls)).toBe('How much do you want to give, in USD?'); // the flow still waits for the agent
    await bot.handleUpdate(callbackQueryIn(agentsChat, sami.telegramUserId, confirmData(calls, 'al')));
    expect(await balance(ctx.db, sami.account)).toBe('0.00');

    await bot.handleUpdate(textMessage(agent.telegramUserId, '30'));
    expect(lastText(calls)).toBe('Give 30.00 USD to Sami?');
    const confirm = buttonData(calls, 'Confirm');
    await bot.handleUpdate(callbackQueryIn(agentsChat, sami.telegramUserId, confirm));
    expect(await balance(ctx.db, sami.account)).toBe('0.00');
    expect(calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: expect.stringContaining('no longer valid') } });

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, confirm));
    expect(await balance(ctx.db, sami.account)).toBe('30.00');
    await expectLedgerConsistent(ctx.db);
  });
});

describe('in a channel', () => {
  it('posts start nothing and get no answer', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(channelPost(-1_009_999, '/start'));
    await bot.handleUpdate(channelPost(-1_009_999, '100'));
    expect(calls).toEqual([]);
  });
});
