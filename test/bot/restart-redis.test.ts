// A flow survives a restart with the bot's default store: Redis when configured (REDIS_URL in the
// test environment), PostgreSQL otherwise.
import { describe, expect, it } from 'vitest';
import { createBotStore } from '../../bot/storage.ts';
import { getTopupRequest } from '../../src/domain/funding/topups.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, startTestBot } from '../support/bot.ts';
import { balance, expectLedgerConsistent } from '../support/money.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext({ redis: true });

describe('restart with the default bot store', () => {
  it('continues a top-up in a new bot instance, then the admin approves it', async () => {
    const store = createBotStore(ctx);
    expect(ctx.state.kind).toBe(process.env.REDIS_URL ? 'redis' : 'memory');
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent');
    const first = startTestBot(ctx, store);
    await first.bot.handleUpdate(callbackQuery(agent.telegramUserId, 'tu:new'));
    await first.bot.handleUpdate(textMessage(agent.telegramUserId, '33.10'));

    const second = startTestBot(ctx, store);
    await second.bot.handleUpdate(textMessage(agent.telegramUserId, 'WIRE-99'));
    expect(lastText(second.calls)).toContain('Amount: 33.10 USD');
    const third = startTestBot(ctx, store);
    third.calls.push(...second.calls);
    await third.bot.handleUpdate(callbackQuery(agent.telegramUserId, buttonData(second.calls, 'Send')));
    expect(lastText(third.calls)).toContain('was sent');

    const request = await ctx.db.selectFrom('topup_requests').select('id').where('account_id', '=', agent.account.id).executeTakeFirstOrThrow();
    await third.bot.handleUpdate(callbackQuery(admin.telegramUserId, `tu:ok:${request.id}`));
    expect((await getTopupRequest(ctx.db, platformActor('cli'), request.id)).status).toBe('approved');
    expect(await balance(ctx.db, agent.account)).toBe('33.10');
    await expectLedgerConsistent(ctx.db);
  });
});
