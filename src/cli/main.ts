// `steller` CLI. Every command has --help; --json prints one machine-readable JSON document.
// Each area registers its commands from a file in ./commands/; TOP_COMMANDS below says which file
// owns which top-level command. Only the file of the command being run is imported: `steller
// --help` loads commander and this file, nothing of the domain (startup time, docs/decisions/0008).
import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void;

interface TopCommand {
  name: string;
  /** The command's one-line description, here so that `steller --help` needs no command module. */
  summary: string;
  load: () => Promise<Register>;
}

const start = async () => (await import('./commands/start.ts')).registerStartCommand;
const database = async () => (await import('./commands/database.ts')).registerDatabaseCommands;
const ops = async () => (await import('./commands/ops.ts')).registerOpsCommands;
const money = async () => (await import('./commands/money.ts')).registerMoneyCommands;
const invites = async () => (await import('./commands/invites.ts')).registerInviteCommands;
const catalog = async () => (await import('./commands/catalog.ts')).registerCatalogCommands;
const apiKeys = async () => (await import('./commands/api-keys.ts')).registerApiKeyCommands;
const orders = async () => (await import('./commands/orders.ts')).registerOrderCommands;
const pricing = async () => (await import('./commands/pricing.ts')).registerPricingCommands;
const simulator = async () => (await import('./commands/simulator.ts')).registerSimulatorCommand;
const web = async () => (await import('./commands/web.ts')).registerWebCommands;
const simulatorState = async () => (await import('./commands/simulator.ts')).registerSimulatorStateCommands;
const vendor = async () => (await import('./commands/vendor.ts')).registerVendorCommands;

export const TOP_COMMANDS: readonly TopCommand[] = [
  { name: 'start', summary: 'run the system: API, workers and bot (or the roles given)', load: start },
  { name: 'migrate', summary: 'apply pending migrations (or revert with --down)', load: database },
  { name: 'seed', summary: 'load data into the database', load: database },
  { name: 'ops', summary: 'operations: queues, failed jobs, retries', load: ops },
  { name: 'account', summary: 'accounts of the hierarchy', load: money },
  { name: 'admin', summary: 'admins', load: money },
  { name: 'wallet', summary: 'wallet credit and debit (admin adjustments, always with a reason)', load: money },
  { name: 'ledger', summary: 'the double-entry ledger', load: money },
  { name: 'invite', summary: 'Telegram invites: list with their state, revoke', load: invites },
  { name: 'catalog', summary: 'the vendor catalog (Bamboo, or the simulator)', load: catalog },
  { name: 'fx', summary: 'exchange rates', load: catalog },
  { name: 'api-key', summary: 'API keys of partners and admins (shown once, stored as a hash)', load: apiKeys },
  { name: 'order', summary: 'orders: inspect, find, timeline, push forward, refund, resolve (never shows card codes)', load: orders },
  { name: 'plan', summary: 'price plans: discounts in basis points (negative = markup), per product or plan default', load: pricing },
  { name: 'risk', summary: 'risk limits', load: pricing },
  { name: 'card-list', summary: 'the Telegram card list (ordered; fixed denominations or a range, in face minor units)', load: pricing },
  { name: 'simulator', summary: "run the Bamboo simulator as an HTTP server speaking Bamboo's protocol (state in this database)", load: simulator },
  { name: 'simulator-state', summary: "change the simulator's state (this database's bamboo_sim): an outage, a balance", load: simulatorState },
  { name: 'vendor', summary: 'the vendor: float, our completion callback at Bamboo', load: vendor },
  { name: 'sales', summary: 'kill switches: pause sales (all, a product, a brand) with a reason, resume, list', load: vendor },
  { name: 'web', summary: 'the web app at /app: sign-in links and partner users’ passwords', load: web },
];

/** The top-level command `argv` asks for (`steller [--json] order show …`, `steller help order`), if any. */
function requestedCommand(argv: string[]): TopCommand | undefined {
  const words = argv.slice(2).filter((word) => !word.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return TOP_COMMANDS.find((command) => command.name === name);
}

/** The program for `argv`: the requested command in full, every other one as its name and summary. */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('steller')
    .description('Steller Agency: gift cards for agents (Telegram) and partners (REST)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride()
    // Option values and arguments are text from outside: the same safeText rule as the API and the bot.
    .hook('preAction', async (_program, action) => {
      const { safeText } = await import('../shared/text.ts');
      const { CliError } = await import('./output.ts');
      const values = [
        ...Object.entries(action.opts()).map(([name, value]) => [`--${name}`, value] as const),
        ...action.args.map((value) => ['argument', value] as const),
      ];
      for (const [name, value] of values) {
        const checked = typeof value === 'string' ? safeText().safeParse(value) : undefined;
        if (checked && !checked.success) throw new CliError(`${name} ${checked.error.issues[0]?.message ?? 'is not valid text'}`);
      }
    });
  const requested = requestedCommand(argv);
  if (requested) (await requested.load())(program);
  for (const { name, summary } of TOP_COMMANDS) {
    const registered = program.commands.find((command) => command.name() === name);
    if (registered) registered.description(summary);
    else program.command(name).description(summary);
  }
  return program;
}

/** Errors a user can act on: printed as a message, without a stack. */
async function isExpectedError(error: unknown): Promise<boolean> {
  const [{ ConfigError }, { MigrationError }, { DomainError }, { CliError }] = await Promise.all([
    import('../config.ts'),
    import('../db/migrate.ts'),
    import('../shared/errors.ts'),
    import('./output.ts'),
  ]);
  return [ConfigError, MigrationError, DomainError, CliError].some((type) => error instanceof type);
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode); // help, version, usage errors (already printed)
    const expected = await isExpectedError(error);
    process.stderr.write(expected ? `${(error as Error).message}\n` : `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
