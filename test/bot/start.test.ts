import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createBot } from '../../bot/index.ts';
import { chatLock } from '../../bot/middlewares/chat-lock.ts';
import { WEBHOOK_PATH, telegramWebhookHandler } from '../../bot/webhook.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { createTestContext } from '../support/context.ts';
import { BOT_TOKEN, botInfo, callbackQuery, recordingFetch, sentTexts, textMessage } from '../support/telegram.ts';

const { ctx, boss } = await createTestContext();

function testBot() {
  const recorder = recordingFetch();
  const bot = createBot(ctx, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch: recorder.fetch });
  return { bot, ...recorder };
}

describe('bot basics', () => {
  it('explains itself to an unknown user, in their Telegram language', async () => {
    const { bot, calls } = testBot();
    await bot.handleUpdate(textMessage(101, '/start'));
    await bot.handleUpdate(textMessage(102, '/start', 'ar'));
    await bot.handleUpdate(textMessage(103, '/start', 'xx')); // unsupported language: English
    const [english, arabic, fallback] = sentTexts(calls);
    expect(english).toContain('open the invite link');
    expect(arabic).toContain('رابط الدعوة');
    expect(fallback).toBe(english);
    expect(calls[0]?.payload).toMatchObject({ chat_id: 101 });
  });

  it('answers a stale or forged button with a clear message', async () => {
    const { bot, calls } = testBot();
    await bot.handleUpdate(callbackQuery(301, 'order:confirm:forged'));
    await bot.handleUpdate(callbackQuery(301, 'lang:zz'));
    expect(calls.map((call) => call.method)).toEqual(['answerCallbackQuery', 'answerCallbackQuery']);
    for (const call of calls) expect(call.payload).toMatchObject({ show_alert: true, text: expect.stringContaining('no longer valid') });
  });

  it('/cancel with nothing running says so', async () => {
    const { bot, calls } = testBot();
    await bot.handleUpdate(textMessage(401, '/cancel'));
    expect(sentTexts(calls)).toEqual(['There is nothing to cancel.']);
  });
});

describe('webhook mode', () => {
  it('accepts updates only with the secret token', async () => {
    const { bot, calls } = testBot();
    await bot.init();
    const secret = 'test-webhook-secret-0123456789';
    const api = createApi({ ctx, boss, telegramWebhook: { path: WEBHOOK_PATH, handler: telegramWebhookHandler(bot, secret) } });
    const body = JSON.stringify(textMessage(501, '/help'));
    const headers = { 'content-type': 'application/json' };

    const forged = await api.request(WEBHOOK_PATH, { method: 'POST', body, headers: { ...headers, 'x-telegram-bot-api-secret-token': 'wrong' } });
    expect(forged.status).toBe(401);
    expect(calls).toHaveLength(0);

    const genuine = await api.request(WEBHOOK_PATH, { method: 'POST', body, headers: { ...headers, 'x-telegram-bot-api-secret-token': secret } });
    expect(genuine.status).toBe(200);
    expect(sentTexts(calls)[0]).toContain('/language');
  });

  it('handles the updates of one chat one at a time across processes', async () => {
    const state = createMemoryState(); // the same lock store two processes would share through Redis
    const lock = chatLock(state.locks);
    let running = 0;
    let maxRunning = 0;
    const handle = (chatId: number) =>
      lock({ chatId } as never, async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
      });
    await Promise.all([handle(1), handle(1), handle(1)]);
    expect(maxRunning).toBe(1);
    await Promise.all([handle(2), handle(3)]);
    expect(maxRunning).toBe(2);
  });
});
