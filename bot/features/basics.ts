// Commands every user has: /start (with or without an invite; it also sets the chat's command menu
// for the account's role), /help, /cancel, /language, and the main menu button.
import { Composer, InlineKeyboard } from 'grammy';
import { defaultAccountLanguage, findTelegramUser, setAccountLanguage } from '#src/domain/accounts/language.ts';
import { redeemInvite } from '#src/domain/accounts/invites.ts';
import { setChatCommands } from '../commands.ts';
import type { BotContext } from '../context.ts';
import { errorText } from '../helpers.ts';
import { supportedLocale } from '../i18n.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { mainMenu } from './menus.ts';

async function showMenu(ctx: BotContext, mode: 'reply' | 'edit'): Promise<void> {
  if (!ctx.user) {
    await ctx.reply(ctx.t('start-unknown'));
    return;
  }
  const { text, keyboard } = mainMenu(ctx, ctx.user);
  if (mode === 'edit') {
    await ctx.editMessageText(text, { reply_markup: keyboard });
    return;
  }
  // On /start the chat's command menu follows the account's role (bot/commands.ts); a failure costs only the menu.
  if (ctx.from) {
    await setChatCommands(ctx.api, ctx.from.id, ctx.user.account).catch((error: unknown) =>
      ctx.deps.app.logger.warn({ err: error }, 'the command menu of a chat was not set'),
    );
  }
  await ctx.reply(text, { reply_markup: keyboard });
}

/** `/start <token>`: binds this Telegram user to the invited account, once. */
async function redeem(ctx: BotContext, token: string, locales: readonly string[]): Promise<void> {
  if (ctx.user) {
    await ctx.reply(ctx.t('start-already-registered'));
    return showMenu(ctx, 'reply');
  }
  const from = ctx.from;
  if (!from) return;
  const { app } = ctx.deps;
  try {
    const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || String(from.id);
    const account = await redeemInvite(app.db, { token, telegramUserId: String(from.id), name });
    const locale = supportedLocale(locales, from.language_code);
    if (locale) await defaultAccountLanguage(app.db, account.id, locale);
  } catch (error) {
    const text = errorText(ctx, error);
    if (!text) throw error;
    await ctx.reply(text);
    return;
  }
  ctx.user = await findTelegramUser(app.db, from.id);
  await ctx.i18n.renegotiateLocale();
  await ctx.reply(ctx.t(ctx.user?.account.role === 'agent' ? 'start-welcome-agent' : 'start-welcome'));
  await showMenu(ctx, 'reply');
}

export function basicsFeature(locales: readonly string[]): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  feature.command('start', async (ctx) => {
    const token = ctx.match.trim();
    if (token) return redeem(ctx, token, locales);
    return showMenu(ctx, 'reply');
  });

  feature.callbackQuery(basicsCallbacks.home.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showMenu(ctx, 'edit');
  });

  feature.command('help', (ctx) => ctx.reply(ctx.t('help')));

  feature.command('cancel', async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(active ? 'cancel-done' : 'cancel-nothing'), { reply_markup: { remove_keyboard: true } });
  });

  // The Cancel button under every flow's question: the same as /cancel.
  feature.callbackQuery(basicsCallbacks.cancelFlow.pattern, async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('cancel-done'));
  });

  // The choice is stored on the account; someone without one only gets the explanation.
  feature.command('language', async (ctx) => {
    if (!ctx.user) return ctx.reply(ctx.t('start-unknown'));
    const keyboard = new InlineKeyboard();
    for (const locale of locales) keyboard.text(ctx.i18n.fluent.translate(locale, 'language-name'), basicsCallbacks.language.build({ locale }));
    await ctx.reply(ctx.t('language-choose'), { reply_markup: keyboard });
  });

  feature.callbackQuery(basicsCallbacks.language.pattern, async (ctx, next) => {
    const { locale } = basicsCallbacks.language.read(ctx.match);
    if (!ctx.user || !locales.includes(locale)) return next(); // stale-button handler answers
    await setAccountLanguage(ctx.deps.app.db, ctx.user.account.id, locale);
    ctx.i18n.useLocale(locale);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('language-set'));
  });

  return feature;
}

/**
 * The last word on a message nothing else took, outside any flow (installed after every feature):
 * a useful answer with the menu instead of silence. A photo an agent sends starts a top-up
 * (topup.ts); a sub-agent's photo points to asking its agent for funds. While a flow waits, its own
 * reminder answers and this stays quiet.
 */
export function outsideFlowsFeature(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.on('message', async (ctx) => {
    // Only in the sender's own chat (a private chat is one person's; never answer one user in another's).
    if (Object.keys(ctx.conversation.active()).length > 0 || ctx.chat.id !== ctx.from?.id) return;
    if (!ctx.user) {
      await ctx.reply(ctx.t('start-unknown'));
      return;
    }
    const { text, keyboard } = mainMenu(ctx, ctx.user);
    const role = ctx.user.account.role;
    const hint = ctx.message.photo && role === 'sub_agent' ? 'outside-photo-sub-agent' : role === 'agent' ? 'outside-message-agent' : 'outside-message';
    await ctx.reply(`${ctx.t(hint)}\n\n${text}`, { reply_markup: keyboard });
  });
  return feature;
}
