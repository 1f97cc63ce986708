import type { Command } from 'commander';
import { openDatabase } from '../../context.ts';
import { startBoss } from '../../jobs/boss.ts';
import { QUEUES } from '../../jobs/queues.ts';
import { platformActor } from '../../domain/actor.ts';
import { failedJobs, queueSummaries, retryFailedWork } from '../../ops/jobs.ts';
import { vendorView } from '../../ops/vendor.ts';
import { formatMoney } from '../../shared/money.ts';
import { CliError, commandEnv, print, type CommandEnv } from '../output.ts';
import { withVendorContext } from '../context.ts';
import { floatLine } from './vendor.ts';

async function withJobs<T>(
  env: CommandEnv,
  fn: (deps: { db: Awaited<ReturnType<typeof openDatabase>>['db']; boss: Awaited<ReturnType<typeof startBoss>> }) => Promise<T>,
): Promise<T> {
  const connection = await openDatabase(env.config, env.logger);
  const boss = await startBoss({ connectionString: connection.url, worker: false, logger: env.logger });
  try {
    return await fn({ db: connection.db, boss });
  } finally {
    await boss.stop({ graceful: false });
    await connection.close();
  }
}

export function registerOpsCommands(program: Command): void {
  const ops = program.command('ops');

  ops
    .command('queues')
    .description('waiting, active and failed jobs per queue, with the oldest waiting job')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const summaries = await withJobs(env, ({ db }) =>
        queueSummaries(
          db,
          platformActor('cli'),
          QUEUES.map((queue) => queue.name),
        ),
      );
      print(env.json, summaries, [
        `${'queue'.padEnd(28)} ${'waiting'.padStart(8)} ${'active'.padStart(7)} ${'failed'.padStart(7)}  oldest waiting`,
        ...summaries.map(
          (row) =>
            `${row.queue.padEnd(28)} ${String(row.waiting).padStart(8)} ${String(row.active).padStart(7)} ${String(row.failed).padStart(7)}  ${row.oldestWaitingSince?.toISOString() ?? '-'}`,
        ),
      ]);
    });

  ops
    .command('vendor')
    .description('Bamboo accounts and balances, the float, the breaker, sales pauses, the last catalog and FX syncs, failed vendor calls in the last hour')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const view = await withVendorContext(env, (ctx) => vendorView(ctx, platformActor('cli')));
      const rate = view.errorRate;
      print(env.json, view, [
        ...(view.accounts
          ? view.accounts.map((account) => `account #${account.id}  ${formatMoney(account.balance)}${account.isActive ? '' : '  (inactive)'}`)
          : [`vendor unavailable: ${view.accountsError ?? ''}`]),
        ...view.floats.map(floatLine),
        view.breaker
          ? `breaker: ${view.breaker.state}${view.breaker.openUntil ? ` until ${view.breaker.openUntil.toISOString()}` : ''} (opens after ${view.breaker.failures} failures in ${view.breaker.windowSeconds} s)`
          : 'breaker: state unavailable',
        ...(view.pauses.length
          ? view.pauses.map((pause) => `sales paused: ${pause.scope} ${pause.target} since ${pause.pausedAt.toISOString()} (${pause.reason})`)
          : ['sales: not paused']),
        ...view.syncs.map(
          (run) =>
            `${run.kind.padEnd(14)} ${run.status.padEnd(10)} ${(run.finishedAt ?? run.startedAt).toISOString()}  ${Object.entries(run.counts)
              .map(([name, count]) => `${name} ${count}`)
              .join(', ')}${run.error ? `  error: ${run.error}` : ''}`,
        ),
        `failed vendor calls, last hour: ${rate.failures} of ${rate.calls}${rate.rate === null ? '' : ` (${(rate.rate * 100).toFixed(1)}%)`}`,
      ]);
    });

  ops
    .command('failed')
    .description('failed and dead-lettered jobs with their error, newest first')
    .option('--queue <name>', 'only this queue (and its dead-letter queue)')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { queue?: string; limit: string }, command: Command) => {
      const env = commandEnv(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit takes a positive number');
      const jobs = await withJobs(env, ({ db }) => failedJobs(db, platformActor('cli'), { ...(options.queue ? { queue: options.queue } : {}), limit }));
      print(
        env.json,
        jobs,
        jobs.length ? jobs.map((job) => `${job.createdAt.toISOString()}  ${job.queue}  ${job.id}  (${job.failedIn}) ${job.error}`) : ['no failed jobs'],
      );
    });

  ops
    .command('retry')
    .description('run failed work again: one job, or --all')
    .argument('[queue]', 'queue of the job (a .dead queue for dead-lettered jobs)')
    .argument('[id]', 'job id')
    .option('--all', 'every failed and dead-lettered job (of [queue] or --queue when given)')
    .option('--queue <name>', 'with --all: only this queue (and its dead-letter queue)')
    .action(async (queueArgument: string | undefined, id: string | undefined, options: { all?: boolean; queue?: string }, command: Command) => {
      const env = commandEnv(command);
      const queue = options.queue ?? queueArgument;
      if (!options.all && (!queue || !id)) throw new CliError('give a queue and a job id, or --all');
      const target = options.all ? { ...(queue ? { queue } : {}), all: true as const } : { queue: queue as string, id: id as string };
      const retried = await withJobs(env, ({ db, boss }) => retryFailedWork(boss, db, platformActor('cli'), target));
      print(env.json, retried, retried.length ? retried.map((job) => `retried ${job.queue} ${job.id}`) : ['nothing to retry']);
    });
}
