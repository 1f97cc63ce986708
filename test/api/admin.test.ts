import { describe, expect, it } from 'vitest';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { expectLedgerConsistent } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call, adminKey } = harness;

const adjust = (direction: 'credit' | 'debit', accountId: string, amount: string, key: string, reason = 'settlement') =>
  call(adminKey, 'POST', `/v1/admin/accounts/${accountId}/${direction}`, { amount, currency: 'USD', reason }, { 'idempotency-key': key });

describe('admin accounts', () => {
  it('creates a partner with a sandbox and a test key shown once', async () => {
    const response = await call(adminKey, 'POST', '/v1/admin/accounts', { role: 'partner', name: 'Acme' });
    expect(response.status).toBe(201);
    const created = (await response.json()) as {
      account: { id: string; role: string; currency: string };
      sandboxAccountId: string;
      apiKey: { key: string; accountId: string };
    };
    expect(created.account).toMatchObject({ role: 'partner', currency: 'USD' });
    expect(created.apiKey.key).toMatch(/^sk_test_/);
    expect(created.apiKey.accountId).toBe(created.sandboxAccountId);
    expect(await (await call(created.apiKey.key, 'GET', '/v1/wallet')).json()).toMatchObject({ accountId: created.sandboxAccountId, mode: 'test' });
    const live = await call(adminKey, 'POST', `/v1/admin/accounts/${created.account.id}/api-keys`, { mode: 'live' });
    expect(live.status).toBe(201);
    const { key } = (await live.json()) as { key: string };
    expect(await (await call(key, 'GET', '/v1/wallet')).json()).toMatchObject({ accountId: created.account.id, mode: 'live' });
    // The key is never shown again.
    const listed = await (await call(adminKey, 'GET', `/v1/admin/accounts/${created.account.id}/api-keys`)).text();
    expect(listed).not.toContain(key);
    expect(listed).not.toContain(created.apiKey.key);
  });

  it('validates every field of a new account', async () => {
    const body = await expectProblem(await call(adminKey, 'POST', '/v1/admin/accounts', { role: 'king', name: '', currency: 'usd' }), 400, 'validation_failed');
    expect((body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['json.currency', 'json.name', 'json.role']);
  });

  it('lists accounts by role with a cursor', async () => {
    for (let index = 0; index < 3; index += 1) await harness.makePartner(`Listed ${index}`);
    const first = (await (await call(adminKey, 'GET', '/v1/admin/accounts?role=partner&limit=2')).json()) as {
      data: { id: string; role: string }[];
      nextCursor: string;
    };
    expect(first.data).toHaveLength(2);
    const all: string[] = first.data.map((account) => account.id);
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const page = (await (await call(adminKey, 'GET', `/v1/admin/accounts?role=partner&limit=2&cursor=${cursor}`)).json()) as {
        data: { id: string; role: string }[];
        nextCursor: string | null;
      };
      all.push(...page.data.map((account) => account.id));
      expect(page.data.every((account) => account.role === 'partner')).toBe(true);
      cursor = page.nextCursor;
    }
    const partners = await ctx.db.selectFrom('accounts').select('id').where('role', '=', 'partner').orderBy('id').execute();
    expect(all).toEqual(partners.map((row) => row.id));
  });

  it('pauses and resumes an account', async () => {
    const partner = await harness.makePartner();
    const paused = await call(adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/pause`);
    expect(await paused.json()).toMatchObject({ status: 'paused' });
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/catalog'), 403, 'account_paused');
    expect(await (await call(adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/resume`)).json()).toMatchObject({ status: 'active' });
    expect((await call(partner.liveKey, 'GET', '/v1/catalog')).status).toBe(200);
    await expectProblem(await call(adminKey, 'POST', '/v1/admin/accounts/00000000-0000-4000-8000-000000000000/pause'), 404, 'account_not_found');
  });
});

describe('admin credit and debit', () => {
  it('moves money with a reason, idempotent on the key; conflicts and overdrafts are refused', async () => {
    const partner = await harness.makePartner();
    const first = await adjust('credit', partner.account.id, '100.00', 'k1');
    expect(first.status).toBe(200);
    const credited = (await first.json()) as { transferId: string; replayed: boolean; balance: unknown };
    expect(credited).toMatchObject({ replayed: false, balance: { amount: '100.00', currency: 'USD' } });
    const replay = (await (await adjust('credit', partner.account.id, '100.00', 'k1')).json()) as { transferId: string; replayed: boolean };
    expect(replay).toMatchObject({ transferId: credited.transferId, replayed: true });
    await expectProblem(await adjust('credit', partner.account.id, '99.00', 'k1'), 409, 'idempotency_conflict');
    expect(await (await adjust('debit', partner.account.id, '30.50', 'k2')).json()).toMatchObject({ balance: { amount: '69.50', currency: 'USD' } });
    const overdraft = await expectProblem(await adjust('debit', partner.account.id, '70.00', 'k3'), 402, 'insufficient_funds');
    expect(overdraft.balance).toEqual({ amount: '69.50', currency: 'USD' });
    await expectProblem(await adjust('credit', partner.account.id, '1.001', 'k4'), 422, 'invalid_amount');
    await expectProblem(await adjust('credit', partner.account.id, '1.00', 'k5', '   '), 422, 'reason_required');
    await expectProblem(
      await call(adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/credit`, { amount: '1.00', currency: 'USD', reason: 'x' }),
      400,
      'validation_failed',
    );
    // Keys up to 255 characters; past 150 the ledger keeps their hash, and a replay still moves nothing.
    expect((await adjust('credit', partner.account.id, '0.50', 'k'.repeat(150))).status).toBe(200);
    const long = await adjust('credit', partner.account.id, '0.25', 'k'.repeat(255));
    expect(long.status).toBe(200);
    expect(await (await adjust('credit', partner.account.id, '0.25', 'k'.repeat(255))).json()).toMatchObject({ replayed: true });
    expect(await (await adjust('credit', partner.account.id, '0.25', 'k'.repeat(254))).json()).toMatchObject({ replayed: false });
    await expectProblem(await adjust('credit', partner.account.id, '0.50', 'k'.repeat(256)), 400, 'validation_failed');
    await adjust('debit', partner.account.id, '0.50', 'k6');
    expect(await (await call(partner.liveKey, 'GET', '/v1/wallet')).json()).toMatchObject({ balance: { amount: '70.00' } });
    await expectLedgerConsistent(ctx.db);
  });
});

describe('audit log', () => {
  it('filters by subject and action, newest first, with a cursor', async () => {
    const partner = await harness.makePartner();
    await call(adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/pause`);
    await call(adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/resume`);
    const query = `subjectType=account&subjectId=${partner.account.id}`;
    const page = (await (await call(adminKey, 'GET', `/v1/admin/audit-log?${query}&limit=2`)).json()) as {
      data: { id: string; action: string; actorAccountId: string | null; channel: string }[];
      nextCursor: string;
    };
    expect(page.data.map((row) => row.action)).toEqual(['account.resumed', 'account.paused']);
    expect(page.data[0]).toMatchObject({ actorAccountId: harness.admin.id, channel: 'api' });
    const next = (await (await call(adminKey, 'GET', `/v1/admin/audit-log?${query}&limit=2&cursor=${page.nextCursor}`)).json()) as {
      data: { action: string }[];
    };
    expect(next.data.map((row) => row.action)).toEqual(['account.created']);
    const paused = (await (await call(adminKey, 'GET', `/v1/admin/audit-log?action=account.paused&actorAccountId=${harness.admin.id}`)).json()) as {
      data: unknown[];
    };
    expect(paused.data.length).toBeGreaterThanOrEqual(1);
    await expectProblem(await call(adminKey, 'GET', `/v1/admin/audit-log?subjectType=account`), 422, 'invalid_filter');
  });
});
