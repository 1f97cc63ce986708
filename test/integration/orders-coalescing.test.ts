// Coalescing (docs/orders.md, Coalescing; decision 0014): buyers' orders of one product and face
// value that waited for a checkout turn are bought in one vendor order; delivered cards go to the
// oldest first, the rest are refunded exactly. Against real PostgreSQL and the simulator; the
// planner's turn is closed and opened by hand (a vendor whose tryCheckout says "wait").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finishOrder, placeWithVendor, pollVendorOrder, RetryLater } from '../../src/domain/orders/fulfilment.ts';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { handleVendorCallback, reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { resolveOrder } from '../../src/domain/orders/operator.ts';
import { allocateCards } from '../../src/domain/orders/vendor-orders.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import type { AppContext } from '../../src/context.ts';
import type { Card } from '../../src/integrations/bamboo/index.ts';
import { money } from '../../src/shared/money.ts';
import { gatedVendor } from '../support/bamboo.ts';
import { expectOrderMoneyConserved, queuedFor, runDueJobs } from '../support/orders.ts';
import { CALLBACK_SECRET, createOrderEngineTest } from '../support/order-engine.ts';

const { test, ctx, db, vendor, buyer, order, statusOf } = await createOrderEngineTest();

/** The context's vendor, except that the planner's turn is given only while `gate.open`. */
function gated(gate: { open: boolean }): AppContext {
  return { ...ctx, vendor: gatedVendor(ctx.vendor, () => gate.open) };
}

/** Orders whose place jobs were told to wait for a checkout turn, oldest first. */
async function waitingOrders(gateCtx: AppContext, specs: { quantity: number; productId?: number }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const spec of specs) {
    const account = await buyer('500.00');
    const { order: created } = await order(account, { quantity: spec.quantity, ...(spec.productId ? { productId: spec.productId } : {}) });
    expect(await placeWithVendor(gateCtx, created.id)).toBe('waiting_for_checkout');
    ids.push(created.id);
  }
  return ids;
}

const cardsDelivered = async (ids: string[]) =>
  Promise.all(ids.map(async (id) => (await db.selectFrom('orders').select('cards_delivered').where('id', '=', id).executeTakeFirstOrThrow()).cards_delivered));

async function vendorOrdersOf(ids: string[]) {
  return db
    .selectFrom('vendor_order_members')
    .innerJoin('vendor_orders', 'vendor_orders.id', 'vendor_order_members.vendor_order_id')
    .select(['vendor_orders.request_id', 'vendor_orders.quantity', 'vendor_order_members.order_id', 'vendor_order_members.position'])
    .where('vendor_order_members.order_id', 'in', ids)
    .orderBy('vendor_order_members.position')
    .execute();
}

describe('coalescing', () => {
  it('orders that waited are bought in one vendor order; a partial delivery goes to the oldest first, the rest refunded exactly', async () => {
    const { simulator, clock } = vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 2 }, { quantity: 3 }, { quantity: 2 }]);
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail', failedCards: 3 });
    gate.open = true;
    // The newest order's job takes the turn: the vendor order holds all three, oldest first.
    expect(await placeWithVendor(gated(gate), ids[2] as string)).toBe('placed');
    const members = await vendorOrdersOf(ids);
    expect(members.map((member) => member.order_id)).toEqual(ids);
    expect(new Set(members.map((member) => member.request_id)).size).toBe(1);
    expect(members[0]?.quantity).toBe(7);
    clock.advance(1500);
    expect(await runDueJobs(test, ctx, orderPollQueue)).toEqual([{ outcome: 'finished' }]);
    // 4 of 7 delivered: the oldest gets its 2, the next 2 of its 3, the newest none.
    expect(await Promise.all(ids.map(statusOf))).toEqual(['completed', 'partially_completed', 'failed']);
    expect(await cardsDelivered(ids)).toEqual([2, 2, 0]);
    const totals = await db.selectFrom('orders').select(['vendor_total_minor']).where('id', 'in', ids).execute();
    expect(totals.reduce((sum, row) => sum + (row.vendor_total_minor ?? 0n), 0n)).toBe(4n * 947n);
    expect(await db.selectFrom('order_cards').select('id').where('order_id', 'in', ids).execute()).toHaveLength(4);
    await expectOrderMoneyConserved(db, ids);
  });

  it('an operator’s “Bamboo lacks it” on one member fails every member waiting for an operator, each refunded and audited', async () => {
    vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 1 }, { quantity: 2 }, { quantity: 1 }]);
    gate.open = true;
    expect(await placeWithVendor(gated(gate), ids[0] as string)).toBe('placed');
    // Bamboo's answers about the vendor order contradicted ours: every member waits for an operator.
    await db.updateTable('orders').set({ status: 'needs_attention' }).where('id', 'in', ids).execute();
    expect(await resolveOrder(ctx, platformActor('cli'), ids[1] as string, 'vendor_lacks', 'Bamboo support: no such RequestId')).toBe('failed');
    expect(await Promise.all(ids.map(statusOf))).toEqual(['failed', 'failed', 'failed']);
    const audits = await db
      .selectFrom('audit_log')
      .select(['subject_id', 'after'])
      .where('action', '=', 'order.resolved')
      .where('subject_id', 'in', ids)
      .execute();
    expect(audits.map((row) => row.subject_id).sort()).toEqual([...ids].sort());
    expect(audits.filter((row) => (row.after as { withOrder?: string }).withOrder === ids[1])).toHaveLength(2);
    // Nothing left to decide for the others.
    await expect(resolveOrder(ctx, platformActor('cli'), ids[0] as string, 'vendor_has', 'second thoughts')).rejects.toMatchObject({
      code: 'order_not_needing_attention',
    });
    await expectOrderMoneyConserved(db, ids);
  });

  it('an order whose turn is free is bought alone, at once (nothing waits, nothing is coalesced)', async () => {
    vendor();
    const account = await buyer();
    const first = (await order(account)).order.id;
    const second = (await order(account)).order.id;
    expect(await placeWithVendor(ctx, first)).toBe('placed');
    expect(await placeWithVendor(ctx, second)).toBe('placed');
    const members = await vendorOrdersOf([first, second]);
    expect(members.map((member) => member.quantity)).toEqual([1, 1]);
    expect(new Set(members.map((member) => member.request_id)).size).toBe(2);
  });

  it('replays: the callback and two polls finish the vendor order once; a member’s place job run again changes nothing', async () => {
    const { clock } = vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 1 }, { quantity: 2 }]);
    gate.open = true;
    expect(await placeWithVendor(gated(gate), ids[0] as string)).toBe('placed');
    expect(await placeWithVendor(gated(gate), ids[1] as string)).toBe('skipped');
    clock.advance(1500);
    const [requestId] = (await vendorOrdersOf(ids)).map((member) => member.request_id);
    expect(
      await handleVendorCallback(ctx, {
        OrderId: 1,
        Status: 'Succeeded',
        TotalCards: 3,
        CreatedOn: '2026-11-28T00:00:00',
        CompletedOn: '2026-11-28T00:00:01',
        SecretKey: CALLBACK_SECRET,
        RequestId: requestId,
      }),
    ).toMatchObject({ ok: true });
    const outcomes = await Promise.all([pollVendorOrder(ctx, ids[0] as string, undefined), pollVendorOrder(ctx, ids[1] as string, undefined)]);
    expect(outcomes.filter((outcome) => outcome === 'finished').length).toBeGreaterThanOrEqual(1);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['completed', 'completed']);
    expect(await cardsDelivered(ids)).toEqual([1, 2]);
    await expectOrderMoneyConserved(db, ids);
  });

  it('a worker killed after Bamboo took the vendor order: other members keep off; the job’s retry finds it by Get Order, bought once', async () => {
    const { clock } = vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 1 }, { quantity: 1 }]);
    gate.open = true;
    // The checkout reaches Bamboo, then the worker dies: its answer is never recorded.
    const dying = gated(gate);
    let sent = false;
    dying.vendor.placeOrder = async (request, options) => {
      await ctx.vendor.placeOrder(request, options);
      sent = true;
      return new Promise(() => undefined);
    };
    void placeWithVendor(dying, ids[0] as string, 'job-1');
    await expect.poll(() => sent).toBe(true);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['placing', 'placing']);
    // The other member's own job finds it with another worker.
    await expect(placeWithVendor(ctx, ids[1] as string, 'job-2')).rejects.toBeInstanceOf(RetryLater);
    // The retry of the killed job (same id, same lease): Get Order finds it; never a second checkout.
    const retry = gated(gate);
    retry.vendor.placeOrder = async () => {
      throw new Error('a second checkout');
    };
    expect(await placeWithVendor(retry, ids[0] as string, 'job-1')).toBe('placed');
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['completed', 'completed']);
    await expectOrderMoneyConserved(db, ids);
  });

  it('a worker that dies in the middle of the allocation leaves every member open; the next poll settles each once', async () => {
    const { clock } = vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 1 }, { quantity: 1 }, { quantity: 1 }]);
    gate.open = true;
    await placeWithVendor(gated(gate), ids[0] as string);
    clock.advance(1500);
    const [requestId] = (await vendorOrdersOf(ids)).map((member) => member.request_id);
    const lookup = await ctx.vendor.lookupOrder(requestId as string);
    if (lookup.kind !== 'found') throw new Error('Bamboo should have it');
    // The second member's event cannot be written: the transaction (and the first member's settlement) rolls back.
    let enqueued = 0;
    const dying: AppContext = {
      ...ctx,
      jobs: {
        ...ctx.jobs,
        enqueue: async (...args: Parameters<AppContext['jobs']['enqueue']>) => {
          enqueued += 1;
          if (enqueued === 2) throw new Error('killed');
          return ctx.jobs.enqueue(...args);
        },
      } as AppContext['jobs'],
    };
    await expect(finishOrder(dying, ids[0] as string, lookup.order)).rejects.toThrow('killed');
    expect(await Promise.all(ids.map(statusOf))).toEqual(['processing', 'processing', 'processing']);
    expect(await cardsDelivered(ids)).toEqual([null, null, null]);
    await runDueJobs(test, ctx, orderPollQueue);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['completed', 'completed', 'completed']);
    await expectOrderMoneyConserved(db, ids);
  });

  it('reconciliation asks Bamboo once per vendor order and finishes every member', async () => {
    const { clock } = vendor();
    const gate = { open: false };
    const ids = await waitingOrders(gated(gate), [{ quantity: 2 }, { quantity: 1 }, { quantity: 1 }]);
    gate.open = true;
    await placeWithVendor(gated(gate), ids[0] as string);
    clock.advance(1500);
    const [requestId] = (await vendorOrdersOf(ids)).map((member) => member.request_id);
    const counting = gated(gate);
    const lookups: string[] = [];
    counting.vendor.lookupOrder = (asked) => {
      lookups.push(asked);
      return ctx.vendor.lookupOrder(asked);
    };
    const later = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
    const report = await reconcileOrders(counting, later);
    expect(report.finished).toBeGreaterThanOrEqual(1);
    expect(lookups.filter((asked) => asked === requestId)).toHaveLength(1);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['completed', 'completed', 'completed']);
    await expectOrderMoneyConserved(db, ids);
  });

  it('fairness: the next turn goes to the product whose order waited longest, whoever’s job takes it; no order starves', async () => {
    vendor();
    const gate = { open: false };
    const [older] = await waitingOrders(gated(gate), [{ quantity: 1 }]);
    const [newer] = await waitingOrders(gated(gate), [{ quantity: 1, productId: SIM_PRODUCTS.range }]);
    // One turn only (for the first product asked), then none.
    const real = ctx.vendor;
    let turns = 1;
    const oneTurn = gated({ open: true });
    oneTurn.vendor.tryCheckout = async (productId, options) =>
      turns-- > 0 ? real.tryCheckout(productId, options) : { taken: false, waitMs: 5_000, scope: 'checkout' };
    expect(await placeWithVendor(oneTurn, newer as string)).toBe('waiting_for_checkout');
    expect(await statusOf(older as string)).toBe('processing');
    expect(await statusOf(newer as string)).toBe('pending');
    expect(await placeWithVendor(ctx, newer as string)).toBe('placed');
  });

  it('a vendor order formed by another product’s job whose placement fails is not orphaned: one of its members gets a place job', async () => {
    vendor();
    const gate = { open: false };
    const [older] = await waitingOrders(gated(gate), [{ quantity: 1 }]);
    const [newer] = await waitingOrders(gated(gate), [{ quantity: 1, productId: SIM_PRODUCTS.range }]);
    const failing = gated({ open: true });
    failing.vendor.placeOrder = async () => ({ kind: 'unknown', cause: 'HTTP 503' });
    failing.vendor.lookupOrder = async () => ({ kind: 'unknown', cause: 'HTTP 503' });
    const queued = await queuedFor(test, orderPlaceQueue, older as string);
    // The newer order's job takes the turn for the older product, and Bamboo cannot say.
    await expect(placeWithVendor(failing, newer as string, 'job-of-newer')).rejects.toBeInstanceOf(RetryLater);
    const stuck = await db
      .selectFrom('orders')
      .select(['status', 'vendor_lease_token'])
      .where('id', '=', older as string)
      .executeTakeFirstOrThrow();
    expect(stuck).toEqual({ status: 'placing', vendor_lease_token: null });
    expect(await queuedFor(test, orderPlaceQueue, older as string)).toBe(queued + 1);
    // That job (here run at once) asks Get Order and sends the same RequestId again.
    expect(await placeWithVendor(ctx, older as string)).toBe('placed');
  });

  it('a vendor order holds at most 500 cards: the oldest go first, the rest in the next vendor order', async () => {
    vendor();
    const gate = { open: false };
    const account = await buyer('20000.00');
    const ids: string[] = [];
    for (const quantity of [300, 150, 100]) {
      const { order: created } = await order(account, { quantity });
      expect(await placeWithVendor(gated(gate), created.id)).toBe('waiting_for_checkout');
      ids.push(created.id);
    }
    gate.open = true;
    await placeWithVendor(gated(gate), ids[0] as string);
    expect((await vendorOrdersOf(ids)).map((member) => [member.order_id, member.quantity])).toEqual([
      [ids[0], 450],
      [ids[1], 450],
    ]);
    expect(await placeWithVendor(gated(gate), ids[2] as string)).toBe('placed');
  });
});

const card = (id: number): Card => ({ id, serialNumber: null, cardCode: `code-${id}`, pin: null, expiresAt: null, status: 'Sold' });

describe('allocation', () => {
  it('oldest first, and the vendor total split to the minor unit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        fc.nat(400),
        fc.bigInt(0n, 100_000n),
        (quantities, undeliveredSeed, total) => {
          const ordered = quantities.reduce((sum, quantity) => sum + quantity, 0);
          const delivered = ordered - (undeliveredSeed % (ordered + 1));
          const members = quantities.map((quantity, index) => ({ id: `m${index}`, quantity }));
          const shares = allocateCards(
            members,
            Array.from({ length: delivered }, (_, index) => card(index + 1)),
            money(total, 'USD'),
          );
          let left = delivered;
          for (const [index, share] of shares.entries()) {
            const expected = Math.min(quantities[index] as number, left);
            expect(share.cards.length).toBe(expected);
            left -= expected;
          }
          expect(shares.reduce((sum, share) => sum + share.vendorCost.amount, 0n)).toBe(delivered === 0 ? 0n : total);
          expect(new Set(shares.flatMap((share) => share.cards.map((one) => one.id))).size).toBe(delivered);
        },
      ),
    );
  });
});

describe('property: random coalesced batches with random partial vendor outcomes keep every ledger invariant', () => {
  it('each buyer gets its cards or its exact refund, oldest first; money conserved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }), fc.nat(20), async (quantities, failedSeed) => {
        const { simulator, clock } = vendor();
        const ordered = quantities.reduce((sum, quantity) => sum + quantity, 0);
        const failed = failedSeed % (ordered + 1);
        simulator.setProductFault(
          SIM_PRODUCTS.steam10,
          failed === 0 ? undefined : failed === ordered ? { outcome: 'fail' } : { outcome: 'partial-fail', failedCards: failed },
        );
        const gate = { open: false };
        const ids = await waitingOrders(
          gated(gate),
          quantities.map((quantity) => ({ quantity })),
        );
        gate.open = true;
        await placeWithVendor(gated(gate), ids[ids.length - 1] as string);
        clock.advance(1500);
        await runDueJobs(test, ctx, orderPollQueue);
        let left = ordered - failed;
        const expected = quantities.map((quantity) => {
          const cards = Math.min(quantity, left);
          left -= cards;
          return cards;
        });
        expect(await cardsDelivered(ids)).toEqual(expected);
        expect(new Set((await vendorOrdersOf(ids)).map((member) => member.request_id)).size).toBe(1);
        await expectOrderMoneyConserved(db, ids);
      }),
      { numRuns: 12 },
    );
  });
});
