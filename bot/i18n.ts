// Texts in Fluent files (bot/locales/<locale>.ftl); adding a language is adding a file.
// The locale is the one stored on the user's account, else Telegram's language code, else English.
import path from 'node:path';
import { I18n } from '@grammyjs/i18n';
import type { BaseContext } from './context.ts';

export const LOCALES_DIR = path.join(import.meta.dirname, 'locales');
export const DEFAULT_LOCALE = 'en';

/** The supported locale for a stored choice or a Telegram language code ("ar-EG" → "ar"). */
export function supportedLocale(locales: readonly string[], candidate: string | null | undefined): string | undefined {
  const short = candidate?.slice(0, 2);
  return short && locales.includes(short) ? short : undefined;
}

export function createI18n(): I18n<BaseContext> {
  const i18n: I18n<BaseContext> = new I18n<BaseContext>({
    defaultLocale: DEFAULT_LOCALE,
    directory: LOCALES_DIR,
    useSession: false,
    // Fluent wraps interpolations in Unicode isolation marks by default; Telegram shows them as junk
    // in LTR text, and Arabic texts carry their own direction.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx): string =>
      supportedLocale(i18n.locales, ctx.user?.language) ?? supportedLocale(i18n.locales, ctx.from?.language_code) ?? DEFAULT_LOCALE,
  });
  return i18n;
}
