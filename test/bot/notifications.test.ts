import { describe, expect, it } from 'vitest';
import { createTelegramGateway } from '../../bot/notifier.ts';
import { createAppContext, type AppContext } from '../../src/context.ts';
import { startWorkers } from '../../src/jobs/boss.ts';
import { telegramDeleteWorker, telegramSendWorker } from '../../src/jobs/handlers/telegram.ts';
import { TelegramRateLimitedError, telegramMessageSchema, type TelegramMessage } from '../../src/notifications/telegram.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { createTestContext } from '../support/context.ts';
import { BOT_TOKEN, recordingFetch } from '../support/telegram.ts';

const { ctx: baseCtx, boss } = await createTestContext();
const job = { id: 'job-1', retryCount: 0, signal: new AbortController().signal };

function contextWith(fetch: typeof globalThis.fetch): AppContext {
  // Fresh limiters per test: the per-chat and global windows start empty.
  return createAppContext(
    { ...baseCtx, state: createMemoryState() },
    { telegram: createTelegramGateway({ token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', fetch }) },
  );
}

const send = (ctx: AppContext, message: TelegramMessage) => telegramSendWorker.handle(ctx, telegramMessageSchema.parse(message), job);

function telegramError(code: number, description: string, retryAfter?: number) {
  return async () =>
    new Response(JSON.stringify({ ok: false, error_code: code, description, ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}) }), {
      status: code,
      headers: { 'content-type': 'application/json' },
    });
}

describe('telegram notifications', () => {
  it('renders the text in the recipient locale, with buttons and content protection', async () => {
    const { fetch, calls } = recordingFetch();
    const ctx = contextWith(fetch);
    await send(ctx, {
      chatId: '42',
      locale: 'ar',
      text: { key: 'cancel-done' },
      buttons: [[{ text: { key: 'language-name' }, callbackData: 'lang:ar' }]],
      protectContent: true,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'sendMessage',
      payload: {
        chat_id: 42,
        text: 'تم الإلغاء. لم يتغير شيء.',
        protect_content: true,
        reply_markup: { inline_keyboard: [[{ text: 'العربية', callback_data: 'lang:ar' }]] },
      },
    });
  });

  it('sends a photo (a top-up proof) with the rendered text as its caption', async () => {
    const { fetch, calls } = recordingFetch();
    const ctx = contextWith(fetch);
    await send(ctx, {
      chatId: '49',
      photo: 'proof-file-id',
      text: { key: 'topup-approve' },
      buttons: [[{ text: { key: 'topup-reject' }, callbackData: 'tu:no:x' }]],
    });
    expect(calls[0]).toMatchObject({
      method: 'sendPhoto',
      payload: {
        chat_id: 49,
        photo: 'proof-file-id',
        caption: '✅ Approve',
        reply_markup: { inline_keyboard: [[{ text: '❌ Reject', callback_data: 'tu:no:x' }]] },
      },
    });
  });

  it('schedules the deletion of a message that must not stay (revealed codes)', async () => {
    const { fetch } = recordingFetch();
    const ctx = contextWith(fetch);
    const result = (await send(ctx, { chatId: '43', text: { raw: 'CODE' }, deleteAfterSeconds: 60 })) as { messageId: number };
    const [deletion] = await boss.findJobs<{ chatId: string; messageId: number }>(telegramDeleteWorker.name, { data: { chatId: '43' } });
    expect(deletion?.data).toEqual({ chatId: '43', messageId: result.messageId });
    expect(deletion?.startAfter.getTime()).toBeGreaterThan(Date.now() + 50_000);

    const deleted = recordingFetch();
    await telegramDeleteWorker.handle(contextWith(deleted.fetch), { chatId: '43', messageId: result.messageId }, job);
    expect(deleted.calls[0]).toMatchObject({ method: 'deleteMessage', payload: { chat_id: 43, message_id: result.messageId } });
  });

  it('sends at most one message per second to one chat', async () => {
    const times: number[] = [];
    const { fetch } = recordingFetch();
    const timed: typeof globalThis.fetch = async (input, init) => {
      times.push(performance.now());
      return fetch(input as string, init);
    };
    const ctx = contextWith(timed);
    await Promise.all([send(ctx, { chatId: '44', text: { raw: 'one' } }), send(ctx, { chatId: '44', text: { raw: 'two' } })]);
    expect(times).toHaveLength(2);
    expect(Math.abs((times[1] as number) - (times[0] as number))).toBeGreaterThanOrEqual(900);
  });

  it("Telegram's 429 fails the attempt and holds every send for retry_after", async () => {
    const ctx = contextWith(telegramError(429, 'Too Many Requests: retry after 7', 7));
    await expect(send(ctx, { chatId: '45', text: { raw: 'x' } })).rejects.toBeInstanceOf(TelegramRateLimitedError);
    const { fetch, calls } = recordingFetch();
    const sameLimits = { ...ctx, telegram: createTelegramGateway({ token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', fetch }) };
    await expect(send(sameLimits, { chatId: '46', text: { raw: 'y' } })).rejects.toThrow(/no slot/);
    expect(calls).toHaveLength(0);
  });

  it('a user who blocked the bot is not retried forever', async () => {
    const ctx = contextWith(telegramError(403, 'Forbidden: bot was blocked by the user'));
    expect(await send(ctx, { chatId: '47', text: { raw: 'x' } })).toEqual({ undeliverable: 'Forbidden: bot was blocked by the user' });
  });

  it('is delivered end to end through the queue and a worker', async () => {
    const { fetch, calls } = recordingFetch();
    const ctx = contextWith(fetch);
    await ctx.jobs.enqueue(telegramSendWorker, { chatId: '48', text: { key: 'help' } });
    await startWorkers(boss, [telegramSendWorker], ctx, ctx.metrics);
    const deadline = Date.now() + 10_000;
    while (calls.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await boss.offWork(telegramSendWorker.name);
    expect(calls[0]).toMatchObject({ method: 'sendMessage', payload: { chat_id: 48, text: expect.stringContaining('/language') } });
  });
});
