// The context of a CLI command that changes money, keys or orders: the database, the job queue and
// the event port. The domain records its events (a partner's first live key, an order needing
// attention, …) as `domain.event` jobs in the transaction of the change (outbox); a running worker
// hands them to the sinks (emails, the admins' alerts). Without the port the CLI would change things
// silently, unlike the same change over the API or the bot. The one way a command gets this context.
import type { Command } from 'commander';
import { openDatabase, openVendor, type AppContext } from '../context.ts';
import { createEventPort, type EventContext } from '../domain/events.ts';
import { sandboxVendorOf } from '../integrations/bamboo/index.ts';
import { createJobQueue, startBoss } from '../jobs/boss.ts';
import { vendorCallRecorder } from '../ops/vendor.ts';
import { createSharedState } from '../shared-state/index.ts';
import { DomainError } from '../shared/errors.ts';
import { MoneyError } from '../shared/money.ts';
import type { JobQueue } from '../shared/queue-contract.ts';
import { CliError, commandEnv, type CommandEnv } from './output.ts';

export interface CliContext extends EventContext {
  readonly jobs: JobQueue;
  readonly logger: CommandEnv['logger'];
}

/** Runs `fn` with a context whose events are recorded (delivered later by a worker: the CLI runs none). */
export async function withEventContext<T>(env: CommandEnv, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const connection = await openDatabase(env.config, env.logger);
  try {
    const boss = await startBoss({ connectionString: connection.url, worker: false, logger: env.logger });
    try {
      const jobs = createJobQueue(boss);
      return await fn({ db: connection.db, jobs, events: createEventPort(jobs, [], env.logger), config: env.config, logger: env.logger });
    } finally {
      await boss.stop({ graceful: false });
    }
  } finally {
    await connection.close();
  }
}

export type VendorCommandContext = CliContext & Pick<AppContext, 'vendor' | 'sandboxVendor' | 'vendorBreaker'>;

/**
 * `withEventContext` with the vendors, for a command that calls Bamboo (an order step, the float,
 * our callback): its calls are counted and feed the shared breaker like a worker's, and it shares
 * the running processes' rate limits (the shared state).
 */
export async function withVendorContext<T>(env: CommandEnv, fn: (ctx: VendorCommandContext) => Promise<T>): Promise<T> {
  return withEventContext(env, async (ctx) => {
    const state = createSharedState(env.config);
    try {
      return await fn({
        ...ctx,
        ...openVendor(env.config, state, env.logger, ctx.db, ctx.jobs, vendorCallRecorder(ctx.db)),
        ...sandboxVendorOf(env.config, state, env.logger, { db: ctx.db }),
      });
    } finally {
      await state.close();
    }
  });
}

/** A money or key command: its context records events, and domain refusals become CLI errors (code: message, exit 1). */
export async function runWithEvents(command: Command, run: (ctx: CliContext, env: CommandEnv) => Promise<void>): Promise<void> {
  const env = commandEnv(command);
  await withEventContext(env, (ctx) => refusalsAsCliErrors(() => run(ctx, env)));
}

export async function refusalsAsCliErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(`${error.code}: ${error.message}`);
    if (error instanceof MoneyError) throw new CliError(error.message);
    throw error;
  }
}
