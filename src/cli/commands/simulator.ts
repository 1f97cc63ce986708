// `steller simulator`: the Bamboo simulator as its own HTTP server, its state in this database's
// `bamboo_sim` schema (the same one every process with VENDOR=simulator uses). Point a process at it
// with VENDOR=bamboo, BAMBOO_BASE_URL=http://<host>:<port> and the simulator's credentials.
import { Option, type Command } from 'commander';
import type { Config } from '../../config.ts';
import { openDatabase } from '../../context.ts';
import {
  BambooSimulator,
  LIVE_CREDENTIAL,
  parseLatency,
  PostgresSimulatorStore,
  SANDBOX_CREDENTIAL,
  startSimulatorServer,
  type Latency,
  type SimulatorRequestRecord,
  type SimulatorServer,
} from '../../integrations/bamboo/simulator/index.ts';
import { createLogger, type Logger } from '../../logger.ts';
import { CliError, commandEnv, print } from '../output.ts';

/** The standalone simulator over this configuration's database; `close` stops the server, the sweep and the pool. */
export async function openSimulatorServer(
  config: Config,
  logger: Logger,
  options: { host: string; port: number; latency: Latency; seed: number; limits: 'real' | 'off'; logRequests?: boolean },
): Promise<{ server: SimulatorServer; close(): Promise<void> }> {
  const connection = await openDatabase(config, logger);
  const simulator = new BambooSimulator({
    store: new PostgresSimulatorStore(connection.db),
    hosts: 'any',
    catalogSeed: options.seed,
    rateLimits: options.limits === 'real',
    sweepEveryMs: 2_000,
  });
  // The request log: one line per answered request (endpoint and status, never a body), so a
  // benchmark can count what reached "Bamboo", 429s included (bench/vendor-throughput.ts).
  const requestLog = options.logRequests ? createLogger({ level: 'info', pretty: false, destination: process.stdout }) : undefined;
  const onRequest = requestLog
    ? (record: SimulatorRequestRecord) => requestLog.info({ simulatorRequest: record.endpoint, status: record.status, ms: record.ms }, 'simulator request')
    : undefined;
  const server = await startSimulatorServer(simulator, { host: options.host, port: options.port, latency: options.latency, onRequest }).catch(
    async (error: unknown) => {
      await connection.close();
      throw error;
    },
  );
  return {
    server,
    async close() {
      simulator.close();
      await server.close();
      await connection.close();
    },
  };
}

interface SimulatorCommandOptions {
  host: string;
  port: string;
  limits: 'real' | 'off';
  latency: string;
  seed: string;
  logRequests?: boolean;
}

export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '4010')
    .addOption(new Option('--limits <mode>', "Bamboo's published rate limits (real) or none (off)").choices(['real', 'off']).default('real'))
    .option('--latency <ms>', 'added latency per request: 0, a fixed 120, or a range 50-250 (milliseconds)', '0')
    .option('--seed <n>', 'catalog seed (the same seed gives the same catalog)', '42')
    .option('--log-requests', 'log one line per answered request: endpoint, status, milliseconds')
    .action(async (options: SimulatorCommandOptions, command: Command) => {
      const env = commandEnv(command);
      const port = Number(options.port);
      const seed = Number(options.seed);
      const latency = parseLatency(options.latency);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliError('--port takes a port number');
      if (!Number.isInteger(seed)) throw new CliError('--seed takes a whole number');
      if (!latency) throw new CliError('--latency takes milliseconds: 120, or a range such as 50-250');

      const running = await openSimulatorServer(env.config, env.logger, {
        host: options.host,
        port,
        latency,
        seed,
        limits: options.limits,
        logRequests: options.logRequests === true,
      });
      const { server } = running;
      print(
        env.json,
        {
          status: 'running',
          url: server.url,
          limits: options.limits,
          latency,
          seed,
          credentials: [SANDBOX_CREDENTIAL, LIVE_CREDENTIAL].map(({ clientId, clientSecret, sandbox, accounts }) => ({
            clientId,
            clientSecret,
            sandbox,
            accountIds: accounts.map((account) => account.id),
          })),
        },
        [
          `Bamboo simulator on ${server.url} (limits ${options.limits}, latency ${options.latency} ms, catalog seed ${seed})`,
          `  sandbox: BAMBOO_CLIENT_ID=${SANDBOX_CREDENTIAL.clientId} BAMBOO_CLIENT_SECRET=${SANDBOX_CREDENTIAL.clientSecret} BAMBOO_ACCOUNT_ID=555`,
          `  live:    BAMBOO_CLIENT_ID=${LIVE_CREDENTIAL.clientId} BAMBOO_CLIENT_SECRET=${LIVE_CREDENTIAL.clientSecret} BAMBOO_ACCOUNT_ID=1555`,
          '  stop with Ctrl+C',
        ],
      );
      const shutdown = () =>
        void running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}

/**
 * `steller simulator-state outage|balance`: the simulator's state in this database, for trying the
 * vendor operations by hand and for the chaos run: Bamboo down for a while (every request 503), or
 * an account's balance (the float running out). Every simulator on the database sees it within a second.
 */
export function registerSimulatorStateCommands(program: Command): void {
  const simState = program.command('simulator-state');
  simState
    .command('outage')
    .description('every simulator request answers 503 for this long (0 ends an outage)')
    .requiredOption('--seconds <n>', 'how long')
    .action(async (options: { seconds: string }, command: Command) => {
      const env = commandEnv(command);
      const seconds = Number(options.seconds);
      if (!Number.isFinite(seconds) || seconds < 0) throw new CliError('--seconds takes a number of seconds');
      const connection = await openDatabase(env.config, env.logger);
      try {
        const until = Date.now() + seconds * 1000;
        await new PostgresSimulatorStore(connection.db).setOutageUntil(until);
        print(env.json, { outageUntil: new Date(until).toISOString() }, [`simulator down until ${new Date(until).toISOString()}`]);
      } finally {
        await connection.close();
      }
    });
  simState
    .command('balance')
    .description("set a simulator account's balance")
    .requiredOption('--account <id>', 'account id (555: sandbox USD, 1555: live USD)')
    .requiredOption('--amount <decimal>', 'the new balance, e.g. 25.00')
    .action(async (options: { account: string; amount: string }, command: Command) => {
      const env = commandEnv(command);
      const account = Number(options.account);
      if (!Number.isInteger(account) || !/^\d{1,12}(\.\d{1,4})?$/.test(options.amount))
        throw new CliError('--account takes an id and --amount a decimal such as 25.00');
      const connection = await openDatabase(env.config, env.logger);
      try {
        const store = new PostgresSimulatorStore(connection.db);
        // The accounts exist once a simulator ran on this database; before that, make them.
        await store.ensureAccounts([SANDBOX_CREDENTIAL, LIVE_CREDENTIAL]);
        await store.setBalance(account, options.amount);
        print(env.json, { account, balance: options.amount }, [`simulator account #${account}: ${options.amount}`]);
      } finally {
        await connection.close();
      }
    });
}
