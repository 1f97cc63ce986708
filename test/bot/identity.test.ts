import { describe, expect, it } from 'vitest';
import { revokeInvite } from '../../src/domain/accounts/invites.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createTestContext } from '../support/context.ts';
import { inviteToken, makeAdmin, newStore, nextTelegramId, startTestBot } from '../support/bot.ts';
import { lastButtons, lastText, sentTexts, callbackQuery, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);
const testBot = () => startTestBot(ctx, store);

describe('/start with an invite', () => {
  it('binds the Telegram user to the invited account once, in their Telegram language', async () => {
    const { bot, calls } = testBot();
    const token = await inviteToken(ctx, 'agent');
    const userId = nextTelegramId();
    await bot.handleUpdate(textMessage(userId, `/start ${token}`, 'ar'));
    const user = await findTelegramUser(ctx.db, userId);
    expect(user?.account.role).toBe('agent');
    expect(user?.language).toBe('ar');
    expect(sentTexts(calls)[0]).toBe('أهلًا بك! حسابك جاهز. لشحن محفظتك، أرسل هنا صورة إثبات الدفع مع كتابة المبلغ في وصفها (مثلًا 100).'); // an agent learns how to top up
    expect(lastText(calls)).toContain('قائمة الوكيل');

    // The same link again, by someone else and by the same user.
    const other = nextTelegramId();
    await bot.handleUpdate(textMessage(other, `/start ${token}`));
    expect(lastText(calls)).toBe('This invite link was already used. Ask for a new one.');
    expect(await findTelegramUser(ctx.db, other)).toBeUndefined();
    await bot.handleUpdate(textMessage(userId, `/start ${token}`));
    expect(sentTexts(calls).at(-2)).toBe('لديك حساب بالفعل؛ لا يمكن استخدام رابط دعوة مرة أخرى.');
  });

  it('explains expired, revoked and unknown invites', async () => {
    const { bot, calls } = testBot();
    const expired = await inviteToken(ctx, 'agent');
    await ctx.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('redeemed_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await bot.handleUpdate(textMessage(nextTelegramId(), `/start ${expired}`));
    expect(lastText(calls)).toBe('This invite link has expired. Ask for a new one.');

    const revoked = await inviteToken(ctx, 'agent');
    const invite = await ctx.db.selectFrom('invites').select('id').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    await revokeInvite(ctx.db, platformActor('cli'), invite.id);
    await bot.handleUpdate(textMessage(nextTelegramId(), `/start ${revoked}`));
    expect(lastText(calls)).toBe('This invite link was revoked. Ask for a new one.');

    await bot.handleUpdate(textMessage(nextTelegramId(), '/start not-a-real-token'));
    expect(lastText(calls)).toBe('This invite link is not valid. Ask for a new one.');
  });

  it('a sub-agent invite puts the new account under the inviting agent', async () => {
    const { bot, calls } = testBot();
    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${await inviteToken(ctx, 'agent')}`));
    const agent = (await findTelegramUser(ctx.db, agentId))!.account;
    const subId = nextTelegramId();
    await bot.handleUpdate(textMessage(subId, `/start ${await inviteToken(ctx, 'sub_agent', agent)}`));
    const sub = (await findTelegramUser(ctx.db, subId))!.account;
    expect(sub).toMatchObject({ role: 'sub_agent', parentId: agent.id });
    expect(lastText(calls)).toContain('Sub-agent menu');
  });
});

describe('menus per role', () => {
  it('shows each role its own menu, and an unknown user only the explanation', async () => {
    const { bot, calls } = testBot();
    const admin = await makeAdmin(ctx);
    await bot.handleUpdate(textMessage(admin.telegramUserId, '/start'));
    expect(lastText(calls)).toContain('Admin menu');
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(
      expect.arrayContaining(['adm:topups', 'adm:adjust', 'adm:invite', 'adm:tree:0', 'adm:audit', 'adm:close', 'adm:admins']),
    );

    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${await inviteToken(ctx, 'agent')}`));
    await bot.handleUpdate(textMessage(agentId, '/start'));
    expect(lastText(calls)).toContain('Agent menu');
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(['o:new', 'o:list', 'w:home', 'tu:new', 'net:list:0', 'net:rs']);

    const agent = (await findTelegramUser(ctx.db, agentId))!.account;
    const subId = nextTelegramId();
    await bot.handleUpdate(textMessage(subId, `/start ${await inviteToken(ctx, 'sub_agent', agent)}`));
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(['o:new', 'o:list', 'w:home', 'fr:new']);

    const before = calls.length;
    await bot.handleUpdate(textMessage(nextTelegramId(), '/start'));
    expect(calls.slice(before)).toHaveLength(1);
    expect(lastText(calls)).toContain('open the invite link');
    expect(calls.at(-1)?.payload.reply_markup).toBeUndefined();
  });

  it('renders the main menus in Arabic', async () => {
    const { bot, calls } = testBot();
    const admin = await makeAdmin(ctx);
    await ctx.db.updateTable('accounts').set({ language: 'ar' }).where('id', '=', admin.account.id).execute();
    await bot.handleUpdate(textMessage(admin.telegramUserId, '/start', 'en'));
    expect(lastText(calls)).toContain('قائمة المشرف');
    expect(lastButtons(calls).map((button) => button.text)).toContain('📥 طلبات الشحن المعلقة');

    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${await inviteToken(ctx, 'agent')}`, 'ar'));
    expect(lastButtons(calls).map((button) => button.text)).toEqual([
      '🛒 طلب بطاقات',
      '🧾 طلباتي',
      '💰 المحفظة',
      '➕ شحن الرصيد',
      '👥 شبكتي',
      '📈 حصة الإيرادات',
    ]);
    const agent = (await findTelegramUser(ctx.db, agentId))!.account;
    await bot.handleUpdate(textMessage(nextTelegramId(), `/start ${await inviteToken(ctx, 'sub_agent', agent)}`, 'ar-EG'));
    expect(lastText(calls)).toContain('قائمة الوكيل الفرعي');
    expect(lastButtons(calls).map((button) => button.text)).toEqual(['🛒 طلب بطاقات', '🧾 طلباتي', '💰 المحفظة', '🙋 طلب رصيد']);
  });

  it('/language stores the choice on the account (a new bot instance uses it)', async () => {
    const first = testBot();
    const agentId = nextTelegramId();
    await first.bot.handleUpdate(textMessage(agentId, `/start ${await inviteToken(ctx, 'agent')}`, 'en'));
    await first.bot.handleUpdate(textMessage(agentId, '/language'));
    const arabic = lastButtons(first.calls).find((button) => button.text === 'العربية');
    await first.bot.handleUpdate(callbackQuery(agentId, arabic?.callback_data as string));
    expect(lastText(first.calls)).toBe('تم تعيين اللغة إلى العربية.');
    expect((await findTelegramUser(ctx.db, agentId))?.language).toBe('ar');

    const restarted = testBot();
    await restarted.bot.handleUpdate(textMessage(agentId, '/start', 'en'));
    expect(lastText(restarted.calls)).toContain('قائمة الوكيل');
  });
});
