// End to end through real pg-boss workers: createOrder → order.place → order.poll → completed →
// order.events handed to the OrderEventSink, with the simulator answering at once (as `npm start`
// runs it, but on its own fetch instead of msw).
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import type { OrderEvent } from '../../src/domain/orders/events.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { revealOrderCards } from '../../src/domain/orders/orders.ts';
import { BambooSimulator, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { startWorkers } from '../../src/jobs/boss.ts';
import { orderEventsWorker, orderPlaceWorker, orderPollWorker } from '../../src/jobs/handlers/orders.ts';
import { createMetrics } from '../../src/metrics.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const events: OrderEvent[] = [];
const test = await createTestContext({ ports: { orderEvents: () => ({ deliver: async (event) => void events.push(event) }) } });
const { ctx } = test;

describe('orders through the workers', () => {
  it('complete end to end and reach the event sink once each', async () => {
    const simulator = new BambooSimulator({ rateLimits: false, processingAfterMs: 0, completeAfterMs: 0 });
    ctx.vendor = simulatorClient({ fetch: simulator.fetch });
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
    const buyer = await makeAccount(ctx.db, 'partner');
    await fund(ctx.db, buyer, '100.00');
    await startWorkers(test.boss, [orderPlaceWorker, orderPollWorker, orderEventsWorker], ctx, createMetrics({ defaultMetrics: false }));

    const orders = await Promise.all([
      createOrder(ctx, {
        buyerId: buyer.id,
        actor: accountActor(buyer.id, 'api'),
        clientReference: 'w-1',
        productId: SIM_PRODUCTS.steam10,
        face: parseMoney('10.00', 'USD'),
        quantity: 2,
      }),
      createOrder(ctx, {
        buyerId: buyer.id,
        actor: accountActor(buyer.id, 'api'),
        clientReference: 'w-2',
        productId: SIM_PRODUCTS.range,
        face: parseMoney('12.34', 'USD'),
        quantity: 1,
      }),
    ]);
    const ids = orders.map((result) => result.order.id);
    for (let attempt = 0; attempt < 200 && events.length < 2; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));

    expect(events.map((event) => [event.orderId, event.type]).sort()).toEqual(ids.map((id) => [id, 'order.completed']).sort());
    expect(await balance(ctx.db, buyer)).toBe('67.66');
    expect(await revealOrderCards(ctx, accountActor(buyer.id, 'api'), ids[0] as string)).toHaveLength(2);
    await expectOrderMoneyConserved(ctx.db, ids);
  });
});
