// `steller` CLI. Every command has --help; --json prints one machine-readable JSON document.
// Other issues add their commands with `program.command(...)` in their own files under src/cli/.
import { Command, Option } from 'commander';
import { ConfigError, ROLES, createConfig, loadConfig, type Config, type Role } from '../config.ts';
import { openDatabase } from '../context.ts';
import { MigrationError, migrateDown, migrateToLatest, migrationStatus } from '../db/migrate.ts';
import { createLogger, type Logger } from '../logger.ts';
import { startApp } from '../main.ts';
import { seedDemo } from '../seed.ts';

interface GlobalOptions {
  json?: boolean;
}

function print(json: boolean | undefined, result: unknown, lines: string[]) {
  if (json) process.stdout.write(`${JSON.stringify(result, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
  else for (const line of lines) process.stdout.write(`${line}\n`);
}

function setup(command: Command): { config: Config; logger: Logger; json: boolean } {
  const json = Boolean(command.optsWithGlobals<GlobalOptions>().json);
  const config = loadConfig();
  // One-shot commands log warnings only, to stderr, so stdout stays clean for --json.
  const logger = createLogger({ level: command.name() === 'start' ? config.LOG_LEVEL : 'warn', pretty: false, destination: process.stderr });
  return { config, logger, json };
}

function parseRoles(value: string): Role[] {
  return createConfig({ APP_ROLES: value }).APP_ROLES as Role[];
}

export function buildProgram(): Command {
  const program = new Command('steller')
    .description('Steller Agency: gift cards for agents (Telegram) and partners (REST)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the system: API, workers and bot (or the roles given)')
    .addOption(new Option('--roles <roles>', `comma-separated subset of ${ROLES.join(',')} (default: APP_ROLES)`).argParser(parseRoles))
    .action(async (options: { roles?: Role[] }, command: Command) => {
      const json = Boolean(command.optsWithGlobals<GlobalOptions>().json);
      const config = loadConfig();
      const logger = createLogger({ level: config.LOG_LEVEL });
      const roles = options.roles ?? config.APP_ROLES;
      const app = await startApp(config, logger, { roles });
      print(json, { status: 'running', roles, apiUrl: app.apiUrl, summary: app.summary }, [
        `Steller Agency is running (roles: ${roles.join(', ')})`,
        ...app.summary.map((line) => `  ${line}`),
        '  stop with Ctrl+C',
      ]);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, 'shutting down');
        app.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply pending migrations (or revert with --down)')
    .option('--down [steps]', 'revert the last N migrations (default 1; "all" for every one)')
    .option('--status', 'list migrations and when each ran')
    .action(async (options: { down?: string | boolean; status?: boolean }, command: Command) => {
      const { config, logger, json } = setup(command);
      const connection = await openDatabase(config, logger, { migrate: false });
      try {
        if (options.status) {
          const status = await migrationStatus(connection.db);
          print(json, status, status.map((entry) => `${entry.executedAt ? entry.executedAt.toISOString() : 'pending'.padEnd(24)}  ${entry.name}`));
        } else if (options.down !== undefined) {
          const steps = options.down === true ? 1 : options.down === 'all' ? Infinity : Number(options.down);
          if (!Number.isInteger(steps) && steps !== Infinity) throw new Error('--down takes a positive number or "all"');
          const reverted = await migrateDown(connection.db, steps);
          print(json, { reverted }, reverted.length ? reverted.map((name) => `reverted ${name}`) : ['nothing to revert']);
        } else {
          const applied = await migrateToLatest(connection.db);
          print(json, { applied }, applied.length ? applied.map((name) => `applied ${name}`) : ['database is up to date']);
        }
      } finally {
        await connection.close();
      }
    });

  program
    .command('seed')
    .description('load data into the database')
    .requiredOption('--demo', 'the demo data (idempotent)')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger, json } = setup(command);
      const connection = await openDatabase(config, logger);
      try {
        const report = await seedDemo(connection.db, config);
        print(json, report, report.steps.map((step) => `seeded: ${step}`));
      } finally {
        await connection.close();
      }
    });

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof MigrationError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(1);
  }
}

