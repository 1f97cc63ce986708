// No secret in any log line of a full flow: invite tokens, the bot token, links carrying tokens.
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestContext } from '../support/context.ts';
import { inviteToken, makeAdmin, newStore, nextTelegramId, startTestBot } from '../support/bot.ts';
import { expectLedgerConsistent } from '../support/money.ts';
import { BOT_TOKEN, buttonData, callbackQuery, lastText, photoMessage, textMessage } from '../support/telegram.ts';

const { ctx: baseCtx } = await createTestContext();

describe('bot logs', () => {
  it('a full flow at debug level logs no token or key', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
    const ctx: AppContext = { ...baseCtx, logger };
    const { bot, calls } = startTestBot(ctx, newStore(ctx));
    const secrets: string[] = [BOT_TOKEN];

    const admin = await makeAdmin(ctx);
    const agentToken = await inviteToken(ctx, 'agent');
    secrets.push(agentToken);
    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${agentToken}`));
    await bot.handleUpdate(textMessage(nextTelegramId(), `/start ${agentToken}`)); // used twice: refused

    await bot.handleUpdate(callbackQuery(agentId, 'tu:new'));
    await bot.handleUpdate(textMessage(agentId, '100'));
    await bot.handleUpdate(photoMessage(agentId, 'secret-receipt'));
    await bot.handleUpdate(callbackQuery(agentId, buttonData(calls, 'Send')));
    const request = await ctx.db.selectFrom('topup_requests').select('id').executeTakeFirstOrThrow();
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `tu:ok:${request.id}`));

    await bot.handleUpdate(callbackQuery(agentId, 'net:invite'));
    const subToken = /\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls))?.[1] as string;
    secrets.push(subToken);
    const subId = nextTelegramId();
    await bot.handleUpdate(textMessage(subId, `/start ${subToken}`));
    const sub = (await findTelegramUser(ctx.db, subId))!.account;
    await bot.handleUpdate(callbackQuery(agentId, `net:give:${sub.id}`));
    await bot.handleUpdate(textMessage(agentId, '40'));
    await bot.handleUpdate(callbackQuery(agentId, buttonData(calls, 'Confirm')));
    await bot.handleUpdate(callbackQuery(agentId, 'adm:invite')); // forged
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:invite'));
    secrets.push(/\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls))?.[1] as string);

    expect(JSON.stringify(calls)).toContain(subToken); // the link really went to the user
    expect(lines.length).toBeGreaterThan(10); // the flow was logged (one line per update at least)
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
    await expectLedgerConsistent(ctx.db);
  });
});
