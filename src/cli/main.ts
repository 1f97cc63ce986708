// `steller` CLI. Every command has --help; --json prints one machine-readable JSON document.
// Each area registers its commands from a file in ./commands/ (one line below per file).
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { MigrationError } from '../db/migrate.ts';
import { DomainError } from '../shared/errors.ts';
import { safeText } from '../shared/text.ts';
import { registerApiKeyCommands } from './commands/api-keys.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerDatabaseCommands } from './commands/database.ts';
import { registerOpsCommands } from './commands/ops.ts';
import { registerMoneyCommands } from './commands/money.ts';
import { registerOrderCommands } from './commands/orders.ts';
import { registerPricingCommands } from './commands/pricing.ts';
import { registerSimulatorCommand, registerSimulatorStateCommands } from './commands/simulator.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerVendorCommands } from './commands/vendor.ts';
import { CliError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('steller')
    .description('Steller Agency: gift cards for agents (Telegram) and partners (REST)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride()
    // Option values and arguments are text from outside: the same safeText rule as the API and the bot.
    .hook('preAction', (_program, action) => {
      const values = [
        ...Object.entries(action.opts()).map(([name, value]) => [`--${name}`, value] as const),
        ...action.args.map((value) => ['argument', value] as const),
      ];
      for (const [name, value] of values) {
        const checked = typeof value === 'string' ? safeText().safeParse(value) : undefined;
        if (checked && !checked.success) throw new CliError(`${name} ${checked.error.issues[0]?.message ?? 'is not valid text'}`);
      }
    });
  registerStartCommand(program);
  registerDatabaseCommands(program);
  registerOpsCommands(program);
  registerMoneyCommands(program);
  registerCatalogCommands(program);
  registerApiKeyCommands(program);
  registerOrderCommands(program);
  registerPricingCommands(program);
  registerSimulatorCommand(program);
  registerSimulatorStateCommands(program);
  registerVendorCommands(program);
  return program;
}

const EXPECTED_ERRORS = [ConfigError, MigrationError, CliError, DomainError];

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode); // help, version, usage errors (already printed)
    const expected = EXPECTED_ERRORS.some((type) => error instanceof type);
    process.stderr.write(expected ? `${(error as Error).message}\n` : `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
