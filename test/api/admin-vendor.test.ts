// Vendor operations over REST: the kill switches (admin key: pause, refused order, resume), the
// float's refusal (503 vendor_float_exhausted with Retry-After, no money held) and the ops vendor
// view with the float, the breaker and the pauses; every answer checked against the OpenAPI document.
import { describe, expect, it } from 'vitest';
import { refreshVendorFloat } from '../../src/domain/vendor/float.ts';
import { SIMULATOR_ACCOUNT_ID, simulatorOf } from '../../src/integrations/bamboo/index.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call, adminKey } = harness;
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
const partner = await harness.makePartner();
await fund(ctx.db, partner.account, '100.00');
let references = 0;
const orderBody = { productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1 };
const placeOrder = () => call(partner.liveKey, 'POST', '/v1/orders', orderBody, { 'idempotency-key': `admin-vendor-${(references += 1)}` });

describe('vendor operations API', () => {
  it('pauses sales of a product with a reason, refuses its orders with 503 sales_paused, resumes in one call', async () => {
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/admin/sales-pauses', { scope: 'all', reason: 'x' }), 403, 'forbidden');
    await expectProblem(await call(adminKey, 'POST', '/v1/admin/sales-pauses', { scope: 'brand', target: 'nope', reason: 'x' }), 422, 'invalid_sales_pause');
    const paused = await call(adminKey, 'POST', '/v1/admin/sales-pauses', { scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: 'bad batch' });
    expect(paused.status).toBe(201);
    expect(await paused.json()).toMatchObject({ scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: 'bad batch', pausedBy: harness.admin.id });
    expect((await call(adminKey, 'POST', '/v1/admin/sales-pauses', { scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: 'x' })).status).toBe(200);

    const refused = await expectProblem(await placeOrder(), 503, 'sales_paused');
    expect(refused.detail).toContain('bad batch');
    expect(await balance(ctx.db, partner.account)).toBe('100.00');
    const listed = (await (await call(adminKey, 'GET', '/v1/admin/sales-pauses')).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(1);
    const view = (await (await call(adminKey, 'GET', '/v1/admin/ops/vendor')).json()) as { pauses: unknown[]; breaker: { state: string } };
    expect(view.pauses).toHaveLength(1);
    expect(view.breaker.state).toBe('closed');

    expect(await (await call(adminKey, 'POST', '/v1/admin/sales-pauses/resume', { scope: 'product', target: String(SIM_PRODUCTS.steam10) })).json()).toEqual({
      resumed: true,
    });
    expect((await placeOrder()).status).toBe(202);
  });

  it('refuses an order the vendor float cannot cover: 503 vendor_float_exhausted with Retry-After, nothing held', async () => {
    await simulatorOf(ctx.db).setBalance(SIMULATOR_ACCOUNT_ID, '15.00');
    await refreshVendorFloat(ctx);
    const before = await balance(ctx.db, partner.account);
    const response = await placeOrder();
    // 15.00 less the order above (9.47, still held): 5.53 left, not enough for 9.47.
    await expectProblem(response, 503, 'vendor_float_exhausted');
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await balance(ctx.db, partner.account)).toBe(before);
    const view = (await (await call(adminKey, 'GET', '/v1/admin/ops/vendor')).json()) as { floats: { book: string; left: unknown }[] };
    expect(view.floats).toEqual([expect.objectContaining({ book: 'live', left: { amount: '5.53', currency: 'USD' } })]);
    await expectLedgerConsistent(ctx.db);
  });
});
