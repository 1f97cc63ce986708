// Orders needing attention in the operations views and their resolution (docs/orders.md, States):
// listed with their count by `GET /v1/admin/ops/orders/needs-attention` (admin key only) and
// `steller order attention`; resolved once, with a reason, with `steller order resolve` or
// `POST /v1/admin/orders/{id}/resolve` (two decisions at once: one wins, the money comes back once), audited.
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
import { balance, expectDomainError, expectLedgerConsistent, fund } from '../support/money.ts';
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

    const why = ['--reason', 'Bamboo support: no such order'];
    await expect(steller('order', 'resolve', order.number, ...why)).rejects.toThrow('exactly one of --vendor-has and --vendor-lacks');
    await expect(steller('order', 'resolve', order.number, '--vendor-has', '--vendor-lacks', ...why)).rejects.toThrow('exactly one');
    await expectDomainError(steller('order', 'resolve', order.number, '--vendor-lacks', '--reason', '  '), 'reason_required');
    expect(await steller('order', 'resolve', order.number, '--vendor-lacks', ...why)).toEqual({ status: 'failed' });
    await expectDomainError(steller('order', 'resolve', order.number, '--vendor-lacks', ...why), 'order_not_needing_attention');
    await expectDomainError(steller('order', 'resolve', order.number, '--vendor-has', ...why), 'order_not_needing_attention');
    expect(await balance(db, partner.account)).toBe('50.00');
    await expectOrderMoneyConserved(db, [order.id]);
    const audit = await queryAuditLog(db, platformActor('cli'), { action: 'order.resolved' });
    expect(audit.map((row) => [row.subject_id, row.after])).toEqual([
      [order.id, { status: 'failed', decision: 'vendor_lacks', reason: 'Bamboo support: no such order' }],
    ]);
    expect(await (await call(adminKey, 'GET', '/v1/admin/ops/orders/needs-attention')).json()).toEqual({ count: 0, data: [] });
  });

  it('are resolved over REST by an admin, once: two decisions at the same time give one answer and the money back once', async () => {
    const partner = await harness.makePartner();
    await fund(db, partner.account, '50.00');
    const order = await orderNeedingAttention(partner.account.id, 'attention-rest');
    const resolve = (key: string, body: unknown) => call(key, 'POST', `/v1/admin/orders/${order.number}/resolve`, body);

    await expectProblem(await resolve(partner.liveKey, { decision: 'vendor_lacks', reason: 'mine' }), 403, 'forbidden');
    await expectProblem(await resolve(adminKey, { decision: 'vendor_lacks', reason: ' ' }), 422, 'reason_required');
    expect((await resolve(adminKey, { decision: 'maybe', reason: 'x' })).status).toBe(400);
    expect(await balance(db, partner.account)).toBe('40.00');

    // Two admins decide at once (one each way, and a repeat): exactly one decision is taken.
    const answers = await Promise.all([
      resolve(adminKey, { decision: 'vendor_lacks', reason: 'portal shows nothing' }),
      resolve(adminKey, { decision: 'vendor_lacks', reason: 'portal shows nothing (again)' }),
      resolve(adminKey, { decision: 'vendor_has', reason: 'support found it' }),
    ]);
    const taken = answers.filter((answer) => answer.status === 200);
    expect(taken).toHaveLength(1);
    for (const refused of answers.filter((answer) => answer.status !== 200)) await expectProblem(refused, 409, 'order_not_needing_attention');
    const { status, order: after } = (await taken[0]!.json()) as { status: string; order: { status: string } };
    expect(after.status).toBe(status);

    const audit = await db.selectFrom('audit_log').select(['action', 'channel', 'after']).where('subject_id', '=', order.id).execute();
    expect(audit).toEqual([{ action: 'order.resolved', channel: 'api', after: expect.objectContaining({ status }) }]);
    const returns = await db.selectFrom('transfers').select('id').where('idempotency_key', '=', `order-return:${order.id}`).execute();
    expect(returns).toHaveLength(status === 'failed' ? 1 : 0);
    expect(await balance(db, partner.account)).toBe(status === 'failed' ? '50.00' : '40.00');
    await expectProblem(await resolve(adminKey, { decision: 'vendor_lacks', reason: 'late' }), 409, 'order_not_needing_attention');
    if (status === 'failed') await expectOrderMoneyConserved(db, [order.id]);
    await expectLedgerConsistent(db);
  });
});
