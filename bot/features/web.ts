// `/web`: a one-time sign-in link to the web app for an admin or an agent (docs/web.md, Sign-in).
// Private chats only (the bot's middleware), so nobody else sees the link; without a preview, so
// Telegram does not fetch it (it could not use it anyway: the sign-in is a button on the page).
import { Composer } from 'grammy';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { issueWebLoginLink, loginLinkPath } from '#src/domain/web-access/login-links.ts';
import type { BotContext } from '../context.ts';
import { errorText, telegramActor } from '../helpers.ts';

export function webFeature(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.command('web', async (ctx) => {
    if (!ctx.user) return ctx.reply(ctx.t('start-unknown'));
    const { config, db } = ctx.deps.app;
    if (ctx.user.account.role !== 'admin' && ctx.user.account.role !== 'agent') return ctx.reply(ctx.t('web-not-for-you'));
    try {
      const { token } = await issueWebLoginLink(db, apiKeySecret(config), telegramActor(ctx.user.account));
      const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
      await ctx.reply(ctx.t('web-link', { link: `${base.replace(/\/$/, '')}${loginLinkPath(token)}` }), { link_preview_options: { is_disabled: true } });
    } catch (error) {
      const text = errorText(ctx, error);
      if (!text) throw error;
      await ctx.reply(text);
    }
  });
  return feature;
}
