// `/web` (docs/web.md, Sign-in): an admin or an agent gets a one-time sign-in link in the private
// chat (without a preview), which signs them in once; sub-agents and strangers get none; nothing
// happens in a group. English and Arabic.
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { groupChat, lastText, textMessage, textMessageIn } from '../support/telegram.ts';
import { createWebClient } from '../support/web.ts';

const { ctx, boss } = await createTestContext({ env: { PUBLIC_URL: 'https://steller.example' } });
const store = newStore(ctx);
const api = createApi({ ctx, boss });

const linkIn = (text: string) => /https:\/\/steller\.example(\/app\/login\/link\?token=[A-Za-z0-9_%-]+)/.exec(text)?.[1];

describe('/web', () => {
  it('sends an admin a link that signs in once, without a link preview', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(admin.telegramUserId, '/web'));
    const sent = calls.at(-1)!;
    expect(sent.method).toBe('sendMessage');
    expect(sent.payload).toMatchObject({ chat_id: admin.telegramUserId, link_preview_options: { is_disabled: true } });
    expect(lastText(calls)).toContain('works once, for 5 minutes');
    const path = linkIn(lastText(calls));
    expect(path).toBeDefined();

    const web = createWebClient(api);
    const opened = await web.get(path!);
    expect(opened.response.status).toBe(200);
    const token = decodeURIComponent(new URL(path!, 'https://x').searchParams.get('token')!);
    expect((await web.post('/app/login/link', { token })).response.headers.get('location')).toBe('/app');
    expect((await web.get('/app/admin')).response.status).toBe(200);
    const again = createWebClient(api);
    await again.get(path!);
    expect((await again.post('/app/login/link', { token })).response.status).toBe(401);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'channel']).where('actor_account_id', '=', admin.account.id).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'web.login_link_issued', channel: 'telegram' },
      { action: 'web.signed_in', channel: 'web' },
    ]);
  });

  it('gives agents a link in Arabic too, and sub-agents and strangers none', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const sub = await makeBotAccount(ctx, 'sub_agent', { parent: agent.account });
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessage(agent.telegramUserId, '/web', 'ar'));
    expect(lastText(calls)).toContain('رابط تسجيل الدخول');
    expect(linkIn(lastText(calls))).toBeDefined();
    await bot.handleUpdate(textMessage(sub.telegramUserId, '/web'));
    expect(lastText(calls)).toBe("The web app's sign-in link is for admins and agents.");
    await bot.handleUpdate(textMessage(sub.telegramUserId, '/web', 'ar'));
    expect(lastText(calls)).toBe('رابط تسجيل الدخول إلى تطبيق الويب مخصص للمشرفين والوكلاء.');
    await bot.handleUpdate(textMessage(990_001, '/web'));
    expect(lastText(calls)).toContain('open the invite link');
    expect(await ctx.db.selectFrom('web_login_links').select('id').where('account_id', '=', sub.account.id).execute()).toEqual([]);
  });

  it('never sends a link into a group', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(textMessageIn(groupChat(), admin.telegramUserId, '/web'));
    expect(calls.every((call) => !JSON.stringify(call.payload).includes('/app/login/link'))).toBe(true);
    expect(await ctx.db.selectFrom('web_login_links').select('id').where('account_id', '=', admin.account.id).execute()).toEqual([]);
  });
});
