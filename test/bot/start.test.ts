import { describe, expect, it } from 'vitest';
import { createBot } from '../../bot/index.ts';
import { createTestContext } from '../support/context.ts';
import { BOT_TOKEN, botInfo, recordingFetch, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();

describe('bot basics', () => {
  it('answers /start and /help through the Bot API', async () => {
    const { fetch, calls } = recordingFetch();
    const bot = createBot(ctx, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch });
    await bot.handleUpdate(textMessage(42, '/start'));
    await bot.handleUpdate(textMessage(42, '/help'));
    expect(calls.map((call) => call.method)).toEqual(['sendMessage', 'sendMessage']);
    expect(calls[0]?.payload).toMatchObject({ chat_id: 42, text: expect.stringContaining('invite link') });
  });
});
