// Orders over REST against real PostgreSQL and the Bamboo simulator (through msw). The order jobs run
// by hand (runDueJobs), as in test/integration/orders.test.ts. Every answer is checked against the
// served OpenAPI document (harness.call); every money test ends with the ledger checks.
import { sql } from 'kysely';
import { http, HttpResponse } from 'msw';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { routeOrderEvents, loggingOrderEventSink, type OrderEvent } from '../../src/domain/orders/events.ts';
import { spendPerDay } from '../../src/domain/usage/usage.ts';
import { webhookOrderEventSink } from '../../src/domain/webhooks/order-events.ts';
import { type ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { placeWithVendor } from '../../src/domain/orders/fulfilment.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { webhookDeliverWorker } from '../../src/jobs/handlers/webhooks.ts';
import { formatAmount } from '../../src/shared/money.ts';
import { mswServer } from '../setup/msw.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { fund } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

// API orders' events go to the partner's webhook (as main.ts wires it); the test sees them too.
const events: OrderEvent[] = [];
const harness = await createApiHarness({
  ports: {
    orderEvents: (app) => {
      const webhooks = webhookOrderEventSink(app);
      return routeOrderEvents(
        {
          api: {
            async deliver(event) {
              events.push(event);
              await webhooks.deliver(event);
            },
          },
        },
        loggingOrderEventSink(app.logger),
      );
    },
  },
});
const { ctx, call } = harness;
const { db } = ctx;

await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });

// msw handlers are reset after each test: a fresh simulator per test.
let clock: ManualClock;
beforeEach(() => {
  clock = mountSimulator({ rateLimits: false }).clock;
  ctx.vendor = simulatorClient({ clock });
});

interface OrderBody {
  id: string;
  number: string;
  referenceId: string;
  status: string;
  total: { amount: string; currency: string };
  cardsDelivered: number | null;
  cards: { code: string | null; pin: string | null; serialNumber: string | null }[] | null;
}

async function partnerWith(amount: string, account: 'live' | 'sandbox' = 'live'): Promise<Partner> {
  const partner = await harness.makePartner();
  await fund(db, account === 'live' ? partner.account : { ...partner.account, id: partner.sandboxId }, amount);
  return partner;
}

const steam = (quantity = 1, extra: Record<string, unknown> = {}) => ({
  productId: String(SIM_PRODUCTS.steam10),
  faceValue: { amount: '10.00', currency: 'USD' },
  quantity,
  ...extra,
});

async function wallet(key: string): Promise<string> {
  return ((await (await call(key, 'GET', '/v1/wallet')).json()) as { balance: { amount: string } }).balance.amount;
}

/** Place, then poll once the simulator has the cards: the order is final afterwards. */
async function driveToCompletion() {
  await runDueJobs(harness, ctx, orderPlaceQueue);
  clock.advance(1500);
  await runDueJobs(harness, ctx, orderPollQueue);
}

describe('POST /v1/orders, GET /v1/orders/{id}, GET /v1/orders', () => {
  it('creates an order (202), completes it with the simulator, shows the cards to the owner only', async () => {
    const partner = await partnerWith('100.00');
    const other = await partnerWith('10.00');
    const created = await call(partner.liveKey, 'POST', '/v1/orders', steam(2), { 'idempotency-key': 'acme-order-1' });
    expect(created.status).toBe(202);
    const order = (await created.json()) as OrderBody;
    expect(order).toMatchObject({ status: 'pending', referenceId: 'acme-order-1', total: { amount: '20.00', currency: 'USD' }, cards: null });
    expect(order.number).toMatch(/^ST-\d{6}$/);
    expect(await wallet(partner.liveKey)).toBe('80.00');

    await driveToCompletion();

    const byId = (await (await call(partner.liveKey, 'GET', `/v1/orders/${order.id}`)).json()) as OrderBody;
    expect(byId).toMatchObject({ id: order.id, status: 'completed', cardsDelivered: 2 });
    expect(byId.cards).toHaveLength(2);
    for (const card of byId.cards ?? []) expect(card.code).toMatch(/\S{6,}/);
    // The code never rests in clear text.
    const stored = await db.selectFrom('order_cards').select(['code_encrypted']).where('order_id', '=', order.id).execute();
    expect(JSON.stringify(stored)).not.toContain(byId.cards?.[0]?.code);
    // By number too; each reveal audited.
    const byNumber = (await (await call(partner.liveKey, 'GET', `/v1/orders/${order.number}`)).json()) as OrderBody;
    expect(byNumber.id).toBe(order.id);
    const reveals = await db.selectFrom('audit_log').select('action').where('subject_id', '=', order.id).where('action', '=', 'order.cards_revealed').execute();
    expect(reveals).toHaveLength(2);

    // Another partner (live or sandbox key) sees nothing: 404, not 403.
    await expectProblem(await call(other.liveKey, 'GET', `/v1/orders/${order.id}`), 404, 'order_not_found');
    await expectProblem(await call(other.testKey, 'GET', `/v1/orders/${order.number}`), 404, 'order_not_found');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/orders/not-an-order'), 404, 'order_not_found');

    const list = (await (await call(partner.liveKey, 'GET', '/v1/orders')).json()) as { data: OrderBody[] };
    expect(list.data.map((item) => [item.id, item.cards])).toEqual([[order.id, null]]);
    expect(((await (await call(other.liveKey, 'GET', '/v1/orders')).json()) as { data: unknown[] }).data).toEqual([]);
    await expectOrderMoneyConserved(db, [order.id]);
  });

  it('lists newest first with a cursor and filters', async () => {
    const partner = await partnerWith('100.00');
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(((await (await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { referenceId: `list-${index}` }))).json()) as OrderBody).id);
    }
    const first = (await (await call(partner.liveKey, 'GET', '/v1/orders?limit=2')).json()) as { data: OrderBody[]; nextCursor: string };
    expect(first.data.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    const second = (await (await call(partner.liveKey, 'GET', `/v1/orders?limit=2&cursor=${first.nextCursor}`)).json()) as {
      data: OrderBody[];
      nextCursor: null;
    };
    expect(second.data.map((item) => item.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    const pending = (await (await call(partner.liveKey, 'GET', '/v1/orders?status=pending')).json()) as { data: OrderBody[] };
    expect(pending.data).toHaveLength(3);
    const completed = (await (await call(partner.liveKey, 'GET', '/v1/orders?status=completed')).json()) as { data: OrderBody[] };
    expect(completed.data).toHaveLength(0);
    const future = (await (await call(partner.liveKey, 'GET', `/v1/orders?from=${new Date(Date.now() + 60_000).toISOString()}`)).json()) as {
      data: OrderBody[];
    };
    expect(future.data).toHaveLength(0);
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/orders?cursor=abc'), 400, 'invalid_cursor');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/orders?status=lost&limit=0'), 400, 'validation_failed');
    await driveToCompletion();
    await expectOrderMoneyConserved(db, ids);
  });

  it('50 concurrent POSTs with one Idempotency-Key make one order and one hold', async () => {
    const partner = await partnerWith('100.00');
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => call(partner.liveKey, 'POST', '/v1/orders', steam(1), { 'idempotency-key': 'burst-1' })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as OrderBody[];
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(responses.filter((response) => response.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
    const orders = await db.selectFrom('orders').select('id').where('buyer_id', '=', partner.account.id).execute();
    expect(orders).toHaveLength(1);
    expect(await wallet(partner.liveKey)).toBe('90.00');

    // The same key with another payload is a conflict and moves nothing.
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', steam(2), { 'idempotency-key': 'burst-1' }), 409, 'idempotency_conflict');
    // referenceId is the same reference as the header.
    const replay = await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { referenceId: 'burst-1' }));
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as OrderBody).id).toBe(bodies[0]?.id);
    await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { referenceId: 'a' }), { 'idempotency-key': 'b' }),
      422,
      'reference_mismatch',
    );
    // Keys up to 255 characters.
    const longKey = 'k'.repeat(255);
    const long = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(1), { 'idempotency-key': longKey })).json()) as OrderBody;
    expect(long.referenceId).toBe(longKey);
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', steam(1), { 'idempotency-key': 'k'.repeat(256) }), 400, 'validation_failed');
    expect(await wallet(partner.liveKey)).toBe('80.00');
    await driveToCompletion();
    await expectOrderMoneyConserved(db, [...orders.map((order) => order.id), long.id]);
  });

  it('refuses above maxPrice, without funds (402 with the balance), and invalid input', async () => {
    const partner = await partnerWith('15.00');
    const refused = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { maxPrice: { amount: '9.99', currency: 'USD' } })),
      422,
      'max_price_exceeded',
    );
    expect(refused).toMatchObject({ total: { amount: '10.00', currency: 'USD' }, maxTotal: { amount: '9.99', currency: 'USD' } });
    const exact = await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { expectedTotal: { amount: '10.00', currency: 'USD' } }));
    expect(exact.status).toBe(202);
    const poor = await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', steam(1)), 402, 'insufficient_funds');
    expect(poor).toMatchObject({ balance: { amount: '5.00', currency: 'USD' }, required: { amount: '10.00', currency: 'USD' } });
    expect(await wallet(partner.liveKey)).toBe('5.00');

    const invalid = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', { productId: 'x', faceValue: { amount: '-1', currency: 'usd' }, quantity: 501 }),
      400,
      'validation_failed',
    );
    expect((invalid.errors as { path: string }[]).map((error) => error.path).sort()).toEqual([
      'json.faceValue.amount',
      'json.faceValue.currency',
      'json.productId',
      'json.quantity',
    ]);
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', steam(0)), 400, 'validation_failed');
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/orders', { ...steam(1), productId: '990099' }), 404, 'product_not_found');
    // Money in an error body is shown as everywhere else: decimal amount and currency.
    const outOfRange = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/orders', steam(1, { faceValue: { amount: '25.00', currency: 'USD' } })),
      422,
      'denomination_out_of_range',
    );
    expect(outOfRange).toMatchObject({ min: { amount: '10.00', currency: 'USD' }, max: { amount: '10.00', currency: 'USD' } });
    await driveToCompletion();
    const orders = await db.selectFrom('orders').select('id').where('buyer_id', '=', partner.account.id).execute();
    await expectOrderMoneyConserved(
      db,
      orders.map((order) => order.id),
    );
  });

  it('sk_test_ keys order from the sandbox wallet through the simulator, also on a server buying from the real vendor', async () => {
    const partner = await partnerWith('20.00', 'sandbox');
    await fund(db, partner.account, '10.00');
    // The process buys from "Bamboo" (every call recorded) and keeps a simulator for sandbox orders.
    const simulatorConfig = ctx.config;
    const vendorCalls: string[] = [];
    ctx.config = { ...simulatorConfig, VENDOR: 'bamboo' };
    // Each call as path and body, so that a call can be told apart by the order's vendor request id
    // (an earlier test's order finishing late may reach this vendor too).
    ctx.vendor = simulatorClient({
      clock,
      fetch: async (request: Request) => (vendorCalls.push(`${new URL(request.url).pathname} ${await request.clone().text()}`), fetch(request)),
    });
    ctx.sandboxVendor = simulatorClient({ clock });
    try {
      const created = await call(partner.testKey, 'POST', '/v1/orders', steam(1));
      expect(created.status).toBe(202);
      const order = (await created.json()) as OrderBody;
      expect(await wallet(partner.testKey)).toBe('10.00');
      expect(await wallet(partner.liveKey)).toBe('10.00');
      await expectProblem(await call(partner.liveKey, 'GET', `/v1/orders/${order.id}`), 404, 'order_not_found');
      await driveToCompletion();
      expect(((await (await call(partner.testKey, 'GET', `/v1/orders/${order.id}`)).json()) as OrderBody).status).toBe('completed');
      const requestIdOf = async (orderId: string) =>
        (await db.selectFrom('orders').select('vendor_request_id').where('id', '=', orderId).executeTakeFirstOrThrow()).vendor_request_id as string;
      const sandboxRequestId = await requestIdOf(order.id);
      expect(vendorCalls.filter((call) => call.includes(sandboxRequestId))).toEqual([]);

      // A live order of the same partner goes to the real vendor.
      const live = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(1))).json()) as OrderBody;
      await driveToCompletion();
      expect(((await (await call(partner.liveKey, 'GET', `/v1/orders/${live.id}`)).json()) as OrderBody).status).toBe('completed');
      const liveRequestId = await requestIdOf(live.id);
      expect(vendorCalls.filter((call) => call.includes(liveRequestId)).length).toBeGreaterThan(0);
      expect(await db.selectFrom('orders').select(['id', 'sandbox']).where('id', 'in', [order.id, live.id]).orderBy('number').execute()).toEqual([
        { id: order.id, sandbox: true },
        { id: live.id, sandbox: false },
      ]);

      // Its webhook event belongs to the sandbox account (its endpoint), never the live one.
      await runDueJobs(harness, ctx, orderEventsQueue);
      const hooks = await db
        .selectFrom('webhook_events')
        .select(['account_id', 'type'])
        .where(sql<string>`payload->>'orderId'`, '=', order.id)
        .execute();
      expect(hooks).toEqual([{ account_id: partner.sandboxId, type: 'order.completed' }]);
      await expectOrderMoneyConserved(db, [order.id, live.id]);
    } finally {
      ctx.config = simulatorConfig;
      delete ctx.sandboxVendor;
    }
  });
});

describe('order webhooks', () => {
  it('a completed API order is delivered once to the partner, signed per Standard Webhooks', async () => {
    const partner = await partnerWith('50.00');
    const endpoint = (await (await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'https://acme.example/hooks/orders' })).json()) as {
      secret: string;
    };
    const received: { body: string; headers: Record<string, string> }[] = [];
    mswServer.use(
      http.post('https://acme.example/hooks/orders', async ({ request }) => {
        received.push({ body: await request.text(), headers: Object.fromEntries(request.headers.entries()) });
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const order = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(3), { 'idempotency-key': 'hooked' })).json()) as OrderBody;
    await driveToCompletion();
    await runDueJobs(harness, ctx, orderEventsQueue);
    const event = events.find((item) => item.orderId === order.id);
    expect(event?.type).toBe('order.completed');
    // A retried event job delivers the same event again: still one webhook event.
    await ctx.orderEvents?.deliver(event as OrderEvent);
    const rows = await db.selectFrom('webhook_events').selectAll().where('account_id', '=', partner.account.id).where('type', 'like', 'order.%').execute();
    expect(rows.map((row) => row.type)).toEqual(['order.completed']);

    // The sink queued the delivery at once (no dispatcher run needed).
    const jobs = await harness.boss.fetch<{ eventId: string }>(webhookDeliverWorker.name, { batchSize: 50 });
    for (const job of jobs) {
      if (job.data.eventId === rows[0]?.id) {
        await webhookDeliverWorker.handle(ctx, webhookDeliverWorker.payload.parse(job.data), {
          id: job.id,
          retryCount: 0,
          signal: new AbortController().signal,
        });
      }
      await harness.boss.complete(webhookDeliverWorker.name, job.id);
    }
    expect(received).toHaveLength(1);
    const delivery = received[0] as { body: string; headers: Record<string, string> };
    expect(delivery.headers['webhook-id']).toBe(rows[0]?.id);
    const verified = new Webhook(endpoint.secret).verify(delivery.body, delivery.headers);
    expect(verified).toMatchObject({
      type: 'order.completed',
      data: {
        orderId: order.id,
        number: order.number,
        referenceId: 'hooked',
        status: 'completed',
        quantity: 3,
        cardsDelivered: 3,
        charged: { amount: '30.00', currency: 'USD' },
        refunded: { amount: '0.00', currency: 'USD' },
      },
    });
    // Never a card code in the webhook.
    const codes = await db.selectFrom('order_cards').select('serial_number').where('order_id', '=', order.id).execute();
    expect(codes).toHaveLength(3);
    expect(delivery.body).not.toMatch(/"code"|"pin"/);
    await expectOrderMoneyConserved(db, [order.id]);
  });
});

describe('GET /v1/usage', () => {
  it('counts requests, orders and spend per day, the success rate and top products', async () => {
    const partner = await partnerWith('100.00');
    const completed = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(2))).json()) as OrderBody;
    const outOfStock = { productId: String(SIM_PRODUCTS.outOfStock), faceValue: { amount: '25.00', currency: 'USD' }, quantity: 1 };
    const failed = (await (await call(partner.liveKey, 'POST', '/v1/orders', outOfStock)).json()) as OrderBody;
    await driveToCompletion();
    expect(((await (await call(partner.liveKey, 'GET', `/v1/orders/${failed.id}`)).json()) as OrderBody).status).toBe('failed');
    // An order from 40 days ago is outside the default 30 days.
    const old = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(1))).json()) as OrderBody;
    await db
      .updateTable('orders')
      .set({ created_at: new Date(Date.now() - 40 * 86_400_000) })
      .where('id', '=', old.id)
      .execute();

    const response = await call(partner.liveKey, 'GET', '/v1/usage');
    expect(response.status).toBe(200);
    const usage = (await response.json()) as {
      from: string;
      to: string;
      days: { date: string; requests: number; orders: number; spend: { amount: string } }[];
      totals: Record<string, unknown>;
      topProducts: unknown[];
    };
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.days).toHaveLength(30);
    expect(usage.to).toBe(today);
    // Five requests so far today, this one included.
    expect(usage.days.at(-1)).toEqual({ date: today, requests: 5, orders: 2, spend: { amount: '20.00', currency: 'USD' } });
    expect(usage.totals).toEqual({
      requests: 5,
      orders: 2,
      completed: 1,
      partiallyCompleted: 0,
      failed: 1,
      spend: { amount: '20.00', currency: 'USD' },
      successRate: 0.5,
    });
    expect(usage.topProducts).toEqual([
      { productId: String(SIM_PRODUCTS.steam10), orders: 1, cards: 2, spend: { amount: '20.00', currency: 'USD' } },
      { productId: String(SIM_PRODUCTS.outOfStock), orders: 1, cards: 0, spend: { amount: '0.00', currency: 'USD' } },
    ]);
    // The web overview's lighter read gives the same days (without requests) and totals.
    const spend = await spendPerDay(db, partner.account.id, { days: 30 });
    expect({ from: spend.from, to: spend.to }).toEqual({ from: usage.from, to: usage.to });
    expect(spend.days.map((day) => [day.date, day.orders, formatAmount(day.spend)])).toEqual(usage.days.map((day) => [day.date, day.orders, day.spend.amount]));
    expect({ orders: spend.totals.orders, spend: formatAmount(spend.totals.spend) }).toEqual({ orders: 2, spend: '20.00' });
    const week = (await (await call(partner.liveKey, 'GET', '/v1/usage?days=7')).json()) as { days: unknown[] };
    expect(week.days).toHaveLength(7);
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/usage?days=91'), 400, 'validation_failed');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/usage'), 403, 'forbidden');
    await driveToCompletion();
    await expectOrderMoneyConserved(db, [completed.id, failed.id, old.id]);
  });
});

describe('GET /v1/admin/metrics', () => {
  interface Metrics {
    ordersLast24h: { status: string; count: number }[];
    chargedLast24h: { amount: string; currency: string }[];
    openOrders: { count: number; oldestCreatedAt: string | null };
    walletBalances: { amount: string; currency: string }[];
    accounts: { role: string; status: string; count: number }[];
  }
  const metrics = async () => (await (await call(harness.adminKey, 'GET', '/v1/admin/metrics')).json()) as Metrics;
  const count = (rows: { status: string; count: number }[], status: string) => rows.find((row) => row.status === status)?.count ?? 0;
  const usd = (rows: { amount: string; currency: string }[]) => Number(rows.find((row) => row.currency === 'USD')?.amount ?? '0');

  it('reflects a new partner, an open order, then its completion and charge', async () => {
    const before = await metrics();
    const partner = await partnerWith('30.00');
    const order = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(2))).json()) as OrderBody;
    const open = await metrics();
    expect(open.openOrders.count).toBe(before.openOrders.count + 1);
    expect(open.openOrders.oldestCreatedAt).not.toBeNull();
    expect(count(open.ordersLast24h, 'pending')).toBe(count(before.ordersLast24h, 'pending') + 1);
    // Funding added 30.00 to wallets; the hold took 20.00 out.
    expect(usd(open.walletBalances)).toBeCloseTo(usd(before.walletBalances) + 10, 2);
    const partners = (m: Metrics) => m.accounts.filter((row) => row.role === 'partner').reduce((sum, row) => sum + row.count, 0);
    expect(partners(open)).toBeGreaterThan(partners(before));

    await driveToCompletion();
    const after = await metrics();
    expect(after.openOrders.count).toBe(before.openOrders.count);
    expect(count(after.ordersLast24h, 'completed')).toBe(count(before.ordersLast24h, 'completed') + 1);
    expect(usd(after.chargedLast24h)).toBeCloseTo(usd(before.chargedLast24h) + 20, 2);
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/metrics'), 403, 'forbidden');
    await expectOrderMoneyConserved(db, [order.id]);
  });
});

describe('Buyers see the queue (queuePosition, estimatedCompletionAt)', () => {
  interface QueuedBody {
    id: string;
    status: string;
    queuePosition: number | null;
    estimatedCompletionAt: string | null;
  }

  it('orders waiting for a checkout turn of one product: later ones show higher positions, and a later checkout a later estimate', async () => {
    const partner = await partnerWith('20000.00');
    const created = await call(partner.liveKey, 'POST', '/v1/orders', steam(500));
    expect(created.status).toBe(202);
    // Nothing waits yet: it goes at once, no position, done after the default latency.
    const fresh = (await created.json()) as QueuedBody;
    expect(fresh.queuePosition).toBeNull();
    expect(Date.parse(fresh.estimatedCompletionAt ?? '')).toBeGreaterThan(Date.now());
    const ids = [fresh.id];
    for (const quantity of [500, 1]) ids.push(((await (await call(partner.liveKey, 'POST', '/v1/orders', steam(quantity))).json()) as QueuedBody).id);

    // The product's checkout turn is refused ("not your turn"): the place job marks the order waiting.
    const real = ctx.vendor;
    const refusing = Object.create(real) as typeof real;
    refusing.tryCheckout = async () => ({ taken: false, waitMs: 5_000, scope: 'product' });
    expect(await placeWithVendor({ ...ctx, vendor: refusing }, ids[0] as string)).toBe('waiting_for_checkout');

    const read = async (id: string) => (await (await call(partner.liveKey, 'GET', `/v1/orders/${id}`)).json()) as QueuedBody;
    const [first, second, third] = await Promise.all(ids.map(read));
    expect([first, second, third].map((order) => order?.queuePosition)).toEqual([1, 2, 3]);
    const estimates = [first, second, third].map((order) => Date.parse(order?.estimatedCompletionAt ?? ''));
    // 500 cards a vendor order: each order is in a checkout of its own, one pace (10.25 s) apart.
    expect(estimates[1]! - estimates[0]!).toBeGreaterThanOrEqual(10_000);
    expect(estimates[2]! - estimates[1]!).toBeGreaterThanOrEqual(10_000);
    // The list carries them too.
    const list = (await (await call(partner.liveKey, 'GET', '/v1/orders')).json()) as { data: QueuedBody[] };
    expect(list.data.map((order) => order.queuePosition)).toEqual([3, 2, 1]);

    // Bought and finished: no position, no estimate.
    expect(await placeWithVendor(ctx, ids[0] as string)).toBe('placed');
    const placed = await read(ids[0] as string);
    expect(placed.queuePosition).toBeNull();
    expect(placed.estimatedCompletionAt).not.toBeNull();
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);
    expect(await read(ids[0] as string)).toMatchObject({ status: 'completed', queuePosition: null, estimatedCompletionAt: null });
    // Nothing of the product waits any more (the next order's own job asks for its turn): no position.
    expect(await read(ids[1] as string)).toMatchObject({ status: 'pending', queuePosition: null });
    await expectOrderMoneyConserved(db, ids);
  });
});
