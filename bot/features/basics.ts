// Commands every user has: /start, /help, /cancel, /language.
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.ts';
import { languageKey } from '../storage.ts';

export const LANGUAGE_CALLBACK = /^lang:([a-z]{2})$/;

export function basicsFeature(locales: readonly string[]): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  // Role menus replace this greeting once accounts exist; an unknown user only gets the explanation.
  feature.command('start', (ctx) => ctx.reply(ctx.t('start-unknown')));

  feature.command('help', (ctx) => ctx.reply(ctx.t('help')));

  feature.command('cancel', async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(active ? 'cancel-done' : 'cancel-nothing'), { reply_markup: { remove_keyboard: true } });
  });

  feature.command('language', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const locale of locales) keyboard.text(ctx.i18n.fluent.translate(locale, 'language-name'), `lang:${locale}`);
    await ctx.reply(ctx.t('language-choose'), { reply_markup: keyboard });
  });

  feature.callbackQuery(LANGUAGE_CALLBACK, async (ctx) => {
    const locale = ctx.match[1] as string;
    if (!locales.includes(locale)) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    await ctx.deps.store.set(languageKey(ctx.from.id), locale);
    ctx.i18n.useLocale(locale);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('language-set'));
  });

  return feature;
}
