import { Option, type Command } from 'commander';
import { openDatabase } from '../../context.ts';
import { syncCatalog, type SyncMode } from '../../domain/catalog/catalog-sync.ts';
import { syncFxRates } from '../../domain/catalog/fx.ts';
import { createVendor } from '../../integrations/bamboo/index.ts';
import { CATALOG_SYNC_LOCK } from '../../domain/catalog/queues.ts';
import { BambooRateLimitError } from '../../integrations/bamboo/errors.ts';
import { createSharedState, LockBusyError, withLock } from '../../shared-state/index.ts';
import { CliError, commandEnv, print, type CommandEnv } from '../output.ts';

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
function progressBar(enabled: boolean) {
  return {
    update(done: number, total: number | null, label: string) {
      if (!enabled) return;
      const width = 30;
      const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total ?? '?'} pages`);
    },
    end() {
      if (enabled) process.stderr.write('\n');
    },
  };
}

async function withVendor<T>(
  env: CommandEnv,
  fn: (deps: {
    db: Awaited<ReturnType<typeof openDatabase>>['db'];
    vendor: ReturnType<typeof createVendor>;
    state: ReturnType<typeof createSharedState>;
  }) => Promise<T>,
): Promise<T> {
  const connection = await openDatabase(env.config, env.logger);
  const state = createSharedState(env.config);
  try {
    return await fn({ db: connection.db, vendor: createVendor(env.config, state, env.logger, { db: connection.db }), state });
  } finally {
    await state.close();
    await connection.close();
  }
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog');
  catalog
    .command('sync')
    .description('copy the vendor catalog now (full: every page; delta: changes since the last good run)')
    .addOption(new Option('--mode <mode>', 'auto, full or delta').choices(['auto', 'full', 'delta']).default('auto'))
    .option('--page-size <n>', 'brands per vendor page', '100')
    .action(async (options: { mode: SyncMode; pageSize: string }, command: Command) => {
      const env = commandEnv(command);
      const pageSize = Number(options.pageSize);
      if (!Number.isInteger(pageSize) || pageSize < 1) throw new CliError('--page-size takes a positive whole number');
      const bar = progressBar(!env.json && process.stderr.isTTY === true);
      const summary = await withVendor(env, ({ db, vendor, state }) =>
        withLock(state.locks, CATALOG_SYNC_LOCK, 3_600_000, () =>
          syncCatalog(
            { db, vendor, logger: env.logger },
            {
              mode: options.mode,
              pageSize,
              onProgress: ({ kind, pagesDone, totalPages }) => bar.update(pagesDone, totalPages, `${kind} sync`),
            },
          ),
        ),
      )
        .catch((error: unknown) => {
          if (error instanceof LockBusyError) throw new CliError('a catalog sync is already running (a worker or another command); try again later');
          if (error instanceof BambooRateLimitError) throw new CliError(`${error.message}; the run resumes from where it stopped next time`);
          throw error;
        })
        .finally(() => bar.end());
      print(env.json, summary, [
        `${summary.kind} sync run ${summary.runId}: ${summary.pages} page(s), ${summary.productsSeen} product(s) seen`,
        `  added ${summary.added}, changed ${summary.changed}, removed ${summary.removed}`,
      ]);
    });

  catalog
    .command('runs')
    .description('the last catalog sync runs: when, how many pages and products, errors')
    .option('--limit <n>', 'how many runs', '10')
    .action(async (options: { limit: string }, command: Command) => {
      const env = commandEnv(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit takes a positive whole number');
      const connection = await openDatabase(env.config, env.logger);
      try {
        const runs = await connection.db.selectFrom('catalog_sync_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
        print(
          env.json,
          runs,
          runs.length === 0
            ? ['no catalog sync has run yet (npx steller catalog sync)']
            : runs.map(
                (run) =>
                  `#${run.id} ${run.kind.padEnd(5)} ${run.status.padEnd(9)} ${run.started_at.toISOString()}  ${run.pages} page(s), ` +
                  `+${run.products_added} ~${run.products_changed} -${run.products_removed}` +
                  (run.errors.length > 0 ? `  last error: ${run.errors.at(-1)?.message}` : ''),
              ),
        );
      } finally {
        await connection.close();
      }
    });

  program
    .command('fx')
    .command('sync')
    .description('fetch and store the vendor exchange rates now')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const result = await withVendor(env, ({ db, vendor }) => syncFxRates({ db, vendor }));
      print(env.json, result, [`stored ${result.stored} rate(s) as of ${result.sourceTime.toISOString()}`]);
    });
}
