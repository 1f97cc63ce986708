import { describe, expect, it } from 'vitest';
import { monthOf } from '../../src/domain/month.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { expectLedgerConsistent, fund } from '../support/money.ts';
import { createBot } from '../../bot/index.ts';
import { BOT_TOKEN, botInfo, buttonData, callbackQuery, lastText, recordingFetch } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);

describe('wallet', () => {
  it('shows the balance with currency and decimals, for agents and sub-agents', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const kuwaiti = await makeBotAccount(ctx, 'agent', { currency: 'KWD' });
    const yen = await makeBotAccount(ctx, 'agent', { currency: 'JPY' });
    await fund(ctx.db, agent.account, '12.5');
    await fund(ctx.db, kuwaiti.account, '3.25');
    await fund(ctx.db, yen.account, '1500');

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'w:home'));
    expect(lastText(calls)).toBe('Your balance: 12.50 USD');
    await bot.handleUpdate(callbackQuery(sub.telegramUserId, 'w:home'));
    expect(lastText(calls)).toBe('Your balance: 0.00 USD');
    await bot.handleUpdate(callbackQuery(kuwaiti.telegramUserId, 'w:home'));
    expect(lastText(calls)).toBe('Your balance: 3.250 KWD');
    await bot.handleUpdate(callbackQuery(yen.telegramUserId, 'w:home'));
    expect(lastText(calls)).toBe('Your balance: 1500 JPY');
    await expectLedgerConsistent(ctx.db);
  });

  it('pages through recent transactions, newest first', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    const agent = await makeBotAccount(ctx, 'agent');
    for (let index = 1; index <= 12; index += 1) await fund(ctx.db, agent.account, `${index}.00`);

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'w:tx'));
    const first = lastText(calls);
    expect(first.split('\n').filter((line) => line.includes('Top-up'))).toHaveLength(10);
    expect(first).toContain('Top-up · 12.00 USD');
    expect(first).not.toContain('Top-up · 2.00 USD');

    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Older')));
    const second = lastText(calls);
    expect(second.split('\n').filter((line) => line.includes('Top-up'))).toEqual([
      expect.stringContaining('Top-up · 2.00 USD'),
      expect.stringContaining('Top-up · 1.00 USD'),
    ]);
    expect(() => buttonData(calls, 'Older')).toThrow(); // the last page has no "older" button
  });

  it('shows the monthly statement from the ledger', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    const agent = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, agent.account, '40.00');
    await fund(ctx.db, agent.account, '2.10');
    const month = monthOf(new Date()).label;
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `w:st:${month}`));
    expect(lastText(calls)).toBe(
      [
        `Statement for ${month}`,
        'Opening balance: 0.00 USD',
        'Credits: 42.10 USD',
        'Debits: 0.00 USD',
        'Orders: 0.00 USD',
        'Revenue share: 0.00 USD',
        'Closing balance: 42.10 USD',
      ].join('\n'),
    );
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(calls, 'Previous month')));
    expect(lastText(calls)).toContain('Closing balance: 0.00 USD');
  });

  it('a double tap that re-renders the same screen is not an error', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const recorder = recordingFetch();
    // Telegram refuses an edit that changes nothing.
    const fetch: typeof globalThis.fetch = async (input, init) => {
      if (String(input).endsWith('/editMessageText')) {
        return new Response(JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: message is not modified' }), { status: 400 });
      }
      return recorder.fetch(input as string, init);
    };
    const bot = createBot(ctx, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch, store });
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'w:home'));
    expect(recorder.calls.map((call) => call.method)).toContain('answerCallbackQuery');
    expect(recorder.calls.some((call) => call.method === 'sendMessage')).toBe(false); // no "something went wrong"
  });

  it('admins and strangers get the stale-button answer, not a wallet', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    const admin = await makeAdmin(ctx);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'w:home'));
    await bot.handleUpdate(callbackQuery(987_654, 'w:tx'));
    expect(calls.map((call) => call.method)).toEqual(['answerCallbackQuery', 'answerCallbackQuery']);
    for (const call of calls) expect(call.payload.text).toContain('no longer valid');
  });
});
