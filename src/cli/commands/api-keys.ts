// Operator commands for API keys: issue (e.g. the first admin key), list and revoke.
import type { Command } from 'commander';
import { platformActor } from '../../domain/actor.ts';
import { apiKeySecret, issueApiKey, listApiKeys, revokeApiKey } from '../../domain/api-keys/api-keys.ts';
import { runWithEvents } from '../context.ts';
import { print } from '../output.ts';
import { withDatabase } from './money.ts';

const operator = platformActor('cli');

export function registerApiKeyCommands(program: Command): void {
  const apiKey = program.command('api-key');

  apiKey
    .command('create')
    .description('issue a key: live or test (sandbox) for a partner, live for an admin')
    .requiredOption('--account <accountId>', 'a partner or admin account')
    .option('--test', "a sandbox key (sk_test_) acting on the partner's test wallet")
    .option('--ip-allow <list>', 'comma-separated IP addresses or CIDR blocks the key may be used from')
    .action(async (options: { account: string; test?: boolean; ipAllow?: string }, command: Command) => {
      // A partner's first live key records `partner.live_access_granted` (emailed), as over the API.
      await runWithEvents(command, async (ctx, { config, json }) => {
        const issued = await issueApiKey(ctx, apiKeySecret(config), operator, {
          accountId: options.account,
          mode: options.test ? 'test' : 'live',
          ipAllowlist: options.ipAllow ? options.ipAllow.split(',') : null,
        });
        print(json, issued, [`API key (shown once, acts on ${issued.accountId}): ${issued.key}`]);
      });
    });

  apiKey
    .command('list')
    .description('the keys of an account and its sandbox (prefixes only)')
    .requiredOption('--account <accountId>', 'account')
    .action(async (options: { account: string }, command: Command) => {
      await withDatabase(command, async (db, { json }) => {
        const keys = await listApiKeys(db, operator, options.account);
        print(
          json,
          keys,
          keys.map(
            (key) =>
              `${key.id}  ${key.prefix}…  ${key.mode}  ${key.revokedAt ? 'revoked' : key.expiresAt ? `expires ${key.expiresAt.toISOString()}` : 'active'}`,
          ),
        );
      });
    });

  apiKey
    .command('revoke')
    .description('revoke a key now')
    .argument('<keyId>')
    .action(async (keyId: string, _options: unknown, command: Command) => {
      await withDatabase(command, async (db, { json }) => {
        const revoked = await revokeApiKey(db, operator, keyId);
        print(json, revoked, [`revoked ${revoked.id} (${revoked.prefix}…)`]);
      });
    });
}
