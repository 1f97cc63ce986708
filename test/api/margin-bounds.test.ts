// PUT /v1/admin/margin-bounds (docs/api.md, Admin): the bounds of the markups agents may set on their
// sub-agents, admin key only, audited; answers checked against the served OpenAPI document.
import { describe, expect, it } from 'vitest';
import { marginBounds } from '../../src/domain/pricing/margins.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';

const harness = await createApiHarness();
const { ctx, call, adminKey } = harness;

describe('PUT /v1/admin/margin-bounds', () => {
  it('an admin sets the bounds (audited); invalid bounds and other keys are refused', async () => {
    const saved = await call(adminKey, 'PUT', '/v1/admin/margin-bounds', { minBps: 0, maxBps: 1000 });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toEqual({ minBps: 0, maxBps: 1000 });
    expect(await marginBounds(ctx.db)).toEqual({ minBps: 0, maxBps: 1000 });
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after', 'channel'])
      .where('action', '=', 'pricing.margin_bounds_set')
      .execute();
    expect(audit).toEqual([{ action: 'pricing.margin_bounds_set', before: { minBps: 0, maxBps: 0 }, after: { minBps: 0, maxBps: 1000 }, channel: 'api' }]);

    await expectProblem(await call(adminKey, 'PUT', '/v1/admin/margin-bounds', { minBps: 600, maxBps: 500 }), 422, 'margin_out_of_bounds');
    await expectProblem(await call(adminKey, 'PUT', '/v1/admin/margin-bounds', { minBps: 0, maxBps: 9000 }), 422, 'margin_out_of_bounds');
    await expectProblem(await call(adminKey, 'PUT', '/v1/admin/margin-bounds', { minBps: -1, maxBps: 10 }), 400, 'validation_failed');
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/admin/margin-bounds', { minBps: 0, maxBps: 100 }), 403, 'forbidden');
    expect(await marginBounds(ctx.db)).toEqual({ minBps: 0, maxBps: 1000 });
  });
});
