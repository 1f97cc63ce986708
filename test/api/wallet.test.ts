import { describe, expect, it } from 'vitest';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { expectLedgerConsistent } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;

const credit = (accountId: string, amount: string, key: string) =>
  call(harness.adminKey, 'POST', `/v1/admin/accounts/${accountId}/credit`, { amount, currency: 'USD', reason: 'test funding' }, { 'idempotency-key': key });

interface Page {
  data: { id: string; kind: string; amount: { amount: string; currency: string }; createdAt: string; transferId: string }[];
  nextCursor: string | null;
}

describe('wallet and transactions', () => {
  it('live and test keys see two separate wallets; money in one never shows in the other', async () => {
    const partner = await harness.makePartner();
    expect((await credit(partner.account.id, '100.00', 'live-1')).status).toBe(200);
    expect((await credit(partner.sandboxId, '5000.00', 'test-1')).status).toBe(200);
    const live = await (await call(partner.liveKey, 'GET', '/v1/wallet')).json();
    const test = await (await call(partner.testKey, 'GET', '/v1/wallet')).json();
    expect(live).toEqual({ accountId: partner.account.id, mode: 'live', balance: { amount: '100.00', currency: 'USD' }, lowBalanceThreshold: null });
    expect(test).toEqual({ accountId: partner.sandboxId, mode: 'test', balance: { amount: '5000.00', currency: 'USD' }, lowBalanceThreshold: null });
    await expectLedgerConsistent(ctx.db);
  });

  it('pages transactions newest first with a cursor', async () => {
    const partner = await harness.makePartner();
    for (let index = 1; index <= 5; index += 1) await credit(partner.account.id, `${index}.00`, `page-${index}`);
    const first = (await (await call(partner.liveKey, 'GET', '/v1/transactions?limit=2')).json()) as Page;
    expect(first.data.map((item) => item.amount.amount)).toEqual(['5.00', '4.00']);
    expect(first.data[0]).toMatchObject({ kind: 'manual_credit', amount: { currency: 'USD' } });
    expect(first.nextCursor).not.toBeNull();
    const second = (await (await call(partner.liveKey, 'GET', `/v1/transactions?limit=2&cursor=${first.nextCursor}`)).json()) as Page;
    expect(second.data.map((item) => item.amount.amount)).toEqual(['3.00', '2.00']);
    const third = (await (await call(partner.liveKey, 'GET', `/v1/transactions?limit=2&cursor=${second.nextCursor}`)).json()) as Page;
    expect(third.data.map((item) => item.amount.amount)).toEqual(['1.00']);
    expect(third.nextCursor).toBeNull();
    // The sandbox sees none of it.
    const sandbox = (await (await call(partner.testKey, 'GET', '/v1/transactions')).json()) as Page;
    expect(sandbox.data).toEqual([]);
    await expectLedgerConsistent(ctx.db);
  });

  it('refuses a bad cursor or limit with problem+json', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/transactions?cursor=abc'), 400, 'invalid_cursor');
    const invalid = await expectProblem(await call(partner.liveKey, 'GET', '/v1/transactions?limit=0&format=xml'), 400, 'validation_failed');
    expect((invalid.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['query.format', 'query.limit']);
  });

  it('exports the whole history as CSV (format=csv or Accept: text/csv)', async () => {
    const partner = await harness.makePartner();
    await credit(partner.account.id, '10.00', 'csv-1');
    await credit(partner.account.id, '0.50', 'csv-2');
    await call(
      harness.adminKey,
      'POST',
      `/v1/admin/accounts/${partner.account.id}/debit`,
      { amount: '2.25', currency: 'USD', reason: 'fee, "quoted"' },
      { 'idempotency-key': 'csv-3' },
    );
    const response = await call(partner.liveKey, 'GET', '/v1/transactions?format=csv&limit=1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    // No field of this export needs quoting (ids, times, kinds, amounts, codes), so lines split on commas.
    const [header, ...lines] = (await response.text()).trim().split('\n');
    expect(header).toBe('id,created_at,kind,amount,currency,transfer_id');
    const rows = lines.map((line) => line.split(','));
    expect(rows.every((row) => row.length === 6)).toBe(true);
    expect(rows.map((row) => [row[2], row[3], row[4]])).toEqual([
      ['manual_debit', '-2.25', 'USD'],
      ['manual_credit', '0.50', 'USD'],
      ['manual_credit', '10.00', 'USD'],
    ]);
    const viaAccept = await call(partner.liveKey, 'GET', '/v1/transactions', undefined, { accept: 'text/csv' });
    expect(viaAccept.headers.get('content-type')).toContain('text/csv');
    await expectLedgerConsistent(ctx.db);
  });
});
