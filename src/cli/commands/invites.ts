// `steller invite list|revoke`: the invites with their state (pending, redeemed, revoked, expired),
// and revoking one that was not used (audited). The operator sees every invite.
import { type Command, Option } from 'commander';
import { openDatabase } from '../../context.ts';
import { platformActor } from '../../domain/actor.ts';
import { findInvite, INVITE_STATES, listInvites, revokeInvite, type InviteState } from '../../domain/accounts/invites.ts';
import { shortId } from '../../shared/ids.ts';
import { CliError, commandEnv, print } from '../output.ts';

const operator = platformActor('cli');

export function registerInviteCommands(program: Command): void {
  const invite = program.command('invite');

  invite
    .command('list')
    .description('invites, newest first')
    .addOption(new Option('--state <state>').choices(INVITE_STATES))
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { state?: InviteState; limit: string }, command: Command) => {
      const env = commandEnv(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit takes a number from 1 to 1000');
      const connection = await openDatabase(env.config, env.logger);
      try {
        const { invites, total } = await listInvites(connection.db, operator, { limit, ...(options.state ? { state: options.state } : {}) });
        print(env.json, { invites, total }, [
          `${total} invite(s)`,
          ...invites.map(
            (one) =>
              `${shortId(one.id)}  ${one.state}  ${one.role}${one.name ? ` "${one.name}"` : ''}  parent ${one.parentId ?? 'platform'}  expires ${one.expiresAt.toISOString()}`,
          ),
        ]);
      } finally {
        await connection.close();
      }
    });

  invite
    .command('revoke')
    .description('revoke an unused invite (audited); its link stops working')
    .argument('<id>', 'the invite id or its first 8 characters (as `invite list` shows)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const env = commandEnv(command);
      const connection = await openDatabase(env.config, env.logger);
      try {
        const found = await findInvite(connection.db, operator, id);
        const revoked = await revokeInvite(connection.db, operator, found.id);
        print(env.json, revoked, [`${shortId(revoked.id)} revoked`]);
      } finally {
        await connection.close();
      }
    });
}
