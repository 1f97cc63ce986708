// Composition root: the one file in src/ that may import bot/ and api/. It builds the app context,
// starts the roles this process runs (api, worker, bot) and stops them in order on shutdown.
import { createApi } from '#api/index.ts';
import { createRequestCounter } from '#api/request-counter.ts';
import { closeServer, listen } from '#api/server.ts';
import { installCommandMenus } from '#bot/commands.ts';
import { createBot, startPolling } from '#bot/index.ts';
import { createTelegramGateway } from '#bot/notifier.ts';
import { telegramEventSink } from '#bot/event-messages.ts';
import { telegramOrderEventSink } from '#bot/order-events.ts';
import { WEBHOOK_PATH, registerWebhook, telegramWebhookHandler } from '#bot/webhook.ts';
import type { Config, Role } from './config.ts';
import { openAppResources, timeLeft, type AppContext, type AppResources } from './context.ts';
import type { DomainEventSink } from './domain/events.ts';
import { loggingOrderEventSink, routeOrderEvents } from './domain/orders/events.ts';
import { ensureConfiguredAdmins } from './domain/accounts/accounts.ts';
import { ensureRoleRiskDefaults } from './domain/orders/risk.ts';
import { webhookOrderEventSink } from './domain/webhooks/order-events.ts';
import { registerSchedules, startWorkers } from './jobs/boss.ts';
import { queueFirstSyncs } from './jobs/handlers/catalog.ts';
import { QUEUES } from './jobs/queues.ts';
import { redactUrl, type Logger } from './logger.ts';
import { adminAlertSink } from './notifications/admin-alerts.ts';
import { walletAlertSink } from './notifications/wallet-alerts.ts';
import { partnerEmailSink } from './notifications/partner-emails.ts';
import { seedOnStart } from './seed.ts';
import { startRequestLogFlusher } from './domain/request-logs/buffer.ts';
import { withSimulatorMount } from './integrations/bamboo/index.ts';

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

/**
 * What hears the domain events (through the domain.event queue, in the worker role): drift and risk
 * alerts tell the admins; wallet events tell the wallet's owner; requests and signups go out with
 * the bot's buttons.
 */
export const domainEventSinks = (ctx: AppContext): DomainEventSink[] => [
  adminAlertSink(ctx),
  walletAlertSink(ctx),
  telegramEventSink(ctx),
  partnerEmailSink(ctx),
];

export async function startApp(config: Config, logger: Logger, options: StartOptions): Promise<RunningApp> {
  const { roles } = options;
  const resources = await openAppResources(config, logger, roles, {
    ...(options.bossSchema ? { bossSchema: options.bossSchema } : {}),
    ports: {
      // Workers send notifications straight through the Bot API, whichever process runs the bot.
      ...(config.TELEGRAM_BOT_TOKEN ? { telegram: createTelegramGateway({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.BOT_API_ROOT }) } : {}),
      // Order results go back the way the order came: the bot for Telegram buyers, webhooks for partners.
      // Orders placed in the web app (the partner's sandbox playground) are answered by webhook, like the API's.
      orderEvents: (ctx) =>
        routeOrderEvents(
          { telegram: telegramOrderEventSink(ctx), api: webhookOrderEventSink(ctx), web: webhookOrderEventSink(ctx) },
          loggingOrderEventSink(logger),
        ),
      eventSinks: domainEventSinks,
    },
  });
  /** What stops a started part, given the stop's deadline (ms since the epoch). */
  const stoppers: ((deadline: number) => Promise<void>)[] = [];
  const summary: string[] = [];
  let apiUrl: string | undefined;

  const stop = async () => {
    // One budget for the whole stop: stop taking work (the bot, then the server, in reverse start
    // order) while the workers let their jobs in flight finish, both by the deadline; then the last
    // request logs are written (a stopper, after the server) and the pools close.
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
    const workers = resources.stopWorkers(deadline).catch((error: unknown) => logger.error({ err: error }, 'error while stopping the workers'));
    for (const stopper of stoppers.reverse()) {
      await stopper(deadline).catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
    await workers;
    await resources.close(deadline);
  };

  try {
    const seed = await seedOnStart(resources.db, config);
    if (seed.seeded) summary.push('demo data seeded:', ...seed.steps.map((step) => `  ${step}`));
    else summary.push(...seed.steps);
    const configured = await ensureConfiguredAdmins(resources.db, config.ADMIN_TELEGRAM_IDS, config.SETTLEMENT_CURRENCY);
    for (const conflict of configured.conflicts) logger.warn(conflict, 'ADMIN_TELEGRAM_IDS names a Telegram user who has a non-admin account: left unchanged');
    const riskDefaults = await ensureRoleRiskDefaults(resources.db, config);
    if (riskDefaults.length > 0) summary.push(`risk limits: configured defaults written for ${riskDefaults.join(', ')}`);

    summary.push(
      resources.database.embedded
        ? `database: embedded PostgreSQL on 127.0.0.1:${resources.database.embedded.port} (data in ${config.EMBEDDED_PG_DIR})`
        : `database: ${redactUrl(resources.database.url)}`,
    );
    summary.push(
      resources.state.kind === 'redis' ? `redis: ${redactUrl(config.REDIS_URL ?? '')}` : 'redis: not configured, in-process state (single process only)',
    );
    summary.push(`vendor: ${config.VENDOR === 'simulator' ? 'Bamboo simulator (no credentials needed)' : `Bamboo at ${config.BAMBOO_BASE_URL}`}`);

    if (roles.includes('worker')) {
      await registerSchedules(resources.boss, QUEUES);
      await startWorkers(resources.boss, QUEUES, resources, resources.metrics);
      summary.push(`worker: ${QUEUES.length} queue(s): ${QUEUES.map((queue) => queue.name).join(', ')}`);
      summary.push(...(await queueFirstSyncs(resources)));
    }

    // The bot instance exists where updates arrive: the bot role (polling) or the api role (webhook).
    const webhookMode = config.BOT_MODE === 'webhook';
    const token = config.TELEGRAM_BOT_TOKEN;
    const bot =
      token && (roles.includes('bot') || (webhookMode && roles.includes('api')))
        ? createBot(resources, { token, apiRoot: config.BOT_API_ROOT, mode: config.BOT_MODE, queues: QUEUES })
        : undefined;
    if (bot) await bot.init();

    if (roles.includes('api')) {
      // Registered before the server: stopping runs in reverse, so the server drains, then the last logs and request counts are written.
      if (resources.requestLogs) stoppers.push(startRequestLogFlusher(resources.requestLogs, resources.db, logger));
      const requestCounts = createRequestCounter(resources);
      stoppers.push(() => requestCounts.close());
      const app = createApi({
        ctx: resources,
        boss: resources.boss,
        queues: QUEUES,
        requestCounts,
        ...(bot && webhookMode ? { telegramWebhook: { path: WEBHOOK_PATH, handler: telegramWebhookHandler(bot, config.BOT_WEBHOOK_SECRET as string) } } : {}),
      });
      // The Bamboo simulator answers beside the api, under its own path (docs/bamboo.md).
      const { server, url } = await listen(withSimulatorMount(resources.db, app.fetch), config.HOST, config.PORT);
      apiUrl = url;
      stoppers.push((deadline) => closeServer(server, timeLeft(deadline)));
      summary.push(`api: ${url} (docs ${url}/docs, health ${url}/healthz, readiness ${url}/readyz, metrics ${url}/metrics)`);
    }

    if (roles.includes('bot') && bot) {
      // Telegram briefly away costs only the menus until the next start (or the user's next /start).
      await installCommandMenus(bot.api, resources).catch((error: unknown) => logger.warn({ err: error }, 'the command menus were not set'));
    }
    if (roles.includes('bot')) {
      if (!bot) {
        summary.push('bot: off: set TELEGRAM_BOT_TOKEN (from @BotFather) to run the Telegram bot');
      } else if (webhookMode) {
        const url = await registerWebhook(bot, config.PUBLIC_URL as string, config.BOT_WEBHOOK_SECRET as string);
        summary.push(`bot: @${bot.botInfo.username} via webhook ${url} (served by the api role); open https://t.me/${bot.botInfo.username}`);
      } else {
        const polling = startPolling(bot);
        stoppers.push(() => polling.stop());
        summary.push(`bot: @${bot.botInfo.username} (long polling); open https://t.me/${bot.botInfo.username}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { resources, apiUrl, summary, stop };
}
