// Cold start to ready: how long `npm start`, as a whole process started from the shell, takes
// until /readyz answers 200 (npm, Node starting, loading the code, the database, the workers).
//   cold: a fresh embedded data directory (initdb + migrations + demo seed)
//   warm: the same data directory again (server start + nothing to migrate)
//   external: DATABASE_URL given (only when set in the environment)
// Prints one line per scenario with the median of N runs. Usage: npm run bench:startup [-- --runs 3]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.ts';
import { freePort } from '../src/db/embedded.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

async function startOnce(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so that the stop reaches npm and the node process it started.
  const child = spawn('npm', ['start'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), TELEGRAM_BOT_TOKEN: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited before it was ready:\n${errors}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
  }
}

/** A temporary folder the `postgres` OS user can enter (the embedded server runs as that user under root). */
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steller-bench-'));
  chmodSync(dir, 0o755);
  return dir;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function scenario(name: string, env: () => Record<string, string>, cleanup?: () => void) {
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    times.push(await startOnce(env()));
    cleanup?.();
  }
  console.log(`${name.padEnd(10)} median ${median(times).toFixed(0)} ms  (runs: ${times.map((time) => time.toFixed(0)).join(', ')})`);
}

console.log(`startup to /readyz = 200, ${runs} runs each, ${os.cpus().length} cpus, node ${process.version}`);
let coldDir = '';
await scenario(
  'cold',
  () => {
    coldDir = tempDir();
    return { DATABASE_URL: '', EMBEDDED_PG_DIR: path.join(coldDir, 'postgres') };
  },
  () => rmSync(coldDir, { recursive: true, force: true }),
);
const warmDir = tempDir();
await startOnce({ DATABASE_URL: '', EMBEDDED_PG_DIR: path.join(warmDir, 'postgres') });
await scenario('warm', () => ({ DATABASE_URL: '', EMBEDDED_PG_DIR: path.join(warmDir, 'postgres') }));
rmSync(warmDir, { recursive: true, force: true });
if (process.env.DATABASE_URL) await scenario('external', () => ({ DATABASE_URL: process.env.DATABASE_URL as string }));
