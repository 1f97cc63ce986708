// A demoted admin (role admin, status paused) in the bot: no admin menu, and every admin button,
// old or forged, is refused without showing any admin data or changing anything (issue 14, part 2).
import { describe, expect, it } from 'vitest';
import { demoteAdmin } from '../../src/domain/accounts/admins.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);

const keeper = await makeAdmin(ctx);
const demoted = await makeAdmin(ctx);
await demoteAdmin(ctx.db, accountActor(keeper.account.id, 'telegram'), demoted.account.id);
const agent = await makeBotAccount(ctx, 'agent', { name: 'Hidden Agent' });
await fund(ctx.db, agent.account, '42.00');
const request = await createTopupRequest(ctx.db, accountActor(agent.account.id, 'telegram'), {
  amount: parseMoney('15.00', 'USD'),
  proof: { kind: 'photo', fileId: 'secret-proof-photo', fileUniqueId: 'secret-proof-unique' },
});

const PAUSED = 'Your account is paused, so this is not possible right now.';
/** Bot API methods that show something to the user (anything else is an answer or a no-op). */
const SHOWING = new Set(['sendMessage', 'sendPhoto', 'editMessageText', 'editMessageReplyMarkup', 'editMessageCaption']);

describe('a demoted admin in the bot', () => {
  it('gets no admin menu', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(demoted.telegramUserId, '/start'));
    expect(lastText(calls)).toContain('paused');
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(['m:home']);
  });

  it('is refused at every admin button and sees no admin data', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    const buttons = [
      'adm:topups',
      `tu:view:${request.id}`,
      `tu:ok:${request.id}`,
      `tu:no:${request.id}`,
      'adm:tree:0',
      `adm:acct:${agent.account.id}`,
      `adm:credit:${agent.account.id}`,
      `adm:pause:${agent.account.id}`,
      'adm:audit',
      'adm:admins',
      `adm:demote:${keeper.account.id}`,
      'adm:invite',
      'adm:close',
      'adm:plans',
      'adm:cards',
      'adm:signups',
      'ops:home',
      'ops:failed',
      'ops:vendor',
      'ops:ra',
    ];
    for (const data of buttons) {
      const before = calls.length;
      await bot.handleUpdate(callbackQuery(demoted.telegramUserId, data));
      const made = calls.slice(before);
      expect(
        made.filter((call) => SHOWING.has(call.method)),
        data,
      ).toEqual([]);
      expect(made.at(-1), data).toMatchObject({ method: 'answerCallbackQuery', payload: { show_alert: true, text: PAUSED } });
    }
    const everything = JSON.stringify(calls);
    for (const secret of ['Hidden Agent', '42.00', 'secret-proof-photo', keeper.account.name]) expect(everything).not.toContain(secret);
  });

  it('changed nothing: no audit row in its name, the request still pending, the money where it was', async () => {
    const { bot } = startTestBot(ctx, store);
    for (const write of [`tu:ok:${request.id}`, `adm:pause:${agent.account.id}`, 'ops:ra', `adm:demote:${keeper.account.id}`]) {
      await bot.handleUpdate(callbackQuery(demoted.telegramUserId, write));
    }
    const audited = await ctx.db.selectFrom('audit_log').select('action').where('actor_account_id', '=', demoted.account.id).execute();
    expect(audited).toEqual([]);
    const stored = await ctx.db.selectFrom('topup_requests').select('status').where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('pending');
    expect(await balance(ctx.db, agent.account)).toBe('42.00');
    expect((await ctx.db.selectFrom('accounts').select('status').where('id', '=', agent.account.id).executeTakeFirstOrThrow()).status).toBe('active');
    await expectLedgerConsistent(ctx.db);
  });

  it('an active admin still gets the menu and the screens', async () => {
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(keeper.telegramUserId, '/start'));
    expect(lastButtons(calls).map((button) => button.callback_data)).toContain('adm:audit');
    await bot.handleUpdate(callbackQuery(keeper.telegramUserId, `adm:acct:${agent.account.id}`));
    expect(lastText(calls)).toContain('Hidden Agent');
    expect(lastText(calls)).toContain('42.00 USD');
  });
});
