// The TelegramGateway port (src/notifications/telegram.ts) over grammY's Api: renders texts from
// the locale files (a notice without buttons gets the menu button) and maps Telegram's refusals to
// the errors the send queue understands.
import { Api, GrammyError, InlineKeyboard } from 'grammy';
import { TelegramPermanentError, TelegramRateLimitedError, textSchema, type buttonSchema, type TelegramGateway } from '#src/notifications/telegram.ts';
import type { z } from 'zod';
import { basicsCallbacks } from './features/basics.callbacks.ts';
import { DEFAULT_LOCALE, createI18n } from './i18n.ts';

export interface GatewayOptions {
  token: string;
  apiRoot: string;
  /** Given in tests to record outgoing Bot API calls. */
  fetch?: typeof fetch;
}

/** The button under every notice that has none of its own. */
const menuButton = { text: { key: 'button-menu', vars: {} }, callbackData: basicsCallbacks.home.build() };

/** Telegram's limit for a photo caption. */
const CAPTION_LIMIT = 1024;

function translateError(error: unknown): unknown {
  if (!(error instanceof GrammyError)) return error;
  if (error.error_code === 429) return new TelegramRateLimitedError(error.parameters.retry_after ?? 1);
  // Blocked by the user, deactivated, or a chat that does not exist: retrying cannot help.
  if (
    error.error_code === 403 ||
    (error.error_code === 400 && /chat not found|message to delete not found|message to edit not found|message can't be edited/i.test(error.description))
  ) {
    return new TelegramPermanentError(error.description);
  }
  return error;
}

export function createTelegramGateway(options: GatewayOptions): TelegramGateway {
  const api = new Api(options.token, { apiRoot: options.apiRoot, ...(options.fetch ? { fetch: options.fetch as never } : {}) });
  const i18n = createI18n();
  const translate = (key: string, vars: Record<string, string | number>, locale: string) =>
    i18n.translate(i18n.locales.includes(locale) ? locale : DEFAULT_LOCALE, key, vars);
  const render = (text: z.output<typeof textSchema>, locale: string) => {
    if ('raw' in text) return text.raw;
    if ('lines' in text) return text.lines.map((line) => translate(line.key, line.vars, locale)).join('\n');
    return translate(text.key, text.vars, locale);
  };
  const keyboardOf = (rows: z.output<typeof buttonSchema>[][], locale: string) =>
    InlineKeyboard.from(rows.map((row) => row.map((button) => InlineKeyboard.text(render(button.text, locale), button.callbackData))));

  return {
    async send(message) {
      const locale = message.locale ?? DEFAULT_LOCALE;
      // A notice without buttons of its own carries the menu button: the next step is one tap away.
      const keyboard = keyboardOf(message.buttons ?? [[menuButton]], locale);
      try {
        const options = { protect_content: message.protectContent, reply_markup: keyboard };
        const text = render(message.text, locale);
        const sent = message.photo
          ? await api.sendPhoto(Number(message.chatId), message.photo, { ...options, caption: text.slice(0, CAPTION_LIMIT) })
          : await api.sendMessage(Number(message.chatId), text, options);
        return { chatId: message.chatId, messageId: sent.message_id };
      } catch (error) {
        throw translateError(error);
      }
    },
    async editMessage(edit) {
      const locale = edit.locale ?? DEFAULT_LOCALE;
      try {
        const text = render(textSchema.parse(edit.text), locale);
        await api.editMessageText(Number(edit.chatId), edit.messageId, text, { reply_markup: keyboardOf([[menuButton]], locale) });
      } catch (error) {
        if (error instanceof GrammyError && /message is not modified/i.test(error.description)) return;
        throw translateError(error);
      }
    },
    async deleteMessage(chatId, messageId) {
      try {
        await api.deleteMessage(Number(chatId), messageId);
      } catch (error) {
        const translated = translateError(error);
        if (translated instanceof TelegramPermanentError) return; // already gone: the goal is reached
        throw translated;
      }
    },
  };
}
