import type { Command } from 'commander';
import { openDatabase } from '../../context.ts';
import { migrateDown, migrateToLatest, migrationStatus } from '../../db/migrate.ts';
import { seedDemo } from '../../seed.ts';
import { CliError, commandEnv, print } from '../output.ts';

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .option('--down [steps]', 'revert the last N migrations (default 1; "all" for every one)')
    .option('--status', 'list migrations and when each ran')
    .action(async (options: { down?: string | boolean; status?: boolean }, command: Command) => {
      const { config, logger, json } = commandEnv(command);
      const connection = await openDatabase(config, logger, { migrate: false });
      try {
        if (options.status) {
          const status = await migrationStatus(connection.db);
          print(
            json,
            status,
            status.map((entry) => `${entry.executedAt ? entry.executedAt.toISOString() : 'pending'.padEnd(24)}  ${entry.name}`),
          );
        } else if (options.down !== undefined) {
          const steps = options.down === true ? 1 : options.down === 'all' ? Infinity : Number(options.down);
          if (steps !== Infinity && (!Number.isInteger(steps) || steps < 1)) throw new CliError('--down takes a positive number or "all"');
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
    .requiredOption('--demo', 'the demo data: a partner with a sandbox key and funds, an agent invite (once per database)')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger, json } = commandEnv(command);
      const connection = await openDatabase(config, logger);
      try {
        const report = await seedDemo(connection.db, config);
        print(json, report, report.steps);
      } finally {
        await connection.close();
      }
    });
}
