// Operator commands for the money core: accounts, admins, wallet credit/debit, ledger check.
// The operator acts as the platform (audit rows show channel `cli` and no actor account).
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { openDatabase } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { addAdmin, createAccount, getAccount, type Account } from '../../domain/accounts/accounts.ts';
import { ACCOUNT_ROLES, type AccountRole } from '../../domain/accounts/accounts.tables.ts';
import { platformActor } from '../../domain/actor.ts';
import { apiKeySecret, isSandboxAccount, issueApiKey } from '../../domain/api-keys/api-keys.ts';
import { creditWallet, debitWallet } from '../../domain/funding/manual.ts';
import { checkLedgerConsistency } from '../../domain/ledger/consistency.ts';
import { walletBalance } from '../../domain/ledger/ledger.ts';
import { formatMoney, parseMoney, toJsonMoney } from '../../shared/money.ts';
import { refusalsAsCliErrors, runWithEvents } from '../context.ts';
import { CliError, commandEnv, print, type CommandEnv } from '../output.ts';

const operator = platformActor('cli');

/** Opens the database for a command that records no domain event (`runWithEvents` for one that may); refusals become CLI errors. */
export async function withDatabase(command: Command, run: (db: Database, env: CommandEnv) => Promise<void>): Promise<void> {
  const env = commandEnv(command);
  const connection = await openDatabase(env.config, env.logger);
  try {
    await refusalsAsCliErrors(() => run(connection.db, env));
  } finally {
    await connection.close();
  }
}

const accountLine = (account: Account) =>
  `${account.id}  ${account.role}  ${account.name}  ${account.status}${account.parentId ? `  parent ${account.parentId}` : ''}`;

export function registerMoneyCommands(program: Command): void {
  const account = program.command('account');
  account
    .command('create')
    .description('create an account (and its wallet)')
    .requiredOption('--role <role>', ACCOUNT_ROLES.join(' | '))
    .requiredOption('--name <name>', 'display name')
    .option('--parent <accountId>', 'parent account (a partner for an agent, an agent for a sub-agent)')
    .option('--currency <code>', 'wallet currency for an account without parent (default: SETTLEMENT_CURRENCY)')
    .option('--telegram-id <id>', 'bind this Telegram user id')
    .option('--live', 'a partner gets a live API key instead of a sandbox (sk_test_) key')
    .action(async (options: { role: string; name: string; parent?: string; currency?: string; telegramId?: string; live?: boolean }, command: Command) => {
      if (!ACCOUNT_ROLES.includes(options.role as AccountRole)) throw new CliError(`--role must be one of ${ACCOUNT_ROLES.join(', ')}`);
      await runWithEvents(command, async (ctx, { config, json }) => {
        // A partner is created with its first API key (shown once), both or neither; with a test key
        // its sandbox wallet gets the same test money as a self-signup (SIGNUP_SANDBOX_FUNDS). A live
        // key is the partner's first: `partner.live_access_granted` is recorded (the partner is emailed).
        const { created, apiKey, sandboxFunds } = await ctx.db.transaction().execute(async (trx) => {
          const inTransaction = { ...ctx, db: trx };
          const account = await createAccount(trx, operator, {
            role: options.role as AccountRole,
            name: options.name,
            parentId: options.parent ?? null,
            ...(options.parent ? (options.currency ? { currency: options.currency } : {}) : { currency: options.currency ?? config.SETTLEMENT_CURRENCY }),
            ...(options.telegramId ? { telegramUserId: options.telegramId } : {}),
          });
          const key =
            account.role === 'partner'
              ? await issueApiKey(inTransaction, apiKeySecret(config), operator, { accountId: account.id, mode: options.live ? 'live' : 'test' })
              : null;
          const funds = key?.mode === 'test' ? parseMoney(config.SIGNUP_SANDBOX_FUNDS, account.currency, 'half-up') : null;
          if (key && funds && funds.amount > 0n) {
            await creditWallet(inTransaction, operator, {
              accountId: key.accountId,
              amount: funds,
              reason: 'sandbox test funds',
              idempotencyKey: `signup:sandbox-funds:${key.accountId}`,
            });
          }
          return { created: account, apiKey: key, sandboxFunds: funds };
        });
        const keyFacts = apiKey
          ? { apiKey: apiKey.key, apiKeyAccountId: apiKey.accountId, ...(sandboxFunds ? { sandboxFunds: toJsonMoney(sandboxFunds) } : {}) }
          : {};
        print(json, { ...created, ...keyFacts }, [
          `created ${accountLine(created)}`,
          ...(apiKey ? [`API key (shown once, acts on ${apiKey.mode === 'test' ? 'its sandbox' : 'its live'} wallet ${apiKey.accountId}): ${apiKey.key}`] : []),
          ...(sandboxFunds ? [`sandbox wallet funded with ${formatMoney(sandboxFunds)} of test money`] : []),
        ]);
      });
    });
  account
    .command('show')
    .description('an account and its wallet balance')
    .argument('<accountId>')
    .action(async (accountId: string, _options: unknown, command: Command) => {
      await withDatabase(command, async (db, { json }) => {
        const found = await getAccount(db, accountId);
        const balance = found.role === 'admin' ? null : await walletBalance(db, found.id);
        print(json, { ...found, balance: balance && toJsonMoney(balance) }, [accountLine(found), ...(balance ? [`balance ${formatMoney(balance)}`] : [])]);
      });
    });

  program
    .command('admin')
    .command('add')
    .description('make a Telegram user an admin (idempotent)')
    .requiredOption('--telegram-id <id>', 'Telegram user id')
    .option('--name <name>', 'display name')
    .action(async (options: { telegramId: string; name?: string }, command: Command) => {
      if (!/^\d{1,20}$/.test(options.telegramId)) throw new CliError('--telegram-id must be a numeric Telegram user id');
      await withDatabase(command, async (db, { config, json }) => {
        const { account: admin, created } = await addAdmin(db, operator, {
          telegramUserId: options.telegramId,
          currency: config.SETTLEMENT_CURRENCY,
          ...(options.name ? { name: options.name } : {}),
        });
        print(json, { ...admin, created }, [`${created ? 'added' : 'already an admin:'} ${accountLine(admin)}`]);
      });
    });

  const wallet = program.command('wallet');
  for (const direction of ['credit', 'debit'] as const) {
    wallet
      .command(direction)
      .description(`${direction} a wallet against the adjustments account`)
      .requiredOption('--account <accountId>', 'account whose wallet to ' + direction)
      .requiredOption('--amount <decimal>', 'amount in the wallet currency, e.g. 10.00')
      .requiredOption('--reason <text>', 'why (kept in the ledger and the audit log)')
      .option('--idempotency-key <key>', 'reuse to make a retried command safe (default: a new key)')
      .action(async (options: { account: string; amount: string; reason: string; idempotencyKey?: string }, command: Command) => {
        await runWithEvents(command, async (ctx, { json }) => {
          const { db } = ctx;
          const target = await getAccount(db, options.account);
          const input = {
            accountId: target.id,
            amount: parseMoney(options.amount, target.currency),
            reason: options.reason,
            idempotencyKey: options.idempotencyKey ?? randomUUID(),
          };
          const result = direction === 'credit' ? await creditWallet(ctx, operator, input) : await debitWallet(ctx, operator, input);
          const balance = await walletBalance(db, target.id);
          // Say which wallet moved: a partner's sandbox (test money, what its sk_test_ keys act on) or a live one.
          const walletKind = (await isSandboxAccount(db, target.id)) ? 'sandbox' : 'live';
          print(
            json,
            {
              accountId: target.id,
              wallet: walletKind,
              transferId: result.transfer.id,
              replayed: result.replayed,
              amount: toJsonMoney(input.amount),
              balance: toJsonMoney(balance),
            },
            [
              `${result.replayed ? 'already done (same idempotency key)' : `${direction}ed ${formatMoney(input.amount)}`} on the ${walletKind} wallet of ${target.name} (${target.id}); balance ${formatMoney(balance)}`,
            ],
          );
        });
      });
  }

  program
    .command('ledger')
    .command('check')
    .description('check the ledger invariants; exits non-zero on drift')
    .action(async (_options: unknown, command: Command) => {
      await withDatabase(command, async (db, { json }) => {
        // No alert here: the CLI prints the drift and exits non-zero; admins hear from the hourly job.
        const report = await checkLedgerConsistency(db);
        print(json, report, [
          report.ok ? `ledger consistent (${report.transfers} transfers, ${report.wallets} wallets)` : `LEDGER DRIFT: ${report.drifts.length} problem(s)`,
          ...report.drifts.map(
            (drift) =>
              `  ${drift.invariant}  accounts=[${drift.accountIds.join(',')}] transfers=[${drift.transferIds.join(',')}] ${JSON.stringify(drift.details)}`,
          ),
        ]);
        if (!report.ok) throw new CliError('ledger drift found');
      });
    });
}
