// Text typed into a bot flow that nothing can store (NUL, lone surrogates) is asked again, through
// the same safeText rule as the API: it never reaches the ledger or the audit log (issue 14, part 3).
import { describe, expect, it } from 'vitest';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { errorCapturingLogger } from '../support/logs.ts';
import { balance, expectLedgerConsistent } from '../support/money.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const { logger, errors } = errorCapturingLogger();
ctx.logger = logger;
const store = newStore(ctx);

describe('hostile text in bot flows', () => {
  it('asks again for a credit reason with a NUL or a lone surrogate; the credit then goes through once', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Careful Agent' });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `adm:credit:${agent.account.id}`));
    await bot.handleUpdate(textMessage(admin.telegramUserId, '12'));
    for (const reason of ['Good\u0000will', 'Goodwill \ud800']) {
      await bot.handleUpdate(textMessage(admin.telegramUserId, reason));
      expect(lastText(calls)).toBe('That text has characters we cannot keep. Please type it again, or press Cancel.');
    }
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Goodwill'));
    expect(lastText(calls)).toBe('Credit 12.00 USD to Careful Agent? Reason: Goodwill');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Confirm')));
    expect(await balance(ctx.db, agent.account)).toBe('12.00');
    await expectLedgerConsistent(ctx.db);
    expect(errors).toEqual([]);
  });
});
