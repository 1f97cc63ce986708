// Admin order tools (issue 20): find an order by number, reference or buyer; its timeline; refund
// (cancel when never sent) with a reason, money back exactly once even when two operators race,
// only when the vendor's answer allows it, audited; retry audited. Money invariants checked.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { findAccounts } from '../../src/domain/accounts/listing.ts';
import { findOrders, orderTimeline, refundOrder, retryOrder } from '../../src/domain/orders/operator.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { balance, expectDomainError, expectLedgerConsistent, operator } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { createOrderEngineTest } from '../support/order-engine.ts';

const { ctx, db, vendor, buyer, order, statusOf } = await createOrderEngineTest();

describe('admin order tools', () => {
  it('find by number, id, reference, buyer id and buyer name; admins only', async () => {
    vendor();
    const account = await buyer();
    await db.updateTable('accounts').set({ name: 'Zephyr_Games 100%' }).where('id', '=', account.id).execute();
    const { order: first } = await order(account, { ref: 'partner-ref-77' });
    const { order: second } = await order(account);
    const numbers = async (text: string) => (await findOrders(db, operator, text)).map((found) => found.order.number);
    expect(await numbers(first.number)).toEqual([first.number]);
    expect(await numbers(first.number.replace('ST-', '').replace(/^0+/, ''))).toEqual([first.number]);
    expect(await numbers(first.id)).toEqual([first.number]);
    expect(await numbers('partner-ref-77')).toEqual([first.number]);
    expect(await numbers(account.id)).toEqual([second.number, first.number]);
    expect(await numbers('zephyr_games 100%')).toEqual([second.number, first.number]);
    expect(await numbers('zephyr%')).toEqual([]); // a typed % is a character, not a wildcard
    expect((await findOrders(db, operator, 'Zephyr'))[0]).toMatchObject({ buyerName: 'Zephyr_Games 100%' });
    expect((await findAccounts(db, operator, 'ZEPHYR')).map((found) => found.id)).toEqual([account.id]);
    await expectDomainError(findOrders(db, accountActor(account.id, 'api'), first.number), 'forbidden');
  });

  it('refund with a reason: a cancel before sending, money back once under racing operators, audited; the timeline shows it all', async () => {
    vendor();
    const account = await buyer('50.00');
    const { order: neverSent } = await order(account, { quantity: 2 });
    await expectDomainError(refundOrder(ctx, operator, neverSent.id, '  '), 'reason_required');
    await expectDomainError(refundOrder(ctx, accountActor(account.id, 'api'), neverSent.id, 'mine'), 'forbidden');
    const outcomes = await Promise.all([
      refundOrder(ctx, operator, neverSent.id, 'customer cancelled'),
      refundOrder(ctx, operator, neverSent.id, 'customer cancelled'),
    ]);
    expect(outcomes.sort()).toEqual(['failed', 'unchanged']);
    expect(await balance(db, account)).toBe('50.00');
    await expectDomainError(refundOrder(ctx, operator, neverSent.id, 'again'), 'order_final');

    const timeline = await orderTimeline(db, operator, neverSent.number);
    expect(timeline.transitions.map((transition) => transition.status)).toEqual(['pending', 'failed']);
    expect(timeline.money.map((transfer) => transfer.kind)).toEqual(['order_hold', 'order_release']);
    expect(timeline.actions).toEqual([
      expect.objectContaining({ action: 'order.refunded', channel: 'cli', after: { outcome: 'failed', reason: 'customer cancelled' } }),
    ]);
    expect(timeline.buyer).toEqual({ id: account.id, name: account.name, role: 'partner' });
    await expectOrderMoneyConserved(db, [neverSent.id]);
  });

  it('a sent order is refunded only when the vendor reports it failed; retry is audited; the timeline has the vendor ids', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer('50.00');
    const { order: working } = await order(account);
    expect(await retryOrder(ctx, operator, working.id)).toBe('placed');
    await expectDomainError(refundOrder(ctx, operator, working.id, 'customer asked'), 'vendor_not_failed');
    expect(await balance(db, account)).toBe('40.00');

    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    const { order: failing } = await order(account);
    await retryOrder(ctx, operator, failing.id);
    clock.advance(1500);
    expect(await refundOrder(ctx, operator, failing.id, 'vendor failed it')).toBe('finished');
    expect(await statusOf(failing.id)).toBe('failed');
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);
    expect(await balance(db, account)).toBe('40.00');

    const timeline = await orderTimeline(db, operator, failing.id);
    expect(timeline.vendor.requestId).toEqual(expect.any(String));
    expect(timeline.vendor.orderId).toEqual(expect.stringMatching(/^\d+$/));
    expect(timeline.money.map((transfer) => transfer.kind)).toEqual(['order_hold', 'order_refund']);
    expect(timeline.actions.map((action) => action.action)).toEqual(['order.retried', 'order.refunded']);
    await expectOrderMoneyConserved(db, [working.id, failing.id]);
    await expectLedgerConsistent(db);
  });
});
