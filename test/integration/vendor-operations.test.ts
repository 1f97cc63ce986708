// Operating the vendor, through the real order engine and the test database's simulator (docs/orders.md,
// Vendor operations): the float-aware intake (exact under concurrent batches, replays still answered,
// admins warned), sales pauses, the breaker (open on repeated 5xx, orders wait and resume, deadline
// counts, admins told), and our callback's registration and daily check.
import { sql } from 'kysely';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { placeWithVendor } from '../../src/domain/orders/fulfilment.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { orderPlaceQueue } from '../../src/domain/orders/queues.ts';
import { handleVendorCallback } from '../../src/domain/orders/reconciliation.ts';
import { floatViews, refreshVendorFloat, takeFloat, type FloatTaken } from '../../src/domain/vendor/float.ts';
import { checkVendorCallback, registerVendorCallback, showVendorCallback } from '../../src/domain/vendor/notifications.ts';
import { pauseSales, resumeSales } from '../../src/domain/vendor/sales-pauses.ts';
import { SIMULATOR_ACCOUNT_ID, simulatorOf } from '../../src/integrations/bamboo/index.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount, formatMoney, parseMoney } from '../../src/shared/money.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { insertProduct } from '../support/catalog.ts';
import { cliRunner } from '../support/cli.ts';
import { createTestContext } from '../support/context.ts';
import { deliverRecordedEvents } from '../support/events.ts';
import { balance, expectDomainError, expectLedgerConsistent, fund, makeAccount, operator } from '../support/money.ts';
import { mswServer } from '../setup/msw.ts';
import { backdateOrder, expectOrderMoneyConserved, queuedFor } from '../support/orders.ts';

const CALLBACK_SECRET = 'vendor-ops-callback-secret';
const heard: DomainEvent[] = [];
const test = await createTestContext({
  env: {
    VENDOR_BREAKER_FAILURES: '3',
    VENDOR_BREAKER_WINDOW_SECONDS: '30',
    VENDOR_BREAKER_COOLDOWN_SECONDS: '1',
    PUBLIC_URL: 'https://steller.example',
    BAMBOO_CALLBACK_SECRET: CALLBACK_SECRET,
  },
  ports: { eventSinks: () => [async (event) => void heard.push(event)] },
});
const { ctx } = test;
const { db } = ctx;
const simulator = simulatorOf(db);
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await insertProduct(db, { id: SIM_PRODUCTS.limitedStock, minFace: 1000n, costMin: 950n });

/** An amount in USD, plus `extra` minor units. */
const usd = (value: string, extra = 0n) => {
  const parsed = parseMoney(value, 'USD');
  return { ...parsed, amount: parsed.amount + extra };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let references = 0;

async function buyer(amount = '100.00') {
  const account = await makeAccount(db, 'partner');
  await fund(db, account, amount);
  return account;
}

function order(account: { id: string }, options: { ref?: string; productId?: number; context?: typeof ctx } = {}) {
  return createOrder(options.context ?? ctx, {
    buyerId: account.id,
    actor: accountActor(account.id, 'api'),
    clientReference: options.ref ?? `vendor-ops-${(references += 1)}`,
    productId: options.productId ?? SIM_PRODUCTS.steam10,
    face: usd('10.00'),
    quantity: 1,
  });
}

/** The events recorded since the last call, delivered to the sink. */
async function newEvents(): Promise<DomainEvent[]> {
  heard.length = 0;
  await deliverRecordedEvents(test, ctx);
  return [...heard];
}

/** Sets the simulator account's balance and refreshes our view of it. */
async function vendorBalance(amount: string) {
  await simulator.setBalance(SIMULATOR_ACCOUNT_ID, amount);
  await refreshVendorFloat(ctx);
}

describe('vendor operations', () => {
  it('float-aware intake: concurrent batches in two processes take exactly what the float covers; the rest is refused before any hold', async () => {
    await vendorBalance('30.00'); // three cards at 9.47, not four
    const buyers = await Promise.all(Array.from({ length: 8 }, () => buyer('20.00')));
    // Two contexts: two batchers, so their batches are written in separate transactions at once.
    const other = createAppContext({ ...ctx, state: createMemoryState() });
    const answers = await Promise.allSettled(buyers.map((account, n) => order(account, { context: n % 2 === 0 ? ctx : other })));
    const accepted = answers.filter((answer) => answer.status === 'fulfilled');
    const refused = answers.flatMap((answer) => (answer.status === 'rejected' ? [answer.reason as { code: string; details: Record<string, unknown> }] : []));
    expect(accepted).toHaveLength(3);
    expect(refused.map((error) => error.code)).toEqual(Array(5).fill('vendor_float_exhausted'));
    expect(refused[0]?.details.retryAfterSeconds).toBe(60);
    // No money held for a refused order; the accepted ones hold theirs.
    const balances = await Promise.all(buyers.map((account) => balance(db, account)));
    expect(balances.filter((value) => value === '20.00')).toHaveLength(5);
    expect(balances.filter((value) => value === '10.00')).toHaveLength(3);
    // The reservations were replaced by the held orders at each commit: none is left.
    expect(await db.selectFrom('vendor_float_reservations').selectAll().execute()).toEqual([]);
    const [live] = await floatViews(db);
    expect(formatMoney(live!.held)).toBe('28.41 USD');
    expect(formatMoney(live!.left)).toBe('1.59 USD');

    // A replay of an accepted order is answered with its order, though the float is gone.
    const first = accepted[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof order>>>;
    const owner = buyers.find((account) => account.id === first.value.order.buyerId)!;
    const replay = await order(owner, { ref: first.value.order.clientReference });
    expect(replay).toMatchObject({ created: false, order: { id: first.value.order.id } });

    // Bought: the order moves from held to bought, the float left stays the same until Bamboo's
    // newer balance is read, which then counts it once.
    expect(await placeWithVendor(ctx, first.value.order.id)).toBe('placed');
    expect(formatMoney((await floatViews(db))[0]!.left)).toBe('1.59 USD');
    await refreshVendorFloat(ctx);
    const after = (await floatViews(db))[0]!;
    expect(formatMoney(after.balance)).toBe('20.53 USD');
    expect(formatMoney(after.left)).toBe('1.59 USD');

    // Admins are told once, before orders are refused for good: 1.59 USD is about 4 h of the day's sales.
    const told = (await newEvents()).filter((event) => event.type === 'vendor.float_low');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ currency: 'USD', thresholdHours: 12 });
    await refreshVendorFloat(ctx);
    expect((await newEvents()).filter((event) => event.type === 'vendor.float_low')).toHaveLength(0);

    // A reservation its intake never deleted (the process died) stops counting after 5 minutes and is swept.
    await db
      .insertInto('vendor_float_reservations')
      .values({ book: 'live', currency: 'USD', amount_minor: 100n, created_at: new Date(Date.now() - 600_000) })
      .execute();
    expect(formatMoney((await floatViews(db))[0]!.left)).toBe('1.59 USD');
    await refreshVendorFloat(ctx);
    expect(await db.selectFrom('vendor_float_reservations').selectAll().execute()).toEqual([]);

    // Topped up: orders are accepted again.
    await vendorBalance('1000.00');
    expect((await order(await buyer())).created).toBe(true);
    await expectLedgerConsistent(db);
  });

  it('the float step waits for a batch in flight and then sees its reservation: never two takers of the last of it', async () => {
    // 10.00 USD left beside what earlier orders hold: one card at 9.47, not two.
    await vendorBalance('1000.00');
    const { held } = (await floatViews(db))[0]!;
    await vendorBalance(formatAmount(usd('10.00', held.amount)));
    const demand = [{ book: 'live' as const, cost: usd('9.47') }];
    let second: Promise<FloatTaken> | undefined;
    let secondDone = false;
    await db.transaction().execute(async (trx) => {
      // A batch took the float and has not committed yet (its lock is held until it does).
      expect((await takeFloat(trx, demand)).covered).toEqual([true]);
      second = takeFloat(db, demand).finally(() => (secondDone = true));
      await sleep(300);
      expect(secondDone).toBe(false);
    });
    const taken = await second!;
    expect(taken).toEqual({ covered: [false], reservations: [] });
    await db.deleteFrom('vendor_float_reservations').execute();
    await vendorBalance('1000.00');
  });

  it('sales pauses: all sales, a product, a brand; refused at intake, accepted orders finish, audited, admins told', async () => {
    const partner = await buyer();
    const admin = accountActor((await makeAccount(db, 'admin')).id, 'api');
    const accepted = (await order(partner)).order;

    await expectDomainError(pauseSales(ctx, accountActor(partner.id, 'api'), { scope: 'all', reason: 'no' }), 'forbidden');
    await expectDomainError(pauseSales(ctx, admin, { scope: 'product', target: '123', reason: 'gone' }), 'invalid_sales_pause');
    await expectDomainError(pauseSales(ctx, admin, { scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: '  ' }), 'invalid_sales_pause');

    const paused = await pauseSales(ctx, admin, { scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: 'codes reported invalid' });
    expect(paused.created).toBe(true);
    expect((await pauseSales(ctx, admin, { scope: 'product', target: String(SIM_PRODUCTS.steam10), reason: 'again' })).created).toBe(false);
    const refusal = await expectDomainError(order(partner), 'sales_paused');
    expect(refusal.message).toContain('codes reported invalid');
    expect((await order(partner, { productId: SIM_PRODUCTS.range })).created).toBe(true);
    // The order accepted before the pause is bought as usual.
    expect(await placeWithVendor(ctx, accepted.id)).toBe('placed');

    const brand = (await db.selectFrom('catalog_products').select('brand_key').where('id', '=', BigInt(SIM_PRODUCTS.range)).executeTakeFirstOrThrow())
      .brand_key;
    await pauseSales(ctx, operator, { scope: 'brand', target: brand, reason: 'brand review' });
    await expectDomainError(order(partner, { productId: SIM_PRODUCTS.range }), 'sales_paused');
    await pauseSales(ctx, admin, { scope: 'all', reason: 'vendor incident' });
    expect(await resumeSales(ctx, admin, { scope: 'product', target: String(SIM_PRODUCTS.steam10) })).toBe(true);
    await expectDomainError(order(partner), 'sales_paused'); // all sales still paused
    expect(await resumeSales(ctx, admin, { scope: 'all' })).toBe(true);
    expect(await resumeSales(ctx, admin, { scope: 'all' })).toBe(false);
    expect(await resumeSales(ctx, operator, { scope: 'brand', target: brand })).toBe(true);
    expect((await order(partner)).created).toBe(true);

    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_account_id'])
      .where('action', 'in', ['sales.paused', 'sales.resumed'])
      .orderBy('id')
      .execute();
    expect(audit.map((row) => row.action)).toEqual(['sales.paused', 'sales.paused', 'sales.paused', 'sales.resumed', 'sales.resumed', 'sales.resumed']);
    const told = (await newEvents()).filter((event) => event.type === 'sales.paused');
    expect(told).toHaveLength(6);
    expect(told[0]).toMatchObject({ action: 'paused', scope: 'product', reason: 'codes reported invalid' });
  });

  it('the breaker: repeated 5xx open it, orders wait and resume by themselves, the deadline counts, admins told on open and close', async () => {
    const partner = await buyer();
    // A product of its own for `first`: the Steam card's checkouts of the earlier tests have it paced now (docs/orders.md, Coalescing).
    const own = { productId: SIM_PRODUCTS.limitedStock };
    const [first, second, late] = [
      (await order(partner, own)).order,
      (await order(partner, { productId: SIM_PRODUCTS.range })).order,
      // Not `first`'s product: it would be bought with `first` once that waited for a turn.
      (await order(partner)).order,
    ];
    await simulator.setOutage(2_500);
    await newEvents();

    // The first placement meets the outage: unknown, retried later; its failed calls open the breaker.
    while ((await ctx.vendorBreaker.view()).state !== 'open') await expect(placeWithVendor(ctx, first.id)).rejects.toThrow(/unknown|could not say/);
    expect((await newEvents()).filter((event) => event.type === 'vendor.breaker')).toEqual([
      { type: 'vendor.breaker', state: 'open', failures: 3, windowSeconds: 30 },
    ]);

    // While open, placements wait without calling Bamboo: a new place job after the cool-down.
    const calls = simulator.requestCount;
    const queued = await queuedFor(test, orderPlaceQueue, second.id);
    expect(await placeWithVendor(ctx, second.id)).toBe('waiting_for_vendor');
    expect(simulator.requestCount).toBe(calls);
    expect((await db.selectFrom('orders').select('status').where('id', '=', second.id).executeTakeFirstOrThrow()).status).toBe('pending');
    expect(await queuedFor(test, orderPlaceQueue, second.id)).toBe(queued + 1);

    // The deadline counts: an order never sent by then gets its money back.
    await backdateOrder(db, late.id, new Date(Date.now() - 3_600_000));
    await sql`update orders set deadline_at = now() - interval '1 second' where id = ${late.id}`.execute(db);
    expect(await placeWithVendor(ctx, late.id)).toBe('failed');
    expect((await db.selectFrom('orders').select(['status', 'failure_reason']).where('id', '=', late.id).executeTakeFirstOrThrow()).failure_reason).toBe(
      'vendor_unavailable',
    );

    // A worker killed while placing `first` left its lease (its job's id) for ten minutes. That job's
    // retry meets the open breaker and waits as a new job: the lease must go with it, or the new job
    // would find the order "with another worker" until the lease ran out.
    await sql`update orders set vendor_lease_token = 'job-killed-mid-call', vendor_lease_until = now() + interval '10 minutes' where id = ${first.id}`.execute(
      db,
    );
    expect(await placeWithVendor(ctx, first.id, 'job-killed-mid-call')).toBe('waiting_for_vendor');

    // The vendor is back and the cool-down over: one probe goes, its answer closes the breaker.
    await sleep(2_600);
    expect(await placeWithVendor(ctx, second.id)).toBe('placed');
    expect((await ctx.vendorBreaker.view()).state).toBe('closed');
    expect(await placeWithVendor(ctx, first.id)).toBe('placed');
    expect((await newEvents()).filter((event) => event.type === 'vendor.breaker').map((event) => (event as { state: string }).state)).toEqual(['closed']);
    await expectOrderMoneyConserved(db, [first.id, second.id, late.id]);
  });

  it('our callback: registered from configuration, read back, and the daily check alerts on a difference or silence', async () => {
    // Where the simulator now sends its callbacks: our handler, as the api would run it.
    mswServer.use(
      http.post('https://steller.example/bamboo/callback', async ({ request }) => HttpResponse.json(await handleVendorCallback(ctx, await request.json()))),
    );
    const stored = await registerVendorCallback(ctx, operator);
    expect(stored).toEqual({
      notificationUrl: 'https://steller.example/bamboo/callback',
      notificationUrlSandbox: 'https://steller.example/bamboo/callback',
      secretKey: CALLBACK_SECRET,
    });
    expect((await showVendorCallback(ctx, operator)).differences).toEqual([]);
    const audit = await db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'vendor.notification_set').executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.after)).not.toContain(CALLBACK_SECRET);

    // Orders Bamboo finished on a day, one of them called back: the check is quiet.
    const day = new Date().toISOString().slice(0, 10);
    const partner = await buyer();
    const finished = [(await order(partner)).order, (await order(partner)).order];
    for (const [n, one] of finished.entries()) {
      await sql`update orders set status = 'completed', vendor_order_id = ${900_000 + n}, vendor_request_id = gen_random_uuid(), finished_at = now() where id = ${one.id}`.execute(
        db,
      );
    }
    const requestId = (await db.selectFrom('orders').select('vendor_request_id').where('id', '=', finished[0]!.id).executeTakeFirstOrThrow())
      .vendor_request_id!;
    // Recorded on arrival (a completed order's callback changes nothing else).
    expect(await handleVendorCallback(ctx, { requestId, status: 'Succeeded', secretKey: CALLBACK_SECRET, orderId: 1, totalCards: 1 })).toEqual({
      ok: true,
      orderId: finished[0]!.id,
    });
    expect(await checkVendorCallback(ctx, day)).toMatchObject({ finished: 2, calledBack: 1, problems: [], alerted: false });

    // Someone changed the registration at Bamboo, and no callback came: told once for the day.
    await sql`update orders set vendor_callback_at = null`.execute(db);
    await ctx.vendor.setNotificationSettings({ notificationUrl: 'https://old.example/cb', secretKey: CALLBACK_SECRET });
    const check = await checkVendorCallback(ctx, day);
    expect(check.problems).toEqual([
      'notification URL is https://old.example/cb, expected https://steller.example/bamboo/callback',
      `no callback arrived for the 2 orders Bamboo finished on ${day}`,
    ]);
    expect(check.alerted).toBe(true);
    expect((await checkVendorCallback(ctx, day)).alerted).toBe(false);
    const told = (await newEvents()).filter((event) => event.type === 'vendor.callback_problem');
    expect(told).toHaveLength(1);
  });

  it('the operator CLI: sales pause/pauses/resume, vendor float --refresh, vendor notifications set/show, simulator-state', async () => {
    const steller = cliRunner(test.database.url, { PUBLIC_URL: 'https://steller.example', BAMBOO_CALLBACK_SECRET: CALLBACK_SECRET });
    const paused = await steller('sales', 'pause', '--product', String(SIM_PRODUCTS.steam10), '--reason', 'recall');
    expect(paused).toMatchObject({ scope: 'product', target: String(SIM_PRODUCTS.steam10), created: true, pausedBy: null });
    expect(await steller('sales', 'pauses')).toEqual([expect.objectContaining({ reason: 'recall' })]);
    await expectDomainError(order(await buyer()), 'sales_paused');
    expect(await steller('sales', 'resume', '--product', String(SIM_PRODUCTS.steam10))).toEqual({ resumed: true });
    expect(
      (await db.selectFrom('audit_log').select('channel').where('action', '=', 'sales.resumed').orderBy('id', 'desc').executeTakeFirstOrThrow()).channel,
    ).toBe('cli');

    expect(await steller('simulator-state', 'balance', '--account', String(SIMULATOR_ACCOUNT_ID), '--amount', '777.00')).toEqual({
      account: SIMULATOR_ACCOUNT_ID,
      balance: '777.00',
    });
    const floats = (await steller('vendor', 'float', '--refresh')) as { book: string; balance: unknown }[];
    expect(floats).toEqual([expect.objectContaining({ book: 'live', balance: { amount: '777.00', currency: 'USD' } })]);

    expect(await steller('vendor', 'notifications', 'set')).toEqual({
      notificationUrl: 'https://steller.example/bamboo/callback',
      notificationUrlSandbox: 'https://steller.example/bamboo/callback',
    });
    const shown = await steller('vendor', 'notifications', 'show');
    expect(shown).toMatchObject({ secretSet: true, differences: [] });
    expect(JSON.stringify(shown)).not.toContain(CALLBACK_SECRET);
  });
});
