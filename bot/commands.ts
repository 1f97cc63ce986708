// The command menus Telegram shows beside the message field (setMyCommands), per role and per
// language: every private chat gets the members' commands; an active admin's chat gets the admins'
// commands on top (chat scope, since Telegram knows no roles). Each list is set once without a
// language (English) and once per other locale. Installed at start (the default and every active
// admin's chat), refreshed for a user's chat on /start and when an admin is promoted or demoted.
// A menu only shows commands: every command checks the rights again.
import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';
import type { AppContext } from '#src/context.ts';
import { telegramAdmins } from '#src/domain/accounts/language.ts';
import type { Account } from '#src/domain/accounts/accounts.ts';
import { createI18n, DEFAULT_LOCALE } from './i18n.ts';

export const MEMBER_COMMANDS = ['start', 'help', 'cancel', 'language'] as const;
export const ADMIN_COMMANDS = [...MEMBER_COMMANDS, 'topups', 'approve', 'reject', 'order', 'find', 'limits'] as const;

const i18n = createI18n();
/** The default locale's lists first (the fallback of every language), then the others. */
const LOCALES = [DEFAULT_LOCALE, ...i18n.locales.filter((locale) => locale !== DEFAULT_LOCALE)];

/** The language of a list: none for the default locale (every language without its own list). */
const languageOf = (locale: string): { language_code?: LanguageCode } => (locale === DEFAULT_LOCALE ? {} : { language_code: locale as LanguageCode });

function commandList(names: readonly string[], locale: string): BotCommand[] {
  return names.map((command) => ({ command, description: i18n.t(locale, `command-${command}`) }));
}

async function setCommands(api: Api, names: readonly string[], scope: BotCommandScope): Promise<void> {
  for (const locale of LOCALES) {
    await api.setMyCommands(commandList(names, locale), { scope, ...languageOf(locale) });
  }
}

/** The command menu of one user's private chat, for the role of their account now. */
export async function setChatCommands(
  api: Api,
  telegramUserId: number | bigint | string,
  account: Pick<Account, 'role' | 'status'> | undefined,
): Promise<void> {
  const scope: BotCommandScope = { type: 'chat', chat_id: Number(telegramUserId) };
  if (account?.role === 'admin' && account.status === 'active') return setCommands(api, ADMIN_COMMANDS, scope);
  // Anyone else falls back to the members' menu of every private chat.
  for (const locale of LOCALES) await api.deleteMyCommands({ scope, ...languageOf(locale) });
}

/** At start: the members' menu for every private chat, the admins' for every active admin's chat. */
export async function installCommandMenus(api: Api, app: Pick<AppContext, 'db'>): Promise<void> {
  await setCommands(api, MEMBER_COMMANDS, { type: 'all_private_chats' });
  for (const { account } of await telegramAdmins(app.db)) {
    if (account.telegramUserId !== null) await setChatCommands(api, account.telegramUserId, account);
  }
}
