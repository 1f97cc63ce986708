// Operator commands for the web app (docs/web.md): a one-time sign-in link for an admin or agent
// (what the bot's /web sends, for a machine without a bot), and a new password for a partner user.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { findAccountByTelegramId } from '../../domain/accounts/accounts.ts';
import { platformActor } from '../../domain/actor.ts';
import { apiKeySecret } from '../../domain/api-keys/api-keys.ts';
import { issueWebLoginLink, loginLinkPath } from '../../domain/web-access/login-links.ts';
import { setPartnerUserPassword } from '../../domain/web-access/passwords.ts';
import { DomainError } from '../../shared/errors.ts';
import { print } from '../output.ts';
import { withDatabase } from './money.ts';

const operator = platformActor('cli');

export function registerWebCommands(program: Command): void {
  const web = program.command('web');

  web
    .command('link')
    .description('a one-time sign-in link (5 minutes) for an admin or agent')
    .option('--account <accountId>', 'the admin or agent account')
    .option('--telegram-id <id>', 'or the Telegram user id bound to it')
    .action(async (options: { account?: string; telegramId?: string }, command: Command) => {
      await withDatabase(command, async (db, { config, json }) => {
        const accountId = options.account ?? (options.telegramId ? (await findAccountByTelegramId(db, options.telegramId))?.id : undefined);
        if (!accountId) throw new DomainError('account_not_found', 'give --account or the --telegram-id of an existing account');
        const { token, expiresAt } = await issueWebLoginLink(db, apiKeySecret(config), operator, { accountId });
        const url = `${(config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, '')}${loginLinkPath(token)}`;
        print(json, { url, expiresAt }, [`sign-in link (once, until ${expiresAt.toISOString()}): ${url}`]);
      });
    });

  web
    .command('password')
    .description("set a new web password for a partner user (a random one, shown once); the user's sessions end")
    .requiredOption('--partner <accountId>', 'the partner account')
    .requiredOption('--user <userId>', 'the partner user')
    .action(async (options: { partner: string; user: string }, command: Command) => {
      await withDatabase(command, async (db, { json }) => {
        const password = randomBytes(15).toString('base64url');
        await setPartnerUserPassword(db, operator, options.partner, options.user, password);
        print(json, { userId: options.user, password }, [`new password for ${options.user} (shown once): ${password}`]);
      });
    });
}
