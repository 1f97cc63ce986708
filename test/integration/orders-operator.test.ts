// Operator tools (show, retry, refund) and reading orders: own orders with a cursor, an agent's view
// of its sub-agents, and what the Telegram channel may order (the card list, BOT_MAX_QUANTITY).
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { addAdmin } from '../../src/domain/accounts/accounts.ts';
import { placeWithVendor } from '../../src/domain/orders/fulfilment.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { getOrderFor, listOrders, revealOrderCards } from '../../src/domain/orders/orders.ts';
import { refundOrder, retryOrder, showOrder } from '../../src/domain/orders/operator.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { balance, expectDomainError, fund, makeAccount, makeTree, operator } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { createOrderEngineTest, usd } from '../support/order-engine.ts';

const { ctx, db, vendor, buyer, order, nextReference, statusOf } = await createOrderEngineTest();

describe('operator tools', () => {
  it('show by number, retry pushes an order on, refund only when Bamboo confirms failed or has no order', async () => {
    const { simulator, clock } = vendor();
    const account = await buyer();
    const { order: working } = await order(account);
    expect((await showOrder(db, operator, working.number)).order.id).toBe(working.id);
    // A malformed id (typed at the CLI) is "no such order", not a database error.
    for (const typed of ['not-an-id', 'ST-99999999999999999999', "1'; drop table orders"])
      await expectDomainError(showOrder(db, operator, typed), 'order_not_found');
    expect(await retryOrder(ctx, operator, working.id)).toBe('placed');
    await expectDomainError(refundOrder(ctx, operator, working.id, 'test refund'), 'vendor_not_failed');
    clock.advance(1500);
    expect(await retryOrder(ctx, operator, working.id)).toBe('finished');
    await expectDomainError(refundOrder(ctx, operator, working.id, 'test refund'), 'order_final');
    expect((await showOrder(db, operator, working.id)).transitions.map((transition) => transition.status)).toEqual([
      'pending',
      'placing',
      'processing',
      'completed',
    ]);

    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    const { order: failing } = await order(account);
    await retryOrder(ctx, operator, failing.id);
    clock.advance(1500);
    expect(await refundOrder(ctx, operator, failing.id, 'test refund')).toBe('finished'); // from Bamboo's Failed: the whole hold back
    expect(await statusOf(failing.id)).toBe('failed');
    simulator.setProductFault(SIM_PRODUCTS.steam10, undefined);

    const { order: neverSent } = await order(account);
    expect(await refundOrder(ctx, operator, neverSent.id, 'test refund')).toBe('failed');
    expect(await placeWithVendor(ctx, neverSent.id)).toBe('skipped');
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [working.id, failing.id, neverSent.id]);
  });
});

describe('reading orders and the Telegram channel', () => {
  it('lists own orders newest first with a cursor; an agent sees its direct sub-agent’s orders, not others', async () => {
    vendor();
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '100.00');
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push((await order(sub)).order);
    const first = await listOrders(db, accountActor(sub.id, 'api'), { limit: 2 });
    expect(first.orders.map((o) => o.id)).toEqual([created[2]?.id, created[1]?.id]);
    const second = await listOrders(db, accountActor(sub.id, 'api'), { limit: 2, cursor: first.nextCursor as string });
    expect(second).toEqual({ orders: [expect.objectContaining({ id: created[0]?.id })], nextCursor: null });
    expect((await listOrders(db, accountActor(agent.id, 'telegram'), { buyerId: sub.id })).orders).toHaveLength(3);
    expect(await getOrderFor(db, accountActor(agent.id, 'telegram'), created[0]!.id)).toMatchObject({ buyerId: sub.id });
    expect((await getOrderFor(db, accountActor(sub.id, 'telegram'), created[1]!.number)).id).toBe(created[1]!.id);
    await expectDomainError(getOrderFor(db, accountActor(sub.id, 'telegram'), 'not-an-id'), 'order_not_found');
    await expectDomainError(revealOrderCards(ctx, accountActor(agent.id, 'telegram'), created[0]!.id), 'order_not_found');
    const stranger = await makeAccount(db, 'partner');
    await expectDomainError(listOrders(db, accountActor(stranger.id, 'api'), { buyerId: sub.id }), 'not_direct_child');
    await expectDomainError(getOrderFor(db, accountActor(stranger.id, 'api'), created[0]!.id), 'order_not_found');
    expect((await listOrders(db, operator, { buyerId: sub.id, status: 'pending' })).orders).toHaveLength(3);
  });

  it('Telegram orders: only what the card list offers, at most BOT_MAX_QUANTITY cards', async () => {
    vendor();
    const { account: admin } = await addAdmin(db, operator, { telegramUserId: '777001', currency: 'USD' });
    await saveCardList(db, accountActor(admin.id, 'telegram'), [{ productId: BigInt(SIM_PRODUCTS.range), range: { min: 1000n, max: 5000n } }], {
      maxEntries: 10,
    });
    const { agent } = await makeTree(db);
    await fund(db, agent, '500.00');
    const viaBot = (productId: number, face: string, quantity = 1) =>
      createOrder(ctx, {
        buyerId: agent.id,
        actor: accountActor(agent.id, 'telegram'),
        clientReference: `tg-${nextReference()}`,
        productId,
        face: usd(face),
        quantity,
      });
    expect((await viaBot(SIM_PRODUCTS.range, '20.00')).created).toBe(true);
    await expectDomainError(viaBot(SIM_PRODUCTS.range, '60.00'), 'not_on_card_list');
    await expectDomainError(viaBot(SIM_PRODUCTS.steam10, '10.00'), 'not_on_card_list');
    await expectDomainError(viaBot(SIM_PRODUCTS.range, '20.00', ctx.config.BOT_MAX_QUANTITY + 1), 'invalid_quantity');
    expect(await balance(db, agent)).toBe('480.00');
  });
});
