// An AppContext over a test database: real PostgreSQL, real pg-boss, memory or Redis state.
import { afterAll } from 'vitest';
import { createConfig, type Config } from '../../src/config.ts';
import { createAppContext, openVendor, type AppContext, type AppPorts } from '../../src/context.ts';
import { sandboxVendorOf } from '../../src/integrations/bamboo/index.ts';
import { createJobQueue, ensureQueues, startBoss } from '../../src/jobs/boss.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createRequestLogBuffer } from '../../src/domain/request-logs/buffer.ts';
import { createMemoryState, createRedisState, type SharedState } from '../../src/shared-state/index.ts';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from './db.ts';

/** A public address (not a documentation range: those count as internal) that test host names resolve to. */
export const PUBLIC_TEST_ADDRESS = '93.184.215.14';

/** Tests swap test doubles on their context (a fresh simulator per test, a recording logger): the only writers. */
export type TestAppContext = { -readonly [K in keyof AppContext]: AppContext[K] };

export interface TestContext {
  ctx: TestAppContext;
  boss: Awaited<ReturnType<typeof startBoss>>;
  database: TestDatabase;
}

const contexts = new WeakMap<object, AppContext>();

/** The context a test's pg-boss belongs to: whose sinks hear the events recorded on it (test/support/bot.ts). */
export const contextOfBoss = (boss: object): AppContext | undefined => contexts.get(boss);

export async function createTestContext(options: { env?: Record<string, string>; redis?: boolean; ports?: AppPorts } = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  const config: Config = createConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    // The first poll of a placed order comes at once, so a test runs it right after placing
    // (runDueJobs); the tests of its timing set the real bounds (test/integration/orders-callback-first.test.ts).
    ORDER_FIRST_POLL_MIN_SECONDS: '0',
    ORDER_FIRST_POLL_MAX_SECONDS: '0',
    ...options.env,
  });
  const logger = createLogger({ level: 'silent', pretty: false });
  const state: SharedState = options.redis && process.env.REDIS_URL ? createRedisState(process.env.REDIS_URL, testRedisPrefix('ctx')) : createMemoryState();
  const boss = await startBoss({ connectionString: database.url, worker: false, logger });
  await ensureQueues(boss, QUEUES);
  const metrics = createMetrics({ defaultMetrics: false });
  // In process unless the test's env names a Redis (its own key prefix: test files run in parallel).
  const requestLogs = createRequestLogBuffer({
    redisUrl: config.REDIS_URL,
    keyPrefix: testRedisPrefix('logs'),
    maxInProcess: config.REQUEST_LOG_BUFFER_SIZE,
    registry: metrics.registry,
    logger,
  });
  const ctx: TestAppContext = createAppContext(
    {
      config,
      logger,
      db: database.db,
      state,
      jobs: createJobQueue(boss),
      metrics,
      // The in-process simulator unless the test's env says otherwise (no network either way under
      // msw), with the vendor breaker its calls feed.
      ...openVendor(config, state, logger, database.db, createJobQueue(boss)),
      ...sandboxVendorOf(config, state, logger, { db: database.db }),
      requestLogs,
      // Tests never ask real DNS: every webhook host resolves to one public address, and msw answers
      // before a connection is made. Tests of the address checks pass deliveries their own resolver.
      resolveHost: async () => [PUBLIC_TEST_ADDRESS],
    },
    options.ports,
  );
  contexts.set(boss, ctx);
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await requestLogs.close();
    await state.close();
  });
  return { ctx, boss, database };
}
