// Hostile input at the API edge: strings PostgreSQL cannot store (NUL, lone surrogates), numbers
// that do not fit their column, bodies over the size limit. Each answers a 4xx problem+json and the
// server logs no error-level line for it (issue 14, part 3).
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { errorCapturingLogger } from '../support/logs.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { signupClient, signupInput } from '../support/signup.ts';

const harness = await createApiHarness({ env: { API_BODY_LIMIT_BYTES: '65536' } });
const { ctx, call } = harness;
const signup = await signupClient(harness);
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });

// Every error-level line, captured from the logger the API writes through.
const { logger, errors: errorLines } = errorCapturingLogger();
ctx.logger = logger;
afterEach(() => {
  const logged = errorLines.splice(0);
  expect(logged, 'no error-level log lines').toEqual([]);
});

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'ref-\ud800';

async function expectInvalid(response: Response, field: string) {
  const body = await expectProblem(response, 400, 'validation_failed');
  expect((body.errors as { path: string }[]).map((error) => error.path)).toContain(field);
}

describe('strings PostgreSQL cannot store', () => {
  it('refuses a NUL byte or a lone surrogate in an order referenceId before any money moves', async () => {
    const partner = await harness.makePartner();
    await fund(ctx.db, partner.account, '100.00');
    for (const referenceId of [NUL, LONE_SURROGATE]) {
      const response = await call(partner.liveKey, 'POST', '/v1/orders', {
        productId: '1',
        faceValue: { amount: '10.00', currency: 'USD' },
        quantity: 1,
        referenceId,
      });
      await expectInvalid(response, 'json.referenceId');
    }
    expect(await ctx.db.selectFrom('orders').select('id').where('buyer_id', '=', partner.account.id).execute()).toEqual([]);
    expect(await balance(ctx.db, partner.account)).toBe('100.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('refuses a NUL byte in a webhook URL, a user name and the catalog search', async () => {
    const partner = await harness.makePartner();
    await expectInvalid(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'https://partner.example/\u0000hook' }), 'json.url');
    await expectInvalid(await call(partner.liveKey, 'POST', '/v1/users', { name: NUL, email: 'dana@example.com', role: 'developer' }), 'json.name');
    await expectInvalid(await call(partner.liveKey, 'GET', `/v1/catalog?search=${encodeURIComponent(NUL)}`), 'query.search');
  });

  it('refuses a NUL byte in signup fields', async () => {
    await expectInvalid(await signup(signupInput({ companyName: NUL })), 'json.companyName');
    await expectInvalid(await signup(signupInput({ useCase: `Gift cards for our ${NUL} loyalty app` })), 'json.useCase');
  });
});

describe('numbers that do not fit their column', () => {
  it('refuses a transactions cursor above the 64-bit maximum', async () => {
    const partner = await harness.makePartner();
    const response = await call(partner.liveKey, 'GET', '/v1/transactions?cursor=9999999999999999999');
    await expectProblem(response, 400, 'invalid_cursor');
  });

  it('refuses a low-balance threshold larger than any wallet can hold', async () => {
    const partner = await harness.makePartner();
    const response = await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '99999999999999999999999.00', currency: 'USD' } });
    await expectInvalid(response, 'json.threshold.amount');
    expect(await (await call(partner.liveKey, 'GET', '/v1/wallet')).json()).toMatchObject({ lowBalanceThreshold: null });
  });
});

describe('request body size', () => {
  const oversized = (extra: Record<string, unknown>) => JSON.stringify({ ...extra, padding: 'x'.repeat(70_000) });

  it('answers 413 problem+json before parsing an oversized order, and creates nothing', async () => {
    const partner = await harness.makePartner();
    await fund(ctx.db, partner.account, '100.00');
    const order = { productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1 };
    const post = (body: string) =>
      harness.api.request('/v1/orders', { method: 'POST', headers: { authorization: `Bearer ${partner.liveKey}`, 'content-type': 'application/json' }, body });
    await expectProblem(await post(oversized({ ...order, referenceId: 'big' })), 413, 'payload_too_large');
    expect(await ctx.db.selectFrom('orders').select('id').where('buyer_id', '=', partner.account.id).execute()).toEqual([]);
    expect(await balance(ctx.db, partner.account)).toBe('100.00');
    // The same order within the limit is taken: the size alone refused the first.
    expect((await post(JSON.stringify({ ...order, referenceId: 'small' }))).status).toBe(202);
    await expectLedgerConsistent(ctx.db);
  });

  it('limits the public signup the same way', async () => {
    const response = await harness.api.request(
      '/v1/signup',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: oversized(signupInput()) },
      { incoming: { socket: { remoteAddress: '198.51.100.250' } } },
    );
    await expectProblem(response, 413, 'payload_too_large');
  });
});

describe('concurrent hostile callers', () => {
  it('the same order sent ten times at once is one order and one charge; every answer is 2xx', async () => {
    const partner = await harness.makePartner();
    await fund(ctx.db, partner.account, '100.00');
    const order = { productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1, referenceId: 'burst-1' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(partner.liveKey, 'POST', '/v1/orders', order)));
    expect(answers.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([]);
    expect(new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as { id: string }).id))).size).toBe(1);
    expect(await ctx.db.selectFrom('orders').select('id').where('buyer_id', '=', partner.account.id).execute()).toHaveLength(1);
    await expectLedgerConsistent(ctx.db);
  });

  it('a key rotated five times at once rotates once; the others are 409', async () => {
    const partner = await harness.makePartner();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(partner.liveKey, 'POST', '/v1/keys/rotate')));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });
});

describe('found by the fuzz test (test/api/fuzz.test.ts)', () => {
  it('a second price plan with a taken name is a 409, not a database error', async () => {
    const created = await call(harness.adminKey, 'POST', '/v1/admin/price-plans', { name: 'Gold', defaultDiscountBps: 400 });
    expect(created.status).toBe(201);
    await expectProblem(await call(harness.adminKey, 'POST', '/v1/admin/price-plans', { name: 'Gold', defaultDiscountBps: 300 }), 409, 'price_plan_name_taken');
  });
});
