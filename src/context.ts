// The app context: everything a use case, a job, a route or a bot handler needs, built by plain
// factories (no DI container). `openDatabase` is shared with the CLI so both reach one database.
import type { PgBoss } from 'pg-boss';
import { resolvePath, type Config, type Role } from './config.ts';
import { createDatabase, ensureDatabaseExists, type Database } from './db/database.ts';
import { createVendor, sandboxVendorOf, type BambooClient } from './integrations/bamboo/index.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createJobQueue, ensureQueues, startBoss, type JobQueue } from './jobs/boss.ts';
import { QUEUES } from './jobs/queues.ts';
import type { Logger } from './logger.ts';
import type { OrderEventSink } from './domain/orders/events.ts';
import type { TelegramGateway } from './notifications/telegram.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createSharedState, type SharedState } from './shared-state/index.ts';
import { createRequestLogBuffer, type RequestLogBuffer } from './domain/request-logs/buffer.ts';
import { vendorCallRecorder } from './ops/vendor.ts';
import type { ResolveHost } from './domain/webhooks/webhook-url.ts';

export interface DatabaseConnection {
  db: Database;
  url: string;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL; then migrates. */
export async function openDatabase(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<DatabaseConnection> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedDatabase({
      dataDir: resolvePath(config, config.EMBEDDED_PG_DIR),
      port: config.EMBEDDED_PG_PORT,
      logger,
    });
    url = embedded.url;
  }
  try {
    await ensureDatabaseExists(url);
    const { db } = createDatabase(url, { poolSize: config.DATABASE_POOL_SIZE });
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(db).catch(async (error: unknown) => {
        await db.destroy();
        throw error;
      });
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    return {
      db,
      url,
      embedded,
      async close() {
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  state: SharedState;
  jobs: JobQueue;
  metrics: Metrics;
  /** Sends to Telegram (bot/notifier.ts); absent without TELEGRAM_BOT_TOKEN. */
  telegram?: TelegramGateway;
  /** Bamboo, or its in-process simulator (VENDOR). Every call goes through the shared rate limiter. */
  vendor: BambooClient;
  /** With VENDOR=bamboo: the in-process simulator that sandbox (`sk_test_`) orders are bought from. */
  sandboxVendor?: BambooClient;
  /** Where order events go (bot or webhook adapter, wired in main.ts); logged when absent. */
  orderEvents?: OrderEventSink;
  /** Where API request logs wait before they are written (Redis list or in-process); absent: not recorded. */
  requestLogs?: RequestLogBuffer;
  /** How webhook deliveries resolve partner host names; absent: the system DNS (tests give their own). */
  resolveHost?: ResolveHost;
}

export interface AppResources extends AppContext {
  database: DatabaseConnection;
  boss: PgBoss;
  roles: readonly Role[];
  /** Stops pg-boss (waiting up to the shutdown timeout for running jobs), Redis, the pool, the embedded db. */
  close(): Promise<void>;
}

export async function createAppContext(
  config: Config,
  logger: Logger,
  roles: readonly Role[],
  options: { bossSchema?: string } = {},
): Promise<AppResources> {
  const database = await openDatabase(config, logger);
  const state = createSharedState(config);
  let boss: PgBoss | undefined;
  try {
    const isWorker = roles.includes('worker');
    boss = await startBoss({
      connectionString: database.url,
      ...(options.bossSchema ? { schema: options.bossSchema } : {}),
      worker: isWorker,
      logger,
    });
    // Every role may send jobs, so every role makes sure the queues exist.
    await ensureQueues(boss, QUEUES);
    const startedBoss = boss;
    const metrics = createMetrics();
    const requestLogs = createRequestLogBuffer({
      redisUrl: config.REDIS_URL,
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxInProcess: config.REQUEST_LOG_BUFFER_SIZE,
      registry: metrics.registry,
      logger,
    });
    return {
      config,
      logger,
      db: database.db,
      state,
      jobs: createJobQueue(startedBoss),
      metrics,
      // Every call's outcome is counted for the ops view's vendor error rate (src/ops/vendor.ts).
      vendor: createVendor(config, state, logger, { onCall: vendorCallRecorder(database.db) }),
      ...sandboxVendorOf(config, state, logger),
      requestLogs,
      database,
      boss: startedBoss,
      roles,
      async close() {
        await startedBoss.stop({ graceful: true, timeout: config.SHUTDOWN_TIMEOUT_MS });
        await requestLogs.close();
        await state.close();
        await database.close();
      },
    };
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await state.close();
    await database.close();
    throw error;
  }
}
