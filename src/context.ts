// The app context: everything a use case, a job, a route or a bot handler needs, built by plain
// factories (no DI container). `openDatabase` is shared with the CLI so both reach one database.
import type { PgBoss } from 'pg-boss';
import { resolvePath, type Config, type Role } from './config.ts';
import { createDatabase, waitForDatabase, type Database } from './db/database.ts';
import { createVendor, sandboxVendorOf, type BambooClient } from './integrations/bamboo/index.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createJobQueue, ensureQueues, startBoss } from './jobs/boss.ts';
import { QUEUES } from './jobs/queues.ts';
import type { JobQueue } from './shared/queue-contract.ts';
import type { Logger } from './logger.ts';
import { createEventPort, type DomainEventSink, type EventPort } from './domain/events.ts';
import type { OrderEventSink } from './domain/orders/events.ts';
import { createIntakeBatcher, type IntakeBatcher } from './domain/orders/intake-batch.ts';
import { createRefusalLimiter } from './domain/orders/risk-alerts.ts';
import { createTelegramLimiters, type TelegramGateway, type TelegramLimiters } from './notifications/telegram.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createSharedState, type RateLimiter, type SharedState } from './shared-state/index.ts';
import { createRequestLogBuffer, type RequestLogBuffer } from './domain/request-logs/buffer.ts';
import { vendorCallRecorder } from './ops/vendor.ts';
import { createVendorBreaker, type VendorBreaker } from './domain/vendor/breaker.ts';
import { createGenerationReader, type GenerationReader } from './db/generations.ts';
import { createApiKeyCache, type ApiKeyCache } from './domain/api-keys/key-cache.ts';
import { createPricedReads, type PricedReads } from './domain/pricing/priced-reads.ts';
import type { ResolveHost } from './domain/webhooks/webhook-url.ts';

export interface DatabaseConnection {
  db: Database;
  url: string;
  embedded: EmbeddedDatabase | undefined;
  /**
   * Closes the pool, then stops the embedded database. With a deadline, work still holding a
   * connection past it is not waited for (its transaction dies with the process and is retried).
   */
  close(deadline?: number): Promise<void>;
}

/** Milliseconds until `deadline` (ms since the epoch), never negative. */
export const timeLeft = (deadline: number): number => Math.max(0, deadline - Date.now());

/** How long closing the pool may take beyond the stop's deadline (the last queries' round trips). */
const POOL_CLOSE_GRACE_MS = 500;

/** Connects to DATABASE_URL (waiting up to DATABASE_STARTUP_TIMEOUT_SECONDS for it), or starts (or joins) the embedded PostgreSQL; then migrates. */
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
    await waitForDatabase(url, {
      timeoutMs: config.DATABASE_STARTUP_TIMEOUT_SECONDS * 1_000,
      onRetry: (error, waitMs) => logger.warn({ err: error, waitMs }, 'PostgreSQL is not accepting connections yet; waiting'),
    });
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
      async close(deadline) {
        const closing = db.destroy();
        if (deadline === undefined) await closing;
        else {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeLeft(deadline) + POOL_CLOSE_GRACE_MS)));
          if ((await Promise.race([closing, late])) === 'late') logger.warn('closing with work still holding database connections');
          clearTimeout(timer);
        }
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * The process's vendor and its breaker: each call's outcome goes to `record` (the ops error rate,
 * when given) and to the breaker, which tells the admins through the outbox when it opens or closes.
 */
export function openVendor(
  config: Config,
  state: SharedState,
  logger: Logger,
  db: Database,
  jobs: JobQueue,
  record?: (call: { status: number | null }) => Promise<void>,
): { vendor: BambooClient; vendorBreaker: VendorBreaker } {
  const events = createEventPort(jobs, [], logger);
  const vendorBreaker = createVendorBreaker({ state, config, logger, recordEvent: (event) => events.record(db, event) });
  const onCall = async (call: { status: number | null }) => {
    await Promise.all([record?.(call), vendorBreaker.onCall(call)]);
  };
  return { vendor: createVendor(config, state, logger, { onCall, db }), vendorBreaker };
}

/** What a context is made of: connections and clients opened by whoever builds it (the root, a test, a benchmark). */
export interface AppContextParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly state: SharedState;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  /** Bamboo, or its in-process simulator (VENDOR). Every call goes through the shared rate limiter. */
  readonly vendor: BambooClient;
  /** With VENDOR=bamboo: the in-process simulator that sandbox (`sk_test_`) orders are bought from. */
  readonly sandboxVendor?: BambooClient;
  /** Where API request logs wait before they are written (Redis list or in-process); absent: not recorded. */
  readonly requestLogs?: RequestLogBuffer;
  /** How webhook deliveries resolve partner host names; absent: the system DNS (tests give their own). */
  readonly resolveHost?: ResolveHost;
  /** The vendor breaker fed by `vendor`'s calls (`openVendor`); absent: one that no call feeds (a context without a live vendor). */
  readonly vendorBreaker?: VendorBreaker;
}

/** The ports the adapters implement, passed in by the composition root (never assigned later). */
export interface AppPorts {
  /** Sends to Telegram (bot/notifier.ts); absent without TELEGRAM_BOT_TOKEN. */
  telegram?: TelegramGateway;
  /** Where order events go; built from the finished context (a sink reads orders and queues messages). */
  orderEvents?: (ctx: AppContext) => OrderEventSink;
  /** What reacts to domain events (admin alerts, …); built from the finished context. */
  eventSinks?: (ctx: AppContext) => readonly DomainEventSink[];
}

export interface AppContext extends AppContextParts {
  readonly telegram?: TelegramGateway;
  /** Where order events go (bot or webhook adapter, wired in main.ts); logged when absent. */
  readonly orderEvents?: OrderEventSink;
  /** Where the domain publishes its events (src/domain/events.ts); the sinks come from the ports. */
  readonly events: EventPort;
  // Per-process state, built once with the context so two contexts (two test files, a benchmark
  // beside the app) never share it by accident.
  /** Groups concurrent order creates into batches (src/domain/orders/intake.ts). */
  readonly intakeBatcher: IntakeBatcher;
  /** Counts refused orders per account for the refusal-burst risk alert. */
  readonly refusalLimiter: RateLimiter;
  /** Telegram's flood limits for the telegram.send queue (one per chat, one global). */
  readonly telegramLimiters: TelegramLimiters;
  /** Read caches that are never behind a committed change (docs/api.md, Caching). */
  readonly reads: ReadCaches;
  /** Pauses placements while Bamboo fails (src/domain/vendor/breaker.ts), shared by every process. */
  readonly vendorBreaker: VendorBreaker;
}

/** Per-process read caches, checked against the database's generations (src/db/generations.ts). */
export interface ReadCaches {
  generations: GenerationReader;
  /** API key lookups for authentication. */
  apiKeys: ApiKeyCache;
  /** Priced catalog pages and products, the bot's card list. */
  priced: PricedReads;
}

function createReadCaches(parts: AppContextParts): ReadCaches {
  const generations = createGenerationReader(parts.db);
  return {
    generations,
    apiKeys: createApiKeyCache({ db: parts.db }),
    priced: createPricedReads({
      db: parts.db,
      state: parts.state,
      generations,
      orderFee: `${parts.config.ORDER_FEE}${parts.config.SETTLEMENT_CURRENCY}`,
    }),
  };
}

/**
 * The one factory of an AppContext: the root (`openAppResources`), tests and benchmarks build
 * theirs here, with the ports passed in. Nothing assigns a field afterwards.
 */
export function createAppContext(parts: AppContextParts, ports: AppPorts = {}): AppContext {
  const sinks: DomainEventSink[] = [];
  const events = createEventPort(parts.jobs, sinks, parts.logger);
  const ctx: { -readonly [K in keyof AppContext]: AppContext[K] } = {
    ...parts,
    ...(ports.telegram ? { telegram: ports.telegram } : {}),
    events,
    intakeBatcher: createIntakeBatcher({ ...parts, events }),
    refusalLimiter: createRefusalLimiter(parts.state),
    telegramLimiters: createTelegramLimiters(parts.state),
    reads: createReadCaches(parts),
    vendorBreaker:
      parts.vendorBreaker ??
      createVendorBreaker({ state: parts.state, config: parts.config, logger: parts.logger, recordEvent: (event) => events.record(parts.db, event) }),
  };
  // Sinks read and write through the context they belong to, so they are made from it, last.
  if (ports.orderEvents) ctx.orderEvents = ports.orderEvents(ctx);
  if (ports.eventSinks) sinks.push(...ports.eventSinks(ctx));
  return ctx;
}

export interface AppResources extends AppContext {
  readonly database: DatabaseConnection;
  boss: PgBoss;
  roles: readonly Role[];
  /** Stops taking jobs and lets the running ones finish until `deadline` (ms since the epoch). */
  stopWorkers(deadline: number): Promise<void>;
  /** Stops pg-boss (running jobs get until `deadline`, SHUTDOWN_TIMEOUT_MS from now by default), Redis, the pool, the embedded db. */
  close(deadline?: number): Promise<void>;
}

/** Opens what a process needs (database, shared state, pg-boss, request log buffer) and builds its context with the ports given. */
export async function openAppResources(
  config: Config,
  logger: Logger,
  roles: readonly Role[],
  options: { bossSchema?: string; ports?: AppPorts } = {},
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
    const jobs = createJobQueue(startedBoss);
    const ctx = createAppContext(
      {
        config,
        logger,
        db: database.db,
        state,
        jobs,
        metrics,
        // Every call's outcome is counted for the ops view's vendor error rate (src/ops/vendor.ts)
        // and feeds the vendor breaker. VENDOR=simulator: the simulator whose state is this
        // database's (every process shares it).
        ...openVendor(config, state, logger, database.db, jobs, vendorCallRecorder(database.db)),
        ...sandboxVendorOf(config, state, logger, { db: database.db }),
        requestLogs,
      },
      options.ports,
    );
    const stopWorkers = async (deadline: number) => {
      await startedBoss.stop({ graceful: true, timeout: timeLeft(deadline) });
    };
    return {
      ...ctx,
      database,
      boss: startedBoss,
      roles,
      stopWorkers,
      async close(deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS) {
        await stopWorkers(deadline);
        await requestLogs.close();
        await state.close();
        await database.close(deadline);
      },
    };
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await state.close();
    await database.close();
    throw error;
  }
}
