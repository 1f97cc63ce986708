// One Bamboo simulator for every process on a database: its state lives in the `bamboo_sim` schema,
// so instances in different processes (here: different instances over one database) see the same
// orders and balances, a new instance (a restart) picks up where the last left off, a RequestId is
// taken once however many instances receive it, and the standalone server answers the real client
// over HTTP.
import { http, HttpResponse } from 'msw';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { simulatorOf } from '../../src/integrations/bamboo/index.ts';
import {
  BambooSimulator,
  ManualClock,
  PostgresSimulatorStore,
  SANDBOX_CREDENTIAL,
  SIM_PRODUCTS,
  startSimulatorServer,
  type SimulatorOptions,
} from '../../src/integrations/bamboo/simulator/index.ts';
import { money, parseMoney } from '../../src/shared/money.ts';
import { openSimulatorServer } from '../../src/cli/commands/simulator.ts';
import { mswServer } from '../setup/msw.ts';
import { simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { cliRunner } from '../support/cli.ts';
import { createTestContext } from '../support/context.ts';
import { fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

const test = await createTestContext();
const { ctx } = test;
const usd = (minor: bigint) => money(minor, 'USD');
const steam = (quantity = 1) => [{ productId: SIM_PRODUCTS.steam10, quantity, faceValue: usd(1000n) }];

/** A simulator instance over the test database, as another process would have it. */
function instance(options: SimulatorOptions = {}): BambooSimulator {
  return new BambooSimulator({ store: new PostgresSimulatorStore(ctx.db), rateLimits: false, ...options });
}

const clientOf = (simulator: BambooSimulator) => simulatorClient({ fetch: simulator.fetch });

describe('the shared, persistent simulator', () => {
  it('shows an order placed through one instance to another, moving on with time', async () => {
    const clock = new ManualClock(Date.now());
    const [first, second] = [instance({ clock }), instance({ clock })];
    const before = await second.balance(555);
    const requestId = crypto.randomUUID();
    expect(await clientOf(first).placeOrder({ requestId, lines: steam(2) })).toEqual({ kind: 'accepted', requestId });

    expect(await clientOf(second).getOrder(requestId)).toMatchObject({ requestId, status: 'Created', total: usd(1894n) });
    expect(await second.balance(555)).toBe((Number(before) - 18.94).toFixed(4));
    clock.advance(1_500);
    const order = await clientOf(second).getOrder(requestId);
    expect(order).toMatchObject({ final: 'Succeeded' });
    expect(order!.items[0]!.cards.map((card) => card.status)).toEqual(['Sold', 'Sold']);
    // The first instance tells the same cards.
    expect((await clientOf(first).getOrder(requestId))!.items[0]!.cards).toEqual(order!.items[0]!.cards);
  });

  it('keeps orders, balances and settings across a restart (a new instance)', async () => {
    const clock = new ManualClock(Date.now());
    const before = instance({ clock });
    const requestId = crypto.randomUUID();
    await clientOf(before).setNotificationSettings({ notificationUrl: '', notificationUrlSandbox: '', secretKey: 'kept' });
    await clientOf(before).placeOrder({ requestId, lines: steam() });
    const balance = await before.balance(555);
    before.close();

    // A restart: nothing of the first instance but the database. Time passed while it was down.
    const after = instance({ clock });
    expect(await after.balance(555)).toBe(balance);
    clock.advance(60_000);
    expect(await clientOf(after).getOrder(requestId)).toMatchObject({ final: 'Succeeded' });
    expect(await clientOf(after).getNotificationSettings()).toMatchObject({ secretKey: 'kept' });
  });

  it('takes a RequestId once when two instances receive it at the same moment', async () => {
    const [first, second] = [instance(), instance()];
    const before = await first.balance(555);
    const requestId = crypto.randomUUID();
    const answers = await Promise.all(
      [clientOf(first), clientOf(second), clientOf(first), clientOf(second)].map((client) => client.placeOrder({ requestId, lines: steam() })),
    );
    expect(answers.filter((answer) => answer.kind === 'accepted')).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind !== 'accepted')).toEqual(Array(3).fill({ kind: 'unknown', cause: 'OrderAlreadyExists' }));
    const { rows } = await sql<{ count: string }>`select count(*)::text as count from bamboo_sim.orders where request_id = ${requestId}`.execute(ctx.db);
    expect(rows[0]!.count).toBe('1');
    // Charged once.
    expect(await second.balance(555)).toBe((Number(before) - 9.47).toFixed(4));
  });

  it('sends the completion callback once, from whichever instance finished the order', async () => {
    const received: unknown[] = [];
    mswServer.use(
      http.post('https://steller.example/bamboo/callback', async ({ request }) => {
        received.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const clock = new ManualClock(Date.now());
    const instances = [instance({ clock }), instance({ clock }), instance({ clock })];
    await clientOf(instances[0]!).setNotificationSettings({
      notificationUrl: 'https://steller.example/live',
      notificationUrlSandbox: 'https://steller.example/bamboo/callback',
      secretKey: 'shh',
    });
    const requestId = crypto.randomUUID();
    await clientOf(instances[1]!).placeOrder({ requestId, lines: steam() });
    // Time passes with nobody reading; every instance sweeps at once, and reads too.
    clock.advance(5_000);
    await Promise.all([...instances.map((simulator) => simulator.sweep()), ...instances.map((simulator) => clientOf(simulator).getOrder(requestId))]);
    await Promise.all(instances.map((simulator) => simulator.idle()));
    // (Orders of the other tests on this database may finish in the same sweeps.)
    expect(received.filter((body) => (body as { requestId: string }).requestId === requestId)).toMatchObject([
      { requestId, status: 'succeeded', secretKey: 'shh' },
    ]);
    await clientOf(instances[0]!).setNotificationSettings({ notificationUrl: '', notificationUrlSandbox: '', secretKey: '' });
  });

  it("spoils only an order's first checkout for a trigger, whichever instance gets the retry", async () => {
    const [first, second] = [instance({ faultTrigger: async () => 'sim:5xx-then-ok' }), instance({ faultTrigger: async () => 'sim:5xx-then-ok' })];
    const requestId = crypto.randomUUID();
    expect(await clientOf(first).placeOrder({ requestId, lines: steam() })).toEqual({ kind: 'unknown', cause: 'HTTP 503' });
    expect(await clientOf(second).getOrder(requestId)).toBeUndefined(); // nothing was bought
    expect(await clientOf(second).placeOrder({ requestId, lines: steam() })).toEqual({ kind: 'accepted', requestId });
  });

  it('answers the real client over HTTP as a standalone server (Basic auth, the 429 text, the request log)', async () => {
    const simulator = new BambooSimulator({ store: new PostgresSimulatorStore(ctx.db), hosts: 'any', rateLimits: true });
    const requestLog: string[] = [];
    const server = await startSimulatorServer(simulator, { port: 0, onRequest: (record) => requestLog.push(`${record.endpoint} ${record.status}`) });
    try {
      // The real client over the network: global fetch, the server's address.
      const client = (clientSecret = SANDBOX_CREDENTIAL.clientSecret) => simulatorClient({ baseUrl: server.url, clientSecret });
      const requestId = crypto.randomUUID();
      expect(await client().placeOrder({ requestId, lines: steam() })).toEqual({ kind: 'accepted', requestId });
      expect(await client().getOrder(requestId)).toMatchObject({ requestId, total: usd(947n) });
      // Seen by the process's own (in-process) simulator on the same database.
      expect(await simulatorClient({ fetch: simulatorOf(ctx.db).fetch }).getOrder(requestId)).toMatchObject({ requestId });
      expect(await client('wrong').placeOrder({ requestId: crypto.randomUUID(), lines: steam() })).toMatchObject({ kind: 'rejected', reason: 'Unauthorized' });
      // The published limit of 1 a second for accounts, with Bamboo's text.
      const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIAL.clientId}:${SANDBOX_CREDENTIAL.clientSecret}`).toString('base64')}`;
      const accounts = () => fetch(`${server.url}/api/integration/v1.0/accounts`, { headers: { authorization: auth } });
      expect((await accounts()).status).toBe(200);
      const limited = await accounts();
      expect(limited.status).toBe(429);
      expect(await limited.json()).toEqual({ message: 'Too many requests. Please wait for 1 seconds for the next request' });
      // One line per answered request: what a benchmark counts (bench/vendor-throughput.ts).
      expect(requestLog).toEqual(['checkout 200', 'getOrder 200', 'checkout 401', 'accounts 200', 'accounts 429']);
    } finally {
      simulator.close();
      await server.close();
    }
  });

  it('steller simulator: serves the simulator of the database; refuses bad options', async () => {
    const steller = cliRunner(test.database.url);
    await expect(steller('simulator', '--latency', 'fast')).rejects.toThrow('--latency takes milliseconds');
    await expect(steller('simulator', '--limits', 'some')).rejects.toThrow();
    const running = await openSimulatorServer(ctx.config, ctx.logger, {
      host: '127.0.0.1',
      port: 0,
      latency: { minMs: 5, maxMs: 20 },
      seed: 42,
      limits: 'real',
    });
    try {
      const requestId = crypto.randomUUID();
      await clientOf(instance()).placeOrder({ requestId, lines: steam() });
      // Placed in-process, read over HTTP from the standalone server on the same database.
      expect(await simulatorClient({ baseUrl: running.server.url }).getOrder(requestId)).toMatchObject({ requestId, total: usd(947n) });
    } finally {
      await running.close();
    }
  });

  it('completes every order with the roles split: places through one worker, polls through another', async () => {
    // The api process takes the orders; worker A places them, worker B (which never saw them) polls.
    const workerA = { ...ctx, vendor: clientOf(instance({ processingAfterMs: 0, completeAfterMs: 0 })) };
    const workerB = { ...ctx, vendor: clientOf(instance({ processingAfterMs: 0, completeAfterMs: 0 })) };
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const buyer = await makeAccount(ctx.db, 'partner');
    await fund(ctx.db, buyer, '200.00');
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        createOrder(ctx, {
          buyerId: buyer.id,
          actor: accountActor(buyer.id, 'api'),
          clientReference: `split-${index}`,
          productId: SIM_PRODUCTS.steam10,
          face: parseMoney('10.00', 'USD'),
          quantity: 1,
        }),
      ),
    );
    const ids = created.map((result) => result.order.id);
    await runDueJobs(test, workerA, orderPlaceQueue);
    await runDueJobs(test, workerB, orderPollQueue);

    const orders = await ctx.db.selectFrom('orders').select(['status', 'vendor_request_id']).where('id', 'in', ids).execute();
    expect(orders.map((order) => order.status)).toEqual(Array(12).fill('completed'));
    // One vendor order each.
    const requestIds = orders.map((order) => order.vendor_request_id as string);
    const { rows } = await sql<{ count: string }>`select count(*)::text as count from bamboo_sim.orders where request_id = any(${requestIds})`.execute(ctx.db);
    expect(rows[0]!.count).toBe('12');
    await expectOrderMoneyConserved(ctx.db, ids);
  });
});
