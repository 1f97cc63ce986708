// The vendor view (API and CLI) against the simulator: Bamboo accounts and balances, the last
// catalog and FX syncs, the error rate after failing calls; and the low vendor balance alert, once
// per crossing.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { syncFxRates } from '../../src/domain/catalog/fx.ts';
import { money } from '../../src/shared/money.ts';
import type { Account } from '../../src/integrations/bamboo/index.ts';
import { alertAdminsOfLowVendorBalance } from '../../src/notifications/admin-alerts.ts';
import { checkVendorBalances, vendorCallRecorder, vendorErrorRate } from '../../src/ops/vendor.ts';
import { mswServer } from '../setup/msw.ts';
import { createApiHarness } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { queuedMessages } from '../support/bot.ts';
import { cliRunner } from '../support/cli.ts';

const harness = await createApiHarness({ env: { VENDOR_LOW_BALANCE_THRESHOLD: '500' } });
const { ctx, boss, call, adminKey, database } = harness;
const ADMIN_CHAT = 900000001; // the harness's admin

describe('vendor view', () => {
  it('shows Bamboo accounts, the last catalog and FX syncs and the error rate of the last hour', async () => {
    await ctx.db
      .insertInto('catalog_sync_runs')
      .values({
        kind: 'full',
        status: 'succeeded',
        started_at: new Date('2026-11-28T01:00:00Z'),
        finished_at: new Date('2026-11-28T01:02:00Z'),
        pages: 3,
        products_seen: 250,
        products_added: 250,
      })
      .execute();
    await ctx.db
      .insertInto('catalog_sync_runs')
      .values({
        kind: 'delta',
        status: 'failed',
        started_at: new Date('2026-11-28T02:00:00Z'),
        finished_at: new Date('2026-11-28T02:00:05Z'),
        errors: JSON.stringify([{ at: '2026-11-28T02:00:05Z', message: 'vendor unavailable' }]),
      })
      .execute();
    const fx = await syncFxRates({ db: ctx.db, vendor: ctx.vendor });

    const { clock } = mountSimulator();
    const client = simulatorClient({ onCall: vendorCallRecorder(ctx.db) });
    for (let i = 0; i < 3; i += 1) {
      await client.getAccounts();
      clock.advance(60_000); // past the simulator's own rate limit for accounts
    }
    mswServer.use(http.get('https://api.bamboocardportal.com/api/integration/v1.0/accounts', () => new HttpResponse('down', { status: 503 })));
    await expect(client.getAccounts()).rejects.toMatchObject({ code: 'vendor_unavailable' });
    mswServer.use(http.get('https://api.bamboocardportal.com/api/integration/v1.0/accounts', () => new HttpResponse('{"message":"no"}', { status: 400 })));
    await expect(client.getAccounts()).rejects.toThrow(); // our request refused: not a vendor failure
    expect(await vendorErrorRate(ctx.db)).toEqual({ calls: 5, failures: 1, rate: 0.2 });

    const view = (await (await call(adminKey, 'GET', '/v1/admin/ops/vendor')).json()) as Record<string, unknown>;
    expect(view.accounts).toEqual([
      { id: 555, balance: { amount: '100828.48', currency: 'USD' }, isActive: true, sandboxMode: true },
      { id: 556, balance: { amount: '5000.00', currency: 'EUR' }, isActive: true, sandboxMode: true },
      { id: 557, balance: { amount: '1000.00', currency: 'USD' }, isActive: false, sandboxMode: true },
    ]);
    expect(view.accountsError).toBeNull();
    expect(view.syncs).toEqual([
      expect.objectContaining({ kind: 'catalog.delta', status: 'failed', error: 'vendor unavailable', finishedAt: '2026-11-28T02:00:05.000Z' }),
      expect.objectContaining({ kind: 'catalog.full', status: 'succeeded', counts: { pages: 3, seen: 250, added: 250, changed: 0, removed: 0 }, error: null }),
      expect.objectContaining({ kind: 'fx', status: 'succeeded', counts: { rates: fx.stored } }),
    ]);
    expect(fx.stored).toBeGreaterThan(0);
    expect(view.errorRate).toEqual({ calls: 5, failures: 1, rate: 0.2 });
  });

  it('the CLI shows the same view', async () => {
    const view = await cliRunner(database.url)('ops', 'vendor');
    expect(view.accounts.map((account: { id: number }) => account.id)).toEqual([555, 556, 557]);
    expect(view.syncs.map((run: { kind: string }) => run.kind)).toEqual(['catalog.delta', 'catalog.full', 'fx']);
  });
});

describe('low vendor balance alert', () => {
  it('alerts the admins once per crossing, again after the balance was back above', async () => {
    let balances: Record<number, string> = { 1: '1000.00', 2: '800.00' };
    const vendor = {
      getAccounts: async (): Promise<Account[]> =>
        Object.entries(balances).map(([id, amount]) => ({
          id: Number(id),
          balance: money(BigInt(Math.round(Number(amount) * 100)), 'USD'),
          isActive: true,
          sandboxMode: false,
        })),
    };
    const check = () => checkVendorBalances({ ...ctx, vendor }, (accounts, threshold) => alertAdminsOfLowVendorBalance(ctx, accounts, threshold));
    const alerts = async () =>
      (await queuedMessages(boss, ADMIN_CHAT)).filter((message) => 'key' in message.text && message.text.key === 'vendor-low-balance-alert');

    expect((await check()).alerted).toEqual([]);
    balances = { 1: '400.00', 2: '800.00' };
    expect((await check()).alerted.map((account) => account.id)).toEqual([1]);
    balances = { 1: '300.00', 2: '800.00' };
    expect(await check()).toMatchObject({ low: [expect.objectContaining({ id: 1 })], alerted: [] }); // still low: no second alert
    balances = { 1: '600.00', 2: '800.00' };
    await check();
    balances = { 1: '450.00', 2: '100.00' };
    expect((await check()).alerted.map((account) => account.id)).toEqual([1, 2]);

    expect((await alerts()).map((message) => message.text)).toEqual([
      { key: 'vendor-low-balance-alert', vars: { accounts: '#1: 400.00 USD', threshold: '500' } },
      { key: 'vendor-low-balance-alert', vars: { accounts: '#1: 450.00 USD, #2: 100.00 USD', threshold: '500' } },
    ]);
  });
});
