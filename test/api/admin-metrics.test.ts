// Growth and health metrics (GET /v1/admin/metrics with a period) against a seeded dataset with
// known answers: real orders through the order engine and the simulator (so the ledger's revenue
// entries are real), then fixed creation and completion times written into the rows. Every answer
// is checked against the served OpenAPI document by harness.call.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { createAccount, type Account } from '../../src/domain/accounts/accounts.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { growthMetrics } from '../../src/domain/growth/metrics.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct, insertRate } from '../support/catalog.ts';
import { fund, makeAccount, operator } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;
const { db } = ctx;
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });

const usd = (amount: string) => ({ amount, currency: 'USD' });
const at = (iso: string) => new Date(iso);

describe('GET /v1/admin/metrics: growth and health over a period', () => {
  it('gives the known answers of a seeded dataset', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    await saveCardList(db, accountActor(harness.admin.id, 'telegram'), [{ productId: BigInt(SIM_PRODUCTS.range), range: { min: 1000n, max: 5000n } }], {
      maxEntries: 10,
    });

    const p1 = await harness.makePartner('P1');
    const p2 = await harness.makePartner('P2');
    const p3 = await harness.makePartner('P3');
    const agent = await makeAccount(db, 'agent');
    const sub = await makeAccount(db, 'sub_agent', agent);
    // Agent 4% off face value, sub-agent 2% off: the sub-agent's orders carry a 0.40 share per 20.00 card.
    await assignPricePlan(db, operator, { accountId: agent.id }, (await createPricePlan(db, operator, { name: 'm-agent 4%', defaultDiscountBps: 400 })).id);
    await assignPricePlan(db, operator, { accountId: sub.id }, (await createPricePlan(db, operator, { name: 'm-sub 2%', defaultDiscountBps: 200 })).id);
    for (const account of [p1.account, p2.account, p3.account, agent, sub]) await fund(db, account, '200.00');
    const sandbox = await db.selectFrom('accounts').selectAll().where('id', '=', p1.sandboxId).executeTakeFirstOrThrow();
    await fund(db, { ...p1.account, id: sandbox.id }, '50.00');

    let reference = 0;
    const ordered: string[] = [];
    /** One order driven to its end by the simulator (unless `open`); returns its id and number. */
    async function order(
      buyer: Pick<Account, 'id'>,
      channel: 'api' | 'telegram',
      productId: number,
      face: string,
      quantity: number,
      options: { fault?: 'fail' | 'partial-fail'; open?: boolean } = {},
    ) {
      simulator.setProductFault(productId, options.fault ? { outcome: options.fault, failedCards: 1 } : undefined);
      reference += 1;
      const { order: created } = await createOrder(ctx, {
        buyerId: buyer.id,
        actor: accountActor(buyer.id, channel),
        clientReference: `metrics-${reference}`,
        productId,
        face: parseMoney(face, 'USD'),
        quantity,
      });
      ordered.push(created.id);
      if (!options.open) {
        await runDueJobs(harness, ctx, orderPlaceQueue);
        clock.advance(1500);
        await runDueJobs(harness, ctx, orderPollQueue);
      }
      return created;
    }
    /** Fixed times: created at `created`, finished `seconds` later. */
    const times = (id: string, created: string, seconds: number | null) =>
      sql`update orders set created_at = ${at(created)}, finished_at = ${seconds === null ? null : sql`${at(created)}::timestamptz + make_interval(secs => ${seconds})`} where id = ${id}`.execute(
        db,
      );

    const o1 = await order(p1.account, 'api', SIM_PRODUCTS.steam10, '10.00', 2); // 20.00, revenue 2 × (10.00 − 9.47)
    const o2 = await order(p1.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1); // 10.00, revenue 0.53
    const o3 = await order(p2.account, 'api', SIM_PRODUCTS.steam10, '10.00', 3, { fault: 'partial-fail' }); // 2 of 3 delivered: 20.00, revenue 1.06
    const o4 = await order(agent, 'telegram', SIM_PRODUCTS.range, '20.00', 1); // 19.20, revenue 19.20 − 19.00
    const o5 = await order(sub, 'telegram', SIM_PRODUCTS.range, '20.00', 2); // 2 × 19.60, revenue 2 × (19.60 − 0.40 share − 19.00)
    const o6 = await order(p2.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1, { fault: 'fail' });
    const o7 = await order(p3.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1); // before the period: P3's first order
    const o8 = await order(p3.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1, { fault: 'fail' });
    const o9 = await order({ id: sandbox.id }, 'api', SIM_PRODUCTS.steam10, '10.00', 1); // test money: never counted
    const stuck = await order(p2.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1, { open: true });
    const open = await order(p1.account, 'api', SIM_PRODUCTS.steam10, '10.00', 1, { open: true });
    expect((await db.selectFrom('orders').select(['id', 'status']).where('id', 'in', ordered).execute()).map((row) => [row.id, row.status]).sort()).toEqual(
      [
        [o1.id, 'completed'],
        [o2.id, 'completed'],
        [o3.id, 'partially_completed'],
        [o4.id, 'completed'],
        [o5.id, 'completed'],
        [o6.id, 'failed'],
        [o7.id, 'completed'],
        [o8.id, 'failed'],
        [o9.id, 'completed'],
        [stuck.id, 'pending'],
        [open.id, 'pending'],
      ].sort(),
    );

    await times(o1.id, '2026-10-01T11:00:00Z', 10);
    await times(o2.id, '2026-10-02T10:00:00Z', 20);
    await times(o3.id, '2026-10-02T11:00:00Z', 30);
    await times(o4.id, '2026-10-02T12:00:00Z', 40);
    await times(o5.id, '2026-10-03T09:00:00Z', 50);
    await times(o6.id, '2026-10-03T10:00:00Z', 5);
    await times(o7.id, '2026-09-20T10:00:00Z', 7);
    await times(o8.id, '2026-10-01T15:00:00Z', 5);
    await times(o9.id, '2026-10-02T10:00:00Z', 1);
    await times(stuck.id, '2026-10-03T11:00:00Z', null);
    await sql`update orders set deadline_at = now() - interval '1 minute' where id = ${stuck.id}`.execute(db);
    await times(open.id, '2026-10-03T11:30:00Z', null); // still within its deadline: open, not stuck
    const created = (account: { id: string }, iso: string) =>
      db
        .updateTable('accounts')
        .set({ created_at: at(iso) })
        .where('id', '=', account.id)
        .execute();
    await created(p1.account, '2026-10-01T10:00:00Z');
    await created({ id: sandbox.id }, '2026-10-01T10:00:00Z');
    await created(harness.admin, '2026-10-01T10:00:00Z');
    await created(agent, '2026-10-01T12:00:00Z');
    await created(p2.account, '2026-10-02T09:00:00Z');
    await created(sub, '2026-10-03T08:00:00Z');
    await created(p3.account, '2026-09-15T08:00:00Z');

    const response = await call(harness.adminKey, 'GET', '/v1/admin/metrics?from=2026-10-01&to=2026-10-03');
    expect(response.status).toBe(200);
    const metrics = (await response.json()) as Record<string, unknown>;
    expect(metrics).toMatchObject({
      period: { from: '2026-10-01', to: '2026-10-03' },
      signups: {
        total: { partners: 2, agents: 1, subAgents: 1 },
        days: [
          { date: '2026-10-01', partners: 1, agents: 1, subAgents: 0 },
          { date: '2026-10-02', partners: 1, agents: 0, subAgents: 0 },
          { date: '2026-10-03', partners: 0, agents: 0, subAgents: 1 },
        ],
      },
      activations: {
        total: 4,
        days: [
          { date: '2026-10-01', count: 1 },
          { date: '2026-10-02', count: 2 },
          { date: '2026-10-03', count: 1 },
        ],
      },
      active: { partners: 3, agents: 1, subAgents: 1 },
      sales: [
        { channel: 'api', orders: 3, gmv: usd('50.00'), revenue: usd('2.65') },
        { channel: 'telegram', orders: 2, gmv: usd('58.40'), revenue: usd('0.60') },
      ],
      salesByDay: [
        { date: '2026-10-01', channel: 'api', orders: 1, gmv: usd('20.00'), revenue: usd('1.06') },
        { date: '2026-10-02', channel: 'api', orders: 2, gmv: usd('30.00'), revenue: usd('1.59') },
        { date: '2026-10-02', channel: 'telegram', orders: 1, gmv: usd('19.20'), revenue: usd('0.20') },
        { date: '2026-10-03', channel: 'telegram', orders: 1, gmv: usd('39.20'), revenue: usd('0.40') },
      ],
      // Durations 10, 20, 30, 40, 50 s: p50 = 30, p99 = 40 + 0.96 × 10.
      orders: { finished: 7, completed: 4, partiallyCompleted: 1, failed: 2, successRate: 4 / 7, completionSeconds: { p50: 30, p99: 49.6 } },
      topProducts: {
        byCount: [
          { productId: String(SIM_PRODUCTS.steam10), orders: 3, cards: 5 },
          { productId: String(SIM_PRODUCTS.range), orders: 2, cards: 3 },
        ],
        byGmv: [
          { productId: String(SIM_PRODUCTS.range), orders: 2, cards: 3, gmv: usd('58.40') },
          { productId: String(SIM_PRODUCTS.steam10), orders: 3, cards: 5, gmv: usd('50.00') },
        ],
      },
      failedOrders: { count: 2, recent: [o6.number, o8.number] },
      stuckOrders: { count: 1, oldestCreatedAt: '2026-10-03T11:00:00.000Z', oldest: [stuck.number] },
    });
    // The existing figures stay.
    expect(Object.keys(metrics)).toEqual(
      expect.arrayContaining(['at', 'accounts', 'ordersLast24h', 'chargedLast24h', 'openOrders', 'webhookEvents', 'walletBalances']),
    );

    // Revenue per order is what the ledger booked on the revenue account, and every order's money adds up.
    const revenue = await sql<{ total: string }>`select sum(e.amount) as total from entries e join transfers t on t.id = e.transfer_id
      where t.kind = 'order_settle' and e.ledger_account_id = 'system:revenue:USD' and t.metadata->>'orderId' in (${sql.join([o1.id, o2.id, o3.id, o4.id, o5.id])})`.execute(
      db,
    );
    expect(revenue.rows[0]!.total).toBe('325'); // 2.65 + 0.60
    await expectOrderMoneyConserved(db, ordered);

    // One day, and a period without anything.
    const day = await growthMetrics(db, { from: '2026-10-02', to: '2026-10-02' });
    expect(day.activations.total).toBe(2);
    expect(day.orders).toEqual({ finished: 3, completed: 2, partiallyCompleted: 1, failed: 0, successRate: 2 / 3, completionSeconds: { p50: 30, p99: 39.8 } });
    const empty = await growthMetrics(db, { from: '2026-08-01', to: '2026-08-02' });
    expect(empty.orders).toEqual({
      finished: 0,
      completed: 0,
      partiallyCompleted: 0,
      failed: 0,
      successRate: null,
      completionSeconds: { p50: null, p99: null },
    });
    expect(empty.sales).toEqual([]);
    expect(empty.stuckOrders.count).toBe(1); // stuck is about now, whatever the period
    // An order waiting for an operator is still open: stuck once past its deadline.
    await db.updateTable('orders').set({ status: 'needs_attention' }).where('id', '=', stuck.id).execute();
    expect((await growthMetrics(db, { from: '2026-08-01', to: '2026-08-02' })).stuckOrders.count).toBe(1);
    await db.updateTable('orders').set({ status: 'pending' }).where('id', '=', stuck.id).execute();
  });

  it('a wallet in another currency than the vendor: revenue is the converted settlement booked on the ledger', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    await insertRate(db, 'USD', 'EUR', '0.8');
    const buyer = await createAccount(db, operator, { role: 'partner', name: 'Euro buyer', currency: 'EUR' });
    await fund(db, buyer, '100.00');
    const { order: created } = await createOrder(ctx, {
      buyerId: buyer.id,
      actor: accountActor(buyer.id, 'api'),
      clientReference: 'eur-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 2,
    });
    await runDueJobs(harness, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);
    await sql`update orders set created_at = ${at('2026-07-01T10:00:00Z')}, finished_at = ${at('2026-07-01T10:00:08Z')} where id = ${created.id}`.execute(db);
    const order = await db.selectFrom('orders').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect([order.status, order.currency, order.vendor_currency]).toEqual(['completed', 'EUR', 'USD']);
    // 10.00 USD face at 0.8 = 8.00 EUR a card; the vendor's 2 × 9.47 USD converted at settlement.
    expect(order.unit_price_minor).toBe(800n);
    const booked = await db
      .selectFrom('entries as e')
      .innerJoin('transfers as t', 't.id', 'e.transfer_id')
      .select('e.amount')
      .where('t.idempotency_key', '=', `order-settle:${created.id}`)
      .where('e.ledger_account_id', '=', 'system:revenue:EUR')
      .executeTakeFirstOrThrow();
    expect(booked.amount).toBe(1600n - 1515n); // 18.94 USD × 0.8 = 15.152 → 15.15 EUR
    const metrics = await growthMetrics(db, { from: '2026-07-01', to: '2026-07-01' });
    expect(metrics.sales).toEqual([{ channel: 'api', orders: 1, gmv: { amount: 1600n, currency: 'EUR' }, revenue: { amount: 85n, currency: 'EUR' } }]);
    await expectOrderMoneyConserved(db, [created.id]);
  });

  it('takes days, from or to; refuses bad periods; admins only', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const period = async (query: string) =>
      (await (await call(harness.adminKey, 'GET', `/v1/admin/metrics${query}`)).json()) as {
        period: { from: string; to: string };
        signups: { days: unknown[] };
      };
    const byDefault = await period('');
    expect(byDefault.period.to).toBe(today);
    expect(byDefault.signups.days).toHaveLength(30);
    expect((await period('?days=7')).signups.days).toHaveLength(7);
    expect((await period('?from=2026-02-27&to=2026-03-01')).signups.days).toHaveLength(3);
    expect((await period('?to=2026-03-01')).period).toEqual({ from: '2026-01-31', to: '2026-03-01' });
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/admin/metrics?days=0'), 400, 'validation_failed');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/admin/metrics?from=2026-13-01'), 422, 'invalid_period');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/admin/metrics?from=2026-10-03&to=2026-10-01'), 422, 'invalid_period');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/admin/metrics?from=2026-10-01&days=3'), 422, 'invalid_period');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/admin/metrics?from=2025-01-01&to=2026-10-01'), 422, 'invalid_period');
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/metrics?days=7'), 403, 'forbidden');
  });
});
