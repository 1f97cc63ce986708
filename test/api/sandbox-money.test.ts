// Test money never mixes with real money (issue 14): sandbox funds, sandbox orders' holds,
// settlements and refunds use the sandbox system accounts only, and the admins' platform totals and
// daily summary count real money only. Real PostgreSQL, the order engine with the simulator, every
// answer checked against the served OpenAPI document; each test ends with the ledger invariants.
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { creditWallet } from '../../src/domain/funding/manual.ts';
import { systemAccountId, walletId } from '../../src/domain/ledger/ledger.ts';
import { dailySummary } from '../../src/domain/orders/summary.ts';
import { type ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createApiHarness } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { expectLedgerConsistent, fund } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { signupClient, signupInput, type SignupBody } from '../support/signup.ts';

const harness = await createApiHarness({ env: { SIGNUP_SANDBOX_FUNDS: '300.00' } });
const { ctx, call, adminKey } = harness;
const { db } = ctx;
const signup = await signupClient(harness);
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });

let clock: ManualClock;
beforeEach(() => {
  clock = mountSimulator({ rateLimits: false }).clock;
  ctx.vendor = simulatorClient({ clock });
});

const steam = (quantity: number) => ({ productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity });
const outOfStock = { productId: String(SIM_PRODUCTS.outOfStock), faceValue: { amount: '25.00', currency: 'USD' }, quantity: 1 };

async function driveToCompletion() {
  await runDueJobs(harness, ctx, orderPlaceQueue);
  clock.advance(1500);
  await runDueJobs(harness, ctx, orderPollQueue);
}

/** Every system account's balance (the sum of its entries), by id. */
async function systemBalances(): Promise<Map<string, bigint>> {
  const rows = await sql<{ id: string; balance: string }>`
    select la.id, coalesce(sum(e.amount), 0)::text as balance
    from ledger_accounts la left join entries e on e.ledger_account_id = la.id
    where la.kind = 'system' group by la.id`.execute(db);
  return new Map(rows.rows.map((row) => [row.id, BigInt(row.balance)]));
}
const isSandboxSystem = (id: string) => id.startsWith('system:sandbox_');
/** The real system accounts that hold anything (an account not created yet holds nothing either). */
const realOnly = (balances: Map<string, bigint>) =>
  [...balances].filter(([id, balance]) => !isSandboxSystem(id) && balance !== 0n).sort(([a], [b]) => a.localeCompare(b));

/** The ledger accounts each transfer of these orders touched. */
async function accountsTouchedByOrders(orderIds: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('entries')
    .innerJoin('transfers', 'transfers.id', 'entries.transfer_id')
    .select('entries.ledger_account_id')
    .distinct()
    .where(sql<string>`transfers.metadata->>'orderId'`, 'in', orderIds)
    .execute();
  return rows.map((row) => row.ledger_account_id).sort();
}

describe('sandbox money stays in the sandbox book', () => {
  it('signup sandbox funds come from sandbox adjustments; real system accounts do not move', async () => {
    const before = await systemBalances();
    const response = await signup(signupInput());
    expect(response.status).toBe(201);
    const body = (await response.json()) as SignupBody;
    expect(body.sandboxBalance).toEqual({ amount: '300.00', currency: 'USD' });

    const credit = await db
      .selectFrom('entries')
      .innerJoin('transfers', 'transfers.id', 'entries.transfer_id')
      .select(['entries.ledger_account_id', 'entries.amount'])
      .where('transfers.idempotency_key', '=', `manual:signup:sandbox-funds:${body.sandboxAccountId}`)
      .orderBy('entries.amount')
      .execute();
    expect(credit).toEqual([
      { ledger_account_id: systemAccountId('sandbox_adjustments', 'USD'), amount: -30000n },
      { ledger_account_id: walletId(body.sandboxAccountId), amount: 30000n },
    ]);
    const after = await systemBalances();
    expect(realOnly(after)).toEqual(realOnly(before));
    expect(after.get(systemAccountId('sandbox_adjustments', 'USD'))).toBe((before.get(systemAccountId('sandbox_adjustments', 'USD')) ?? 0n) - 30000n);
    await expectLedgerConsistent(db);
  });

  it("an admin's credit of a sandbox wallet is test money too; a live wallet's is real", async () => {
    const partner = await harness.makePartner();
    const before = await systemBalances();
    await creditWallet(db, harness.adminActor, {
      accountId: partner.sandboxId,
      amount: parseMoney('40.00', 'USD'),
      reason: 'more test money',
      idempotencyKey: 'sandbox-top-up',
    });
    expect(realOnly(await systemBalances())).toEqual(realOnly(before));
    await creditWallet(db, harness.adminActor, {
      accountId: partner.account.id,
      amount: parseMoney('5.00', 'USD'),
      reason: 'goodwill',
      idempotencyKey: 'live-credit',
    });
    const after = await systemBalances();
    expect(after.get(systemAccountId('adjustments', 'USD'))).toBe((before.get(systemAccountId('adjustments', 'USD')) ?? 0n) - 500n);
    expect(after.get(systemAccountId('sandbox_adjustments', 'USD'))).toBe((before.get(systemAccountId('sandbox_adjustments', 'USD')) ?? 0n) - 4000n);
    await expectLedgerConsistent(db);
  });

  it('sandbox orders hold, settle and refund in sandbox system accounts; live orders of the same partner in the real ones', async () => {
    const partner = await harness.makePartner();
    await creditWallet(db, harness.adminActor, {
      accountId: partner.sandboxId,
      amount: parseMoney('100.00', 'USD'),
      reason: 'test money',
      idempotencyKey: 'sandbox-orders',
    });
    await fund(db, partner.account, '100.00');
    const before = await systemBalances();

    const completed = (await (await call(partner.testKey, 'POST', '/v1/orders', steam(2))).json()) as { id: string };
    const failed = (await (await call(partner.testKey, 'POST', '/v1/orders', outOfStock)).json()) as { id: string };
    await driveToCompletion();
    const statuses = await db
      .selectFrom('orders')
      .select(['id', 'status', 'sandbox', 'vendor_total_minor'])
      .where('id', 'in', [completed.id, failed.id])
      .execute();
    expect(statuses.map((row) => [row.id, row.status, row.sandbox]).sort()).toEqual(
      [
        [completed.id, 'completed', true],
        [failed.id, 'failed', true],
      ].sort(),
    );
    expect(await accountsTouchedByOrders([completed.id, failed.id])).toEqual(
      [
        systemAccountId('sandbox_order_clearing', 'USD'),
        systemAccountId('sandbox_revenue', 'USD'),
        systemAccountId('sandbox_vendor_payable', 'USD'),
        walletId(partner.sandboxId),
      ].sort(),
    );
    const afterSandbox = await systemBalances();
    expect(realOnly(afterSandbox)).toEqual(realOnly(before));
    // The sandbox book adds up: clearing back to where it was, the simulator's charge owed, the margin kept.
    const change = (id: string) => (afterSandbox.get(id) ?? 0n) - (before.get(id) ?? 0n);
    const vendorCharge = statuses.find((row) => row.id === completed.id)?.vendor_total_minor as bigint;
    expect(change(systemAccountId('sandbox_order_clearing', 'USD'))).toBe(0n);
    expect(change(systemAccountId('sandbox_vendor_payable', 'USD'))).toBe(vendorCharge);
    expect(change(systemAccountId('sandbox_vendor_payable', 'USD')) + change(systemAccountId('sandbox_revenue', 'USD'))).toBe(2000n);

    // The same partner's live order: real clearing, vendor payable and revenue.
    const live = (await (await call(partner.liveKey, 'POST', '/v1/orders', steam(1))).json()) as { id: string };
    await driveToCompletion();
    expect(await accountsTouchedByOrders([live.id])).toEqual(
      [
        systemAccountId('order_clearing', 'USD'),
        systemAccountId('revenue', 'USD'),
        systemAccountId('vendor_payable', 'USD'),
        walletId(partner.account.id),
      ].sort(),
    );
    await expectOrderMoneyConserved(db, [completed.id, failed.id, live.id]);
  });
});

describe('platform totals and the daily summary count real money only', () => {
  it('GET /v1/admin/metrics and the daily summary leave sandbox orders and wallets out', async () => {
    const partner = await harness.makePartner();
    await creditWallet(db, harness.adminActor, {
      accountId: partner.sandboxId,
      amount: parseMoney('500.00', 'USD'),
      reason: 'test money',
      idempotencyKey: 'sandbox-metrics',
    });
    await fund(db, partner.account, '50.00');
    // Sandbox: one completed order and one left open; live: one completed order.
    await call(partner.testKey, 'POST', '/v1/orders', steam(3));
    await driveToCompletion();
    await call(partner.testKey, 'POST', '/v1/orders', steam(1));
    await call(partner.liveKey, 'POST', '/v1/orders', steam(1));
    await runDueJobs(harness, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(harness, ctx, orderPollQueue);
    const live = await db.selectFrom('orders').select(['id', 'status']).where('buyer_id', '=', partner.account.id).execute();
    expect(live.map((row) => row.status)).toEqual(['completed']);

    // What real money looks like, from the rows themselves.
    const real = await sql<{ wallets: string; charged: string; orders: string; open: string; sandbox_wallets: string; sandbox_orders: string }>`
      select
        (select sum(balance) from ledger_accounts where kind = 'wallet' and account_id not in (select sandbox_account_id from api_sandbox_accounts))::text as wallets,
        (select sum(balance) from ledger_accounts where kind = 'wallet' and account_id in (select sandbox_account_id from api_sandbox_accounts))::text as sandbox_wallets,
        (select coalesce(sum(unit_price_minor * coalesce(cards_delivered, 0)), 0) from orders where not sandbox)::text as charged,
        (select count(*) from orders where not sandbox)::text as orders,
        (select count(*) from orders where sandbox)::text as sandbox_orders,
        (select count(*) from orders where not sandbox and status in ('pending', 'placing', 'processing'))::text as open`.execute(db);
    const expected = real.rows[0]!;
    // The sandbox holds money and orders here, so leaving it out changes every figure below.
    expect(BigInt(expected.sandbox_wallets)).toBeGreaterThan(0n);
    expect(Number(expected.sandbox_orders)).toBeGreaterThan(0);
    const cents = (amount: string) => (BigInt(amount) === 0n ? [] : [{ amount: (Number(amount) / 100).toFixed(2), currency: 'USD' }]);

    const response = await call(adminKey, 'GET', '/v1/admin/metrics');
    expect(response.status).toBe(200);
    const metrics = (await response.json()) as {
      walletBalances: { amount: string; currency: string }[];
      chargedLast24h: { amount: string; currency: string }[];
      ordersLast24h: { status: string; count: number }[];
      openOrders: { count: number };
    };
    expect(metrics.walletBalances).toEqual(cents(expected.wallets));
    expect(metrics.chargedLast24h).toEqual(cents(expected.charged));
    expect(metrics.ordersLast24h.reduce((sum, row) => sum + row.count, 0)).toBe(Number(expected.orders));
    expect(metrics.openOrders.count).toBe(Number(expected.open));

    const summary = await dailySummary(ctx, new Date().toISOString().slice(0, 10));
    expect(summary.orders).toBe(Number(expected.orders));
    expect(summary.open).toBe(Number(expected.open));
    expect(summary.gmv).toEqual(cents(expected.charged).map((amount) => `${amount.amount} USD`));
    await expectLedgerConsistent(db);
  });
});
