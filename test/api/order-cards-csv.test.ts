// GET /v1/orders/{id}/cards.csv (docs/api.md, Orders): a many-card order's cards as one CSV for the
// partner that ordered them, audited like a reveal; checked against the served OpenAPI document.
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { type ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { fund } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;
const { db } = ctx;
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });

let clock: ManualClock;
beforeEach(() => {
  clock = mountSimulator({ rateLimits: false }).clock;
  ctx.vendor = simulatorClient({ clock });
});

const revealsOf = (orderId: string) =>
  db.selectFrom('audit_log').select(['action', 'after']).where('subject_id', '=', orderId).where('action', '=', 'order.cards_revealed').orderBy('id').execute();

describe('GET /v1/orders/{id}/cards.csv', () => {
  it('gives the owner every delivered card in one audited CSV; nobody else, and nothing before delivery', async () => {
    const partner = await harness.makePartner();
    const other = await harness.makePartner();
    await fund(db, partner.account, '200.00');
    const created = await call(partner.liveKey, 'POST', '/v1/orders', {
      productId: String(SIM_PRODUCTS.steam10),
      faceValue: { amount: '10.00', currency: 'USD' },
      quantity: 12,
    });
    const order = (await created.json()) as { id: string; number: string };
    await expectProblem(await call(partner.liveKey, 'GET', `/v1/orders/${order.id}/cards.csv`), 404, 'card_not_found');

    await runDueJobs(harness, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);

    const response = await call(partner.liveKey, 'GET', `/v1/orders/${order.number}/cards.csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${order.number}-cards.csv"`);
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(12);
    expect(rows.map((row) => row.position)).toEqual(Array.from({ length: 12 }, (_, index) => String(index + 1)));
    const byId = (await (await call(partner.liveKey, 'GET', `/v1/orders/${order.id}`)).json()) as { cards: { code: string; pin: string | null }[] };
    expect(rows.map((row) => row.code)).toEqual(byId.cards.map((card) => card.code));
    expect(rows[0]).toMatchObject({ order: order.number, face: '10.00', currency: 'USD', pin: byId.cards[0]!.pin ?? '' });
    expect(await revealsOf(order.id)).toEqual([
      { action: 'order.cards_revealed', after: { cards: 12, via: 'csv' } },
      { action: 'order.cards_revealed', after: { cards: 12 } },
    ]);

    await expectProblem(await call(other.liveKey, 'GET', `/v1/orders/${order.id}/cards.csv`), 404, 'order_not_found');
    await expectProblem(await call(partner.testKey, 'GET', `/v1/orders/${order.id}/cards.csv`), 404, 'order_not_found');
    await expectProblem(await call(null, 'GET', `/v1/orders/${order.id}/cards.csv`), 401, 'unauthorized');
    expect(await revealsOf(order.id)).toHaveLength(2);
    await expectOrderMoneyConserved(db, [order.id]);
  });
});
