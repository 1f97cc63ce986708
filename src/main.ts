// Composition root: the one file in src/ that may import bot/ and api/. It builds the app context,
// starts the roles this process runs (api, worker, bot) and stops them in order on shutdown.
import { createApi } from '#api/index.ts';
import { closeServer, listen } from '#api/server.ts';
import { createBot } from '#bot/index.ts';
import type { Config, Role } from './config.ts';
import { createAppContext, type AppResources } from './context.ts';
import { ensureConfiguredAdmins } from './domain/accounts/accounts.ts';
import { registerSchedules, startWorkers } from './jobs/boss.ts';
import { QUEUES } from './jobs/queues.ts';
import { redactUrl, type Logger } from './logger.ts';
import { seedOnStart } from './seed.ts';

export interface RunningApp {
  resources: AppResources;
  /** Base URL of the API when the api role runs. */
  apiUrl: string | undefined;
  /** Lines describing what runs where, printed at start. */
  summary: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  roles: readonly Role[];
  /** Separate pg-boss schema (tests). */
  bossSchema?: string;
}

export async function startApp(config: Config, logger: Logger, options: StartOptions): Promise<RunningApp> {
  const { roles } = options;
  const resources = await createAppContext(config, logger, roles, options.bossSchema ? { bossSchema: options.bossSchema } : {});
  const stoppers: (() => Promise<void>)[] = [];
  const summary: string[] = [];
  let apiUrl: string | undefined;

  const stop = async () => {
    // Reverse start order: stop taking new work first, then drain jobs, then close pools.
    for (const stopper of stoppers.reverse()) {
      await stopper().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
    await resources.close();
  };

  try {
    const seed = await seedOnStart(resources.db, config);
    if (seed.seeded) summary.push(`demo data seeded: ${seed.steps.join('; ')}`);
    const configured = await ensureConfiguredAdmins(resources.db, config.ADMIN_TELEGRAM_IDS, config.SETTLEMENT_CURRENCY);
    for (const conflict of configured.conflicts) logger.warn(conflict, 'ADMIN_TELEGRAM_IDS names a Telegram user who has a non-admin account: left unchanged');

    summary.push(
      resources.database.embedded
        ? `database: embedded PostgreSQL on 127.0.0.1:${resources.database.embedded.port} (data in ${config.EMBEDDED_PG_DIR})`
        : `database: ${redactUrl(resources.database.url)}`,
    );
    summary.push(resources.state.kind === 'redis' ? `redis: ${redactUrl(config.REDIS_URL ?? '')}` : 'redis: not configured, in-process state (single process only)');
    summary.push(`vendor: ${config.VENDOR === 'simulator' ? 'Bamboo simulator (no credentials needed)' : `Bamboo at ${config.BAMBOO_BASE_URL}`}`);

    if (roles.includes('worker')) {
      await registerSchedules(resources.boss, QUEUES);
      await startWorkers(resources.boss, QUEUES, resources, resources.metrics);
      summary.push(`worker: ${QUEUES.length} queue(s): ${QUEUES.map((queue) => queue.name).join(', ')}`);
    }

    if (roles.includes('api')) {
      const app = createApi({ ctx: resources, boss: resources.boss });
      const { server, url } = await listen(app.fetch, config.HOST, config.PORT);
      apiUrl = url;
      stoppers.push(() => closeServer(server, config.SHUTDOWN_TIMEOUT_MS));
      summary.push(`api: ${url} (health ${url}/healthz, readiness ${url}/readyz, metrics ${url}/metrics)`);
    }

    if (roles.includes('bot')) {
      if (config.TELEGRAM_BOT_TOKEN) {
        const bot = createBot(resources, { token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.BOT_API_ROOT });
        await bot.init();
        void bot.start({ drop_pending_updates: false }).catch((error: unknown) => logger.error({ err: error }, 'bot polling stopped'));
        stoppers.push(() => bot.stop());
        summary.push(`bot: @${bot.botInfo.username} (long polling); open https://t.me/${bot.botInfo.username}`);
      } else {
        summary.push('bot: not started: set TELEGRAM_BOT_TOKEN (from @BotFather) to run the Telegram bot');
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { resources, apiUrl, summary, stop };
}
