// The bot while Redis or PostgreSQL is unreachable: no crash, no unhandled error; the user is told
// the service is briefly unavailable (docs/bot-flows.md, Errors). Redis is reached through a proxy
// the test cuts; the test runs only where the run has a Redis (REDIS_URL).
import { afterAll, describe, expect, it } from 'vitest';
import { createBot } from '../../bot/index.ts';
import { createAppContext } from '../../src/context.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createRedisState } from '../../src/shared-state/index.ts';
import { makeBotAccount, newStore } from '../support/bot.ts';
import { createTestContext } from '../support/context.ts';
import { testRedisPrefix } from '../support/db.ts';
import { startTcpProxy, throughProxy } from '../support/tcp-proxy.ts';
import { BOT_TOKEN, botInfo, recordingFetch, textMessage } from '../support/telegram.ts';

const { ctx, database } = await createTestContext();
const targetOf = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
const sentTexts = (calls: { method: string; payload: Record<string, unknown> }[]) =>
  calls.filter((call) => call.method === 'sendMessage').map((call) => call.payload.text);

describe('the bot with a dependency down', () => {
  it.runIf(process.env.REDIS_URL)('Redis (its state and chat locks): the user is told to try again shortly', async () => {
    const proxy = await startTcpProxy(targetOf(process.env.REDIS_URL as string));
    const state = createRedisState(throughProxy(process.env.REDIS_URL as string, proxy), testRedisPrefix('bot-outage'));
    afterAll(async () => {
      await state.close();
      await proxy.close();
    });
    const app = createAppContext({ ...ctx, state });
    const agent = await makeBotAccount(ctx, 'agent');
    const recorder = recordingFetch();
    const bot = createBot(app, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch: recorder.fetch, store: state.kv, mode: 'webhook' });

    await proxy.cut();
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/start'));
    expect(sentTexts(recorder.calls)).toEqual(['The service is briefly unavailable. Please try again in a minute.']);
  });

  it('PostgreSQL: the user is told to try again shortly', async () => {
    const proxy = await startTcpProxy(targetOf(database.url));
    const { db } = createDatabase(throughProxy(database.url, proxy), { poolSize: 2 });
    afterAll(async () => {
      await db.destroy();
      await proxy.close();
    });
    const agent = await makeBotAccount(ctx, 'agent');
    const app = createAppContext({ ...ctx, db });
    const recorder = recordingFetch();
    const bot = createBot(app, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch: recorder.fetch, store: newStore(app) });

    await proxy.cut();
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/start'));
    expect(sentTexts(recorder.calls)).toEqual(['The service is briefly unavailable. Please try again in a minute.']);
  });
});
