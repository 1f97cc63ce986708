// What a restart costs: orders caught by a process that dies without shutting down (kill -9, a
// crash, a pulled plug) get their cards as soon as a worker is back. The dying process reaches
// PostgreSQL through a TCP proxy that the test cuts, so its connections drop as they would when the
// process dies: its open transactions roll back, its row locks go, its pg-boss jobs stay `active`
// and stop sending heartbeats, and nothing it still runs reaches the database or the vendor again.
// One simulator serves both processes: a vendor that survives our restart.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { createAppContext, type AppContext } from '../../src/context.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { revealOrderCards } from '../../src/domain/orders/orders.ts';
import { BambooSimulator, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createJobQueue, ensureQueues, startBoss, startWorkers } from '../../src/jobs/boss.ts';
import { orderEventsWorker, orderPlaceWorker, orderPollWorker } from '../../src/jobs/handlers/orders.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createMetrics } from '../../src/metrics.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const test = await createTestContext();
const never = () => new Promise<never>(() => {});

/** A TCP proxy to PostgreSQL; `cut()` drops every connection and refuses new ones, as a dead process's would be. */
async function databaseLink(databaseUrl: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

type VendorCall = { kind: 'checkout'; requestId: string; status?: number } | { kind: 'getOrder' | 'other' };

/** What the vendor saw, over both processes: every checkout with its RequestId and answer. */
const vendorCalls: VendorCall[] = [];

async function describeCall(request: Request): Promise<VendorCall> {
  const path = new URL(request.url).pathname.toLowerCase();
  if (request.method === 'POST' && path.endsWith('/orders/checkout')) {
    const body = (await request.clone().json()) as { RequestId: string };
    return { kind: 'checkout', requestId: body.RequestId };
  }
  return { kind: path.includes('/orders/') ? 'getOrder' : 'other' };
}

/**
 * A process's way to the shared simulator. `hang(call, nth)` decides, per call, whether the call
 * never reaches the vendor ('before'), reaches it but its answer never comes back ('after'), or
 * goes through. After `die()` nothing goes out.
 */
function vendorLink(simulator: BambooSimulator, hang: (call: VendorCall, nth: number) => 'before' | 'after' | undefined = () => undefined) {
  let dead = false;
  const seen = { checkout: 0, getOrder: 0, other: 0 };
  const hung: VendorCall[] = [];
  return {
    hung,
    die: () => void (dead = true),
    async fetch(request: Request): Promise<Response> {
      if (dead) return never();
      const call = await describeCall(request);
      const where = hang(call, (seen[call.kind] += 1));
      if (where === 'before') {
        hung.push(call);
        return never();
      }
      vendorCalls.push(call);
      const response = await simulator.fetch(request);
      if (call.kind === 'checkout') call.status = response.status;
      if (where === 'after' || dead) {
        hung.push(call);
        return never();
      }
      return response;
    },
  };
}

interface Process {
  ctx: AppContext;
  stop(): Promise<void>;
}

/** A worker process (place, poll, events) on `databaseUrl`, buying through `link`. */
async function startProcess(databaseUrl: string, link: ReturnType<typeof vendorLink>, delivered: string[]): Promise<Process> {
  const { db, pool } = createDatabase(databaseUrl, { poolSize: 5 });
  // A connection that drops under a checked-out client must not crash the test process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const boss = await startBoss({ connectionString: databaseUrl, worker: true, logger: test.ctx.logger, superviseIntervalSeconds: 1 });
  await ensureQueues(boss, QUEUES);
  const ctx = createAppContext(
    {
      config: test.ctx.config,
      logger: test.ctx.logger,
      db,
      state: createMemoryState(),
      jobs: createJobQueue(boss),
      metrics: createMetrics({ defaultMetrics: false }),
      vendor: simulatorClient({ fetch: (request) => link.fetch(request) }),
    },
    { orderEvents: () => ({ deliver: async (event) => void delivered.push(event.orderId) }) },
  );
  await startWorkers(boss, [orderPlaceWorker, orderPollWorker, orderEventsWorker], ctx, ctx.metrics);
  return {
    ctx,
    async stop() {
      // A dead process's stop fails against a database it cannot reach; only its timers matter here.
      await Promise.race([boss.stop({ graceful: false }).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await Promise.race([db.destroy().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    },
  };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a process killed mid-order', () => {
  it('leaves no order behind: a new worker finishes each within seconds, the vendor got each order once, the money adds up', { timeout: 90_000 }, async () => {
    const simulator = new BambooSimulator({ rateLimits: false, processingAfterMs: 0, completeAfterMs: 0 });
    await insertProduct(test.ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const buyer = await makeAccount(test.ctx.db, 'partner');
    await fund(test.ctx.db, buyer, '100.00');
    const order = (ctx: AppContext, reference: string) =>
      createOrder(ctx, {
        buyerId: buyer.id,
        actor: accountActor(buyer.id, 'api'),
        clientReference: reference,
        productId: SIM_PRODUCTS.steam10,
        face: parseMoney('10.00', 'USD'),
        quantity: 1,
      }).then((created) => created.order.id);

    // The first process: of its first three checkouts one never reaches Bamboo, one reaches it but
    // its answer is lost, one goes through (and its first poll is lost); anything later never leaves.
    const delivered: string[] = [];
    const database = await databaseLink(test.database.url);
    const dyingLink = vendorLink(simulator, (call, nth) => {
      if (call.kind === 'getOrder') return 'after';
      if (call.kind !== 'checkout') return undefined;
      return nth === 1 ? 'before' : nth === 2 ? 'after' : nth === 3 ? undefined : 'before';
    });
    const dying = await startProcess(database.url, dyingLink, delivered);
    const caught = await Promise.all(['kill-1', 'kill-2', 'kill-3'].map((reference) => order(dying.ctx, reference)));
    await waitFor(async () => dyingLink.hung.length >= 3, 20_000, 'the three orders to be caught in flight');
    // Accepted just before the kill: its place job may not even have started.
    caught.push(await order(dying.ctx, 'kill-4'));

    const statuses = await test.ctx.db.selectFrom('orders').select(['status']).where('id', 'in', caught).execute();
    const count = (status: string) => statuses.filter((row) => row.status === status).length;
    expect(count('placing')).toBeGreaterThanOrEqual(2); // one never sent, one sent and its answer lost
    expect(count('processing')).toBe(1); // placed, its first poll lost

    // The kill: connections drop, nothing more goes out. No graceful shutdown runs.
    database.cut();
    dyingLink.die();

    const restartedAt = Date.now();
    const worker = await startProcess(test.database.url, vendorLink(simulator), delivered);
    try {
      await waitFor(
        async () => {
          const rows = await test.ctx.db.selectFrom('orders').select('status').where('id', 'in', caught).execute();
          return rows.every((row) => row.status === 'completed') && caught.every((id) => delivered.includes(id));
        },
        60_000,
        'every caught order to complete and reach the event sink',
      );
      const recoveredInMs = Date.now() - restartedAt;
      // A lost run is retried once its heartbeat is 10 s old (pg-boss's minimum) and a worker's check
      // sees it, then after the queue's retry delay; without heartbeats it waited out the 120 s expiry.
      expect(recoveredInMs).toBeLessThan(30_000);

      for (const id of caught) {
        const row = await test.ctx.db.selectFrom('orders').select(['vendor_request_id']).where('id', '=', id).executeTakeFirstOrThrow();
        const accepted = vendorCalls.filter((call) => call.kind === 'checkout' && call.requestId === row.vendor_request_id && call.status === 200);
        expect(accepted, `order ${id}: one order at the vendor`).toHaveLength(1);
        expect(await revealOrderCards(worker.ctx, accountActor(buyer.id, 'api'), id)).toHaveLength(1);
      }
      // Every accepted checkout belongs to one of our orders: nothing was bought twice under a new RequestId.
      expect(vendorCalls.filter((call) => call.kind === 'checkout' && call.status === 200)).toHaveLength(caught.length);
      await expectOrderMoneyConserved(test.ctx.db, caught);
    } finally {
      await worker.stop();
      await dying.stop();
    }
  });
});
