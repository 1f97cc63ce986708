// Texts in Fluent files (bot/locales/<locale>.ftl); adding a language is adding a file.
// The locale is the one the user chose with /language, else Telegram's language code, else English.
import path from 'node:path';
import { I18n } from '@grammyjs/i18n';
import type { BotContext } from './context.ts';
import { languageKey } from './storage.ts';

export const LOCALES_DIR = path.join(import.meta.dirname, 'locales');
export const DEFAULT_LOCALE = 'en';

export function createI18n(): I18n<BotContext> {
  const i18n: I18n<BotContext> = new I18n<BotContext>({
    defaultLocale: DEFAULT_LOCALE,
    directory: LOCALES_DIR,
    useSession: false,
    // Fluent wraps interpolations in Unicode isolation marks by default; Telegram shows them as junk
    // in LTR text, and Arabic texts carry their own direction.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: async (ctx): Promise<string> => {
      const userId = ctx.from?.id;
      const chosen = userId === undefined ? undefined : await ctx.deps.store.get(languageKey(userId));
      const candidate = chosen ?? ctx.from?.language_code?.slice(0, 2);
      return candidate && i18n.locales.includes(candidate) ? candidate : DEFAULT_LOCALE;
    },
  });
  return i18n;
}
