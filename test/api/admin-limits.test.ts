// Risk limits over REST (admin key): read an account's limits with today's use, set its own
// (audited), refused for partner keys, other currencies and non-positive limits; an order above the
// limit is then refused with its code, before any hold. Responses are checked against OpenAPI.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';

const { ctx, call, adminKey, makePartner } = await createApiHarness();

describe('admin risk limits API', () => {
  it('shows and sets an account’s limits; the intake enforces them', async () => {
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const partner = await makePartner();
    await fund(ctx.db, partner.account, '100.00');
    const path = `/v1/admin/accounts/${partner.account.id}/limits`;

    const empty = await call(adminKey, 'GET', path);
    expect(await empty.json()).toEqual({
      accountId: partner.account.id,
      source: 'none',
      dailySpend: null,
      dailyOrderCount: null,
      maxOrder: null,
      today: { spent: { amount: '0.00', currency: 'USD' }, orders: 0 },
    });

    const limits = { dailySpend: { amount: '50.00', currency: 'USD' }, dailyOrderCount: 10, maxOrder: { amount: '20.00', currency: 'USD' } };
    const set = await call(adminKey, 'PUT', path, limits);
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ ...limits, source: 'account' });
    const [audit] = await queryAuditLog(ctx.db, platformActor('cli'), { action: 'risk_limits.set' });
    expect(audit).toMatchObject({ subject_id: partner.account.id, after: { dailySpend: '5000', dailyOrderCount: 10, maxOrder: '2000' } });

    const order = (quantity: number, reference: string) =>
      call(partner.liveKey, 'POST', '/v1/orders', {
        productId: String(SIM_PRODUCTS.steam10),
        faceValue: { amount: '10.00', currency: 'USD' },
        quantity,
        referenceId: reference,
      });
    const tooLarge = await expectProblem(await order(3, 'limits-1'), 422, 'order_limit_exceeded');
    expect(tooLarge).toMatchObject({ limit: 'max_order', value: { amount: '20.00', currency: 'USD' } });
    expect((await order(2, 'limits-2')).status).toBe(202);
    expect(await balance(ctx.db, partner.account)).toBe('80.00');
    expect(await (await call(adminKey, 'GET', path)).json()).toMatchObject({ today: { spent: { amount: '20.00', currency: 'USD' }, orders: 1 } });

    await expectProblem(await call(partner.liveKey, 'GET', path), 403, 'forbidden');
    await expectProblem(await call(adminKey, 'PUT', path, { ...limits, dailySpend: { amount: '50.00', currency: 'EUR' } }), 422, 'currency_mismatch');
    await expectProblem(await call(adminKey, 'PUT', path, { ...limits, maxOrder: { amount: '0', currency: 'USD' } }), 422, 'invalid_risk_limits');
    await expectProblem(await call(adminKey, 'PUT', path, { ...limits, dailyOrderCount: 0 }), 400, 'validation_failed');
    await expectProblem(await call(adminKey, 'GET', '/v1/admin/accounts/00000000-0000-4000-8000-000000000000/limits'), 404, 'account_not_found');

    const cleared = await call(adminKey, 'PUT', path, { dailySpend: null, dailyOrderCount: null, maxOrder: null });
    expect(await cleared.json()).toMatchObject({ source: 'account', dailySpend: null, dailyOrderCount: null, maxOrder: null });
    expect((await order(3, 'limits-3')).status).toBe(202);
    await expectLedgerConsistent(ctx.db);
  });
});
