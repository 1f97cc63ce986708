// The Telegram bot end to end, in process (issue 6): updates go through `bot.handleUpdate` with the
// full middleware stack, a recording fetch instead of Telegram, conversation state in PostgreSQL.
//   menu:   /start's main menu and the wallet screen, alternating, CLIENTS users at a time: updates/s
//   order:  full order flows (card → value → quantity → confirm, 5 updates), then place, poll and
//           event jobs run by hand against the in-process simulator: orders/s, updates/s
//   memory: CONVERSATIONS order flows left waiting at the quantity step: heap and stored state per
//           conversation
// Needs DATABASE_URL (a server where it may create and drop a scratch database).
// Usage: DATABASE_URL=postgres://… npm run bench:bot [-- --seconds 5 --orders 100 --conversations 500]
import type { Update } from 'grammy/types';
import { createBot } from '../bot/index.ts';
import { createConfig } from '../src/config.ts';
import { createAppContext, openDatabase } from '../src/context.ts';
import { withDatabaseName } from '../src/db/database.ts';
import { createAccount } from '../src/domain/accounts/accounts.ts';
import { platformActor } from '../src/domain/actor.ts';
import { movement, systemAccountId, transfer, walletId } from '../src/domain/ledger/ledger.ts';
import { saveCardList } from '../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../src/integrations/bamboo/simulator/index.ts';
import { createJobQueue, ensureQueues, startBoss } from '../src/jobs/boss.ts';
import { orderEventsWorker, orderPlaceWorker, orderPollWorker } from '../src/jobs/handlers/orders.ts';
import { QUEUES } from '../src/jobs/queues.ts';
import type { QueueDefinition } from '../src/jobs/registry.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { telegramOrderEventSink } from '../bot/order-events.ts';
import { parseMoney } from '../src/shared/money.ts';
import { createMemoryState, createPostgresKeyValueStore } from '../src/shared-state/index.ts';
import { BOT_TOKEN, botInfo, callbackQuery, recordingFetch } from '../test/support/telegram.ts';
import { adminQuery } from '../test/support/admin.ts';
import { arg, insertBenchCatalog, instantVendor } from './support.ts';

const SECONDS = arg('seconds', 5);
const ORDERS = arg('orders', 100);
const CONVERSATIONS = arg('conversations', 500);
const CLIENTS = 8;
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops a scratch database there)');
const SERVER = process.env.DATABASE_URL;
const runId = `bench_bot_${process.pid}`;

/** Runs one statement on the server's maintenance database. */
const admin = (statement: string) => adminQuery(SERVER, statement);

const logger = createLogger({ level: 'warn', pretty: false });
const url = withDatabaseName(SERVER, runId);
const config = createConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20', BOT_MAX_QUANTITY: '10' });
const connection = await openDatabase(config, logger);
const { db } = connection;
const boss = await startBoss({ connectionString: url, worker: false, logger });
await ensureQueues(boss, QUEUES);
const state = createMemoryState();
const ctx = createAppContext(
  {
    config,
    logger,
    db,
    state,
    jobs: createJobQueue(boss),
    metrics: createMetrics({ defaultMetrics: false }),
    vendor: instantVendor(state),
  },
  { orderEvents: (app) => telegramOrderEventSink(app) },
);
const store = createPostgresKeyValueStore(db);
const recorder = recordingFetch();
const bot = createBot(ctx, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch: recorder.fetch, store });

/** Runs every due job of a queue by hand (no worker, no waiting). */
async function runDue(queue: QueueDefinition): Promise<void> {
  for (;;) {
    const jobs = await boss.fetch<object>(queue.name, { batchSize: 50 });
    if (jobs.length === 0) return;
    for (const job of jobs) {
      await queue.handle(ctx, queue.payload.parse(job.data), { id: job.id, retryCount: 0, signal: new AbortController().signal });
      await boss.complete(queue.name, job.id);
    }
  }
}

/** The Confirm button of a user's latest order summary (the recorder is shared by all chats). */
function confirmData(user: number): string {
  const summary = [...recorder.calls]
    .reverse()
    .find((call) => call.payload.chat_id === user && JSON.stringify(call.payload.reply_markup ?? '').includes('or:ok:'));
  const data = /or:ok:[0-9a-f-]{36}/.exec(JSON.stringify(summary?.payload.reply_markup))?.[0];
  if (!data) throw new Error(`no Confirm button for ${user}`);
  return data;
}

try {
  const operator = platformActor('cli');
  await insertBenchCatalog(db, { key: 'bench-steam', name: 'Steam Bahrain', countryCode: 'BH' }, [{ id: SIM_PRODUCTS.steam10, name: 'Steam 10 USD BH' }]);
  await saveCardList(db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
  const users: number[] = [];
  const agents = Math.max(CLIENTS, CONVERSATIONS);
  for (let index = 0; index < agents; index += 1) {
    const telegramUserId = 900_000 + index;
    const account = await createAccount(db, operator, {
      role: 'agent',
      name: `bench agent ${index}`,
      currency: 'USD',
      parentId: null,
      telegramUserId: String(telegramUserId),
    });
    await transfer(db, {
      idempotencyKey: `bench-fund-${account.id}`,
      kind: 'topup',
      entries: movement(systemAccountId('funding', 'USD'), walletId(account.id), parseMoney('1000000.00', 'USD')),
      actor: operator,
    });
    users.push(telegramUserId);
  }

  // Menu navigation: CLIENTS users, each sequential (as the per-chat ordering makes them), in parallel.
  let updates = 0;
  const menuEnd = Date.now() + SECONDS * 1000;
  const menuStart = Date.now();
  await Promise.all(
    users.slice(0, CLIENTS).map(async (user) => {
      for (let step = 0; Date.now() < menuEnd; step += 1) {
        await bot.handleUpdate(callbackQuery(user, step % 2 === 0 ? 'm:home' : 'w:home'));
        updates += 1;
      }
    }),
  );
  const menuSeconds = (Date.now() - menuStart) / 1000;
  console.log(`menu: ${updates} updates in ${menuSeconds.toFixed(1)} s = ${(updates / menuSeconds).toFixed(0)} updates/s (${CLIENTS} users in parallel)`);

  // Full orders, one at a time per user (CLIENTS users), then the jobs by hand.
  const orderStart = Date.now();
  let orderUpdates = 0;
  const perClient = Math.ceil(ORDERS / CLIENTS);
  const flow = async (user: number, steps: Update[]) => {
    for (const update of steps) {
      await bot.handleUpdate(update);
      orderUpdates += 1;
    }
  };
  await Promise.all(
    users.slice(0, CLIENTS).map(async (user) => {
      for (let index = 0; index < perClient; index += 1) {
        await flow(user, [callbackQuery(user, 'o:new'), callbackQuery(user, 'oc:0')]); // one value, one card: the summary
        await flow(user, [callbackQuery(user, confirmData(user))]);
      }
    }),
  );
  const intakeSeconds = (Date.now() - orderStart) / 1000;
  await runDue(orderPlaceWorker);
  await runDue(orderPollWorker);
  await runDue(orderEventsWorker);
  const totalSeconds = (Date.now() - orderStart) / 1000;
  const done = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', '=', 'completed')
    .executeTakeFirstOrThrow();
  const orders = perClient * CLIENTS;
  console.log(
    `order: ${orders} orders (${done.count} completed) · bot part ${orderUpdates} updates in ${intakeSeconds.toFixed(1)} s = ${(orderUpdates / intakeSeconds).toFixed(0)} updates/s, ` +
      `${(orders / intakeSeconds).toFixed(1)} orders/s · with place/poll/deliver jobs ${(orders / totalSeconds).toFixed(1)} orders/s`,
  );

  // Memory per active conversation: flows left waiting at the summary.
  // Conversation state lives in the store between updates (a replay rebuilds it), so the heap should
  // barely grow; the stored JSON per waiting conversation is the real cost.
  const gc = (globalThis as { gc?: () => void }).gc;
  recorder.calls.length = 0;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (const user of users.slice(0, CONVERSATIONS)) {
    await bot.handleUpdate(callbackQuery(user, 'o:new'));
    await bot.handleUpdate(callbackQuery(user, 'oc:0'));
  }
  recorder.calls.length = 0;
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const stored = await db
    .selectFrom('kv_store')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.sum<string>(eb.fn('length', ['value'])).as('bytes')])
    .where('key', 'like', '%convo:%')
    .executeTakeFirstOrThrow();
  console.log(
    `memory: ${CONVERSATIONS} conversations waiting · heap ${((heapAfter - heapBefore) / CONVERSATIONS / 1024).toFixed(1)} KiB each${gc ? '' : ' (run with --expose-gc for a steadier number)'} · ` +
      `stored state ${(Number(stored.bytes) / Number(stored.count) / 1024).toFixed(1)} KiB each (${stored.count} rows)`,
  );
} finally {
  await boss.stop({ graceful: false });
  await connection.close();
  await admin(`drop database if exists ${runId} with (force)`);
}
