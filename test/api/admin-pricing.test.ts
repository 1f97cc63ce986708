// Admin price plans and card list over REST (admin key), checked through the partner's catalog price
// and the audit log.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';

const harness = await createApiHarness();
const { ctx, call, adminKey } = harness;

await insertProduct(ctx.db, { id: 7001, minFace: 1000n, costMin: 900n });
await insertProduct(ctx.db, { id: 7002, minFace: 500n, maxFace: 50_000n, costMin: 450n, costMax: 45_000n });

const priceOf = async (key: string, productId: string) =>
  ((await (await call(key, 'GET', `/v1/catalog/${productId}`)).json()) as { price: { min: { amount: string } } }).price.min.amount;

describe('admin price plans', () => {
  it('creates a plan, sets a product discount, assigns it; the partner sees the price', async () => {
    const partner = await harness.makePartner();
    expect(await priceOf(partner.liveKey, '7001')).toBe('10.00');

    const created = await call(adminKey, 'POST', '/v1/admin/price-plans', { name: 'Gold', defaultDiscountBps: 200 });
    expect(created.status).toBe(201);
    const plan = (await created.json()) as { id: string; defaultDiscountBps: number };
    expect(plan.defaultDiscountBps).toBe(200);

    const discount = await call(adminKey, 'PUT', `/v1/admin/price-plans/${plan.id}/discounts/7001`, { discountBps: 500 });
    expect(await discount.json()).toEqual({ planId: plan.id, productId: '7001', discountBps: 500 });
    const assigned = await call(adminKey, 'POST', `/v1/admin/price-plans/${plan.id}/assign`, { accountId: partner.account.id });
    expect(assigned.status).toBe(200);
    expect(await priceOf(partner.liveKey, '7001')).toBe('9.50');
    expect(await priceOf(partner.liveKey, '7002')).toBe('4.90');

    // Removing the product discount falls back to the plan default.
    await call(adminKey, 'PUT', `/v1/admin/price-plans/${plan.id}/discounts/7001`, { discountBps: null });
    expect(await priceOf(partner.liveKey, '7001')).toBe('9.80');

    await call(adminKey, 'PUT', `/v1/admin/price-plans/${plan.id}/discounts/7002`, { discountBps: 300 });
    const listed = (await (await call(adminKey, 'GET', '/v1/admin/price-plans')).json()) as { data: { id: string }[] };
    expect(listed.data.find((entry) => entry.id === plan.id)).toEqual({
      id: plan.id,
      name: 'Gold',
      defaultDiscountBps: 200,
      roles: [],
      accounts: 1,
      discounts: [{ productId: '7002', discountBps: 300 }],
    });
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/price-plans'), 403, 'forbidden');

    const actions = (await queryAuditLog(ctx.db, platformActor('cli'), { subject: { type: 'price_plan', id: plan.id } })).map((row) => row.action);
    expect(actions.sort()).toEqual(['price_plan.created', 'price_plan.discount_set', 'price_plan.discount_set', 'price_plan.discount_set']);
  });

  it('sets a role default; refuses bad input, unknown plans and partner keys', async () => {
    const plan = (await (await call(adminKey, 'POST', '/v1/admin/price-plans', { name: 'Partners', defaultDiscountBps: 100 })).json()) as { id: string };
    const response = await call(adminKey, 'POST', `/v1/admin/price-plans/${plan.id}/assign`, { role: 'partner' });
    expect(await response.json()).toEqual({ planId: plan.id, role: 'partner' });
    const partner = await harness.makePartner();
    expect(await priceOf(partner.liveKey, '7001')).toBe('9.90');

    await expectProblem(await call(adminKey, 'POST', '/v1/admin/price-plans', { name: '', defaultDiscountBps: 10_000 }), 400, 'validation_failed');
    await expectProblem(
      await call(adminKey, 'PUT', '/v1/admin/price-plans/00000000-0000-4000-8000-000000000000/discounts/7001', { discountBps: 1 }),
      404,
      'price_plan_not_found',
    );
    await expectProblem(await call(adminKey, 'PUT', `/v1/admin/price-plans/${plan.id}/discounts/999999`, { discountBps: 1 }), 404, 'product_not_found');
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/admin/price-plans', { name: 'Mine', defaultDiscountBps: 9000 }), 403, 'forbidden');
  });
});

describe('admin card list', () => {
  it('replaces and shows the list with face values as money; validates against the product', async () => {
    const saved = await call(adminKey, 'PUT', '/v1/admin/card-list', {
      entries: [
        { productId: '7001', denominations: ['10.00'] },
        { productId: '7002', range: { min: '5.00', max: '100.00' } },
      ],
    });
    expect(saved.status).toBe(200);
    const expected = {
      data: [
        { position: 0, productId: '7001', denominations: [{ amount: '10.00', currency: 'USD' }], range: null },
        {
          position: 1,
          productId: '7002',
          denominations: null,
          range: { min: { amount: '5.00', currency: 'USD' }, max: { amount: '100.00', currency: 'USD' } },
        },
      ],
    };
    expect(await saved.json()).toEqual(expected);
    expect(await (await call(adminKey, 'GET', '/v1/admin/card-list')).json()).toEqual(expected);

    await expectProblem(
      await call(adminKey, 'PUT', '/v1/admin/card-list', { entries: [{ productId: '7001', denominations: ['25.00'] }] }),
      422,
      'denomination_out_of_range',
    );
    await expectProblem(
      await call(adminKey, 'PUT', '/v1/admin/card-list', { entries: [{ productId: '7001', range: { min: '5.00', max: '6.00' } }] }),
      422,
      'invalid_card_list',
    );
    await expectProblem(
      await call(adminKey, 'PUT', '/v1/admin/card-list', { entries: [{ productId: '7001', denominations: ['10.001'] }] }),
      422,
      'invalid_amount',
    );
    await expectProblem(await call(adminKey, 'PUT', '/v1/admin/card-list', { entries: [{ productId: '7001' }] }), 400, 'validation_failed');
    // Refusals changed nothing.
    expect(await (await call(adminKey, 'GET', '/v1/admin/card-list')).json()).toEqual(expected);
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/card-list'), 403, 'forbidden');
  });
});
