// Puts the deps and the Telegram user's account on the context: once per update outside, and on
// each context inside conversations (they are separate objects there). An account without a stored
// language takes Telegram's language code the first time its user writes (admins from
// configuration, accounts created by an operator), so notifications speak the user's language too;
// an admin known only by its Telegram id (configuration, a promotion) takes its Telegram name.
import type { MiddlewareFn } from 'grammy';
import { nameAdminFromTelegram } from '#src/domain/accounts/accounts.ts';
import { defaultAccountLanguage, findTelegramUser } from '#src/domain/accounts/language.ts';
import type { BaseContext, BotDeps } from '../context.ts';
import { supportedLocale } from '../i18n.ts';

export function loadUser(deps: BotDeps, locales: readonly string[]): MiddlewareFn<BaseContext> {
  return async (ctx, next) => {
    ctx.deps = deps;
    ctx.user = ctx.from ? await findTelegramUser(deps.app.db, ctx.from.id) : undefined;
    if (ctx.user && ctx.from) {
      const telegramName = [ctx.from.first_name, ctx.from.last_name].filter(Boolean).join(' ');
      ctx.user = { ...ctx.user, account: await nameAdminFromTelegram(deps.app.db, ctx.user.account, telegramName) };
    }
    const telegramLocale = supportedLocale(locales, ctx.from?.language_code);
    if (ctx.user && ctx.user.language === null && telegramLocale) {
      await defaultAccountLanguage(deps.app.db, ctx.user.account.id, telegramLocale);
      ctx.user = { ...ctx.user, language: telegramLocale };
    }
    await next();
  };
}
