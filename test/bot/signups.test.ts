// Admin partner signups in the bot: the pending list (paged), one signup, approve, reject with an
// offered reason (keys revoked), a second decision refused, and no access for non-admins.
import { describe, expect, it } from 'vitest';
import { SIGNUP_PAGE_SIZE } from '../../bot/features/signups.ts';
import { apiKeySecret, authenticateApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { signUpPartner, type SignupResult } from '../../src/domain/signups/signups.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { createTestContext } from '../support/context.ts';
import { expectDomainError } from '../support/money.ts';
import { buttonData, callbackQuery, lastButtons, lastText } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);
const secret = apiKeySecret(ctx.config);

let sequence = 0;
async function signUp(): Promise<SignupResult> {
  sequence += 1;
  return signUpPartner(
    ctx.db,
    { companyName: `Bot Signup ${String(sequence).padStart(2, '0')}`, email: `bot${sequence}@example.com`, useCase: 'Rewards for our delivery riders' },
    { currency: 'USD', sandboxFunds: '100.00', apiKeySecret: secret },
  );
}

const status = async (accountId: string) =>
  await ctx.db.selectFrom('partner_signups').select(['status', 'reject_reason', 'stage']).where('account_id', '=', accountId).executeTakeFirstOrThrow();

describe('admin signups in the bot', () => {
  it('lists pending signups paged, approves one, rejects another with a reason', async () => {
    const signups: SignupResult[] = [];
    for (let index = 0; index < SIGNUP_PAGE_SIZE + 2; index += 1) signups.push(await signUp());
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;

    await bot.handleUpdate(callbackQuery(user, 'adm:signups'));
    expect(lastText(calls)).toBe('Partner signups waiting for a decision (oldest first):');
    const firstPage = lastButtons(calls).map((button) => button.text);
    expect(firstPage.filter((text) => text.startsWith('Bot Signup'))).toHaveLength(SIGNUP_PAGE_SIZE);
    expect(firstPage[0]).toBe('Bot Signup 01 · bot1@example.com');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Next')));
    expect(
      lastButtons(calls)
        .filter((button) => button.text.startsWith('Bot Signup'))
        .map((button) => button.text),
    ).toEqual([
      `Bot Signup ${String(SIGNUP_PAGE_SIZE + 1).padStart(2, '0')} · bot${SIGNUP_PAGE_SIZE + 1}@example.com`,
      `Bot Signup ${String(SIGNUP_PAGE_SIZE + 2).padStart(2, '0')} · bot${SIGNUP_PAGE_SIZE + 2}@example.com`,
    ]);

    // Approve the first.
    const first = signups[0]!;
    await bot.handleUpdate(callbackQuery(user, `sg:view:${first.account.id}`));
    expect(lastText(calls)).toContain('Email: bot1@example.com');
    expect(lastText(calls)).toContain('Onboarding: signed up');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Approve')));
    expect(lastText(calls)).toBe('Bot Signup 01 is approved: it can now create its live key.');
    expect(await status(first.account.id)).toMatchObject({ status: 'approved', stage: 'approved' });
    const approvedAudit = await ctx.db
      .selectFrom('audit_log')
      .select(['actor_account_id', 'channel'])
      .where('subject_id', '=', first.account.id)
      .where('action', '=', 'partner.approved')
      .execute();
    expect(approvedAudit).toEqual([{ actor_account_id: admin.account.id, channel: 'telegram' }]);
    // A double tap (or another admin) is told it was already decided.
    await bot.handleUpdate(callbackQuery(user, `sg:ok:${first.account.id}`));
    expect(calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: 'This signup was already decided.' } });
    // Decided signups leave the pending list.
    await bot.handleUpdate(callbackQuery(user, 'sg:list:0'));
    expect(lastButtons(calls).map((button) => button.text)).not.toContain('Bot Signup 01 · bot1@example.com');

    // Reject the second with an offered reason: its key stops working.
    const second = signups[1]!;
    await bot.handleUpdate(callbackQuery(user, `sg:view:${second.account.id}`));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Reject')));
    expect(lastText(calls)).toBe("Why is this signup rejected? The partner's keys stop working.");
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Not a fit')));
    expect(lastText(calls)).toBe('Bot Signup 02 is rejected (Not a fit for our platform); its keys are revoked.');
    expect(await status(second.account.id)).toMatchObject({ status: 'rejected', reject_reason: 'Not a fit for our platform' });
    await expectDomainError(authenticateApiKey(ctx.db, secret, second.apiKey.key), 'unauthorized');
    const rejectedAudit = await ctx.db
      .selectFrom('audit_log')
      .select(['channel', 'after'])
      .where('subject_id', '=', second.account.id)
      .where('action', '=', 'partner.rejected')
      .executeTakeFirstOrThrow();
    expect(rejectedAudit).toMatchObject({ channel: 'telegram', after: { reason: 'Not a fit for our platform' } });
  });

  it('non-admins cannot reach signups', async () => {
    const pending = await signUp();
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'adm:signups'));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, `sg:ok:${pending.account.id}`));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
    expect((await status(pending.account.id)).status).toBe('pending');
  });

  it('says when nothing is waiting', async () => {
    await ctx.db
      .updateTable('partner_signups')
      .set({ status: 'rejected', decided_at: new Date(), reject_reason: 'cleanup' })
      .where('status', '=', 'pending')
      .execute();
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:signups'));
    expect(lastText(calls)).toBe('No signups are waiting for a decision.');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'sg:view:00000000-0000-4000-8000-000000000000'));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
  });
});
