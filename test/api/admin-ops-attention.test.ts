// Orders needing attention in the operations views and their resolution (docs/orders.md, States):
// listed with their count by `GET /v1/admin/ops/orders/needs-attention` (admin key only) and
// `steller order attention`; resolved once with `steller order resolve`, audited.
import { describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { dailySummary } from '../../src/domain/orders/summary.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { cliRunner } from '../support/cli.ts';
import { balance, expectDomainError, fund } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const harness = await createApiHarness();
const { ctx, call, adminKey, database } = harness;
const { db } = ctx;
const steller = cliRunner(database.url);

/** An order whose checkout may have reached Bamboo and that Bamboo says it does not have: reconciliation parks it. */
async function orderNeedingAttention(accountId: string, reference: string) {
  const { order } = await createOrder(ctx, {
    buyerId: accountId,
    actor: accountActor(accountId, 'api'),
    clientReference: reference,
    productId: SIM_PRODUCTS.steam10,
    face: parseMoney('10.00', 'USD'),
    quantity: 1,
  });
  await db.updateTable('orders').set({ status: 'placing', vendor_request_id: crypto.randomUUID() }).where('id', '=', order.id).execute();
  const later = new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000);
  expect((await reconcileOrders(ctx, later)).needsAttention).toBe(1);
  return order;
}

describe('orders needing attention: ops views and resolve', () => {
  it('are listed with their count (REST, CLI), admins only, and resolved once with the CLI', async () => {
    await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const partner = await harness.makePartner();
    await fund(db, partner.account, '50.00');
    const order = await orderNeedingAttention(partner.account.id, 'attention-1');
    expect(await balance(db, partner.account)).toBe('40.00');

    const listed = await call(adminKey, 'GET', '/v1/admin/ops/orders/needs-attention');
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      count: 1,
      data: [
        {
          id: order.id,
          number: order.number,
          buyerId: partner.account.id,
          total: { amount: '10.00', currency: 'USD' },
          reason: 'vendor_lost_order',
          problem: null,
          since: expect.any(String),
        },
      ],
    });
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/ops/orders/needs-attention'), 403, 'forbidden');
    // The admins' daily summary counts it among the orders of the day, still open.
    expect(await dailySummary(ctx, new Date().toISOString().slice(0, 10))).toMatchObject({ orders: 1, open: 1, failed: 0 });
    expect(await steller('order', 'attention')).toMatchObject({ count: 1, orders: [{ number: order.number, reason: 'vendor_lost_order' }] });

    await expect(steller('order', 'resolve', order.number)).rejects.toThrow('exactly one of --vendor-has and --vendor-lacks');
    await expect(steller('order', 'resolve', order.number, '--vendor-has', '--vendor-lacks')).rejects.toThrow('exactly one');
    expect(await steller('order', 'resolve', order.number, '--vendor-lacks')).toEqual({ status: 'failed' });
    await expectDomainError(steller('order', 'resolve', order.number, '--vendor-lacks'), 'order_not_needing_attention');
    await expectDomainError(steller('order', 'resolve', order.number, '--vendor-has'), 'order_not_needing_attention');
    expect(await balance(db, partner.account)).toBe('50.00');
    await expectOrderMoneyConserved(db, [order.id]);
    const audit = await queryAuditLog(db, platformActor('cli'), { action: 'order.resolved' });
    expect(audit.map((row) => [row.subject_id, row.after])).toEqual([[order.id, { status: 'failed', decision: 'vendor_lacks' }]]);
    expect(await (await call(adminKey, 'GET', '/v1/admin/ops/orders/needs-attention')).json()).toEqual({ count: 0, data: [] });
  });
});
