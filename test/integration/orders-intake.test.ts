// Order intake on real PostgreSQL: idempotent creates, every refusal before any hold (funds, paused
// accounts up the tree, price limits, risk limits), batched concurrent creates with one-by-one
// answers, the caller's transaction, a failing batch, risk monitoring. Every scenario ends with the
// money check.
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { createAppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { addAdmin, setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { failOrder } from '../../src/domain/orders/fulfilment.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { setRiskLimits } from '../../src/domain/orders/risk.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderPlaceQueue } from '../../src/domain/orders/queues.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { balance, expectDomainError, fund, makeAccount, makeTree, operator } from '../support/money.ts';
import { backdateOrder, expectOrderMoneyConserved, queuedFor } from '../support/orders.ts';
import { createOrderEngineTest, usd } from '../support/order-engine.ts';
import { deliverRecordedEvents } from '../support/events.ts';

const { test, ctx, db, riskAlerts, vendor, buyer, order } = await createOrderEngineTest();

describe('order intake', () => {
  it('100 concurrent creates with the same reference: one order, one hold', async () => {
    vendor();
    const account = await buyer();
    const results = await Promise.all(Array.from({ length: 100 }, () => order(account, { ref: 'same-ref', quantity: 2 })));
    expect(new Set(results.map((result) => result.order.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await balance(db, account)).toBe('80.00');
    await expectDomainError(order(account, { ref: 'same-ref', quantity: 3 }), 'idempotency_conflict');
    await expectOrderMoneyConserved(db, [results[0]!.order.id]);
  });

  it('refuses before any hold: quantity, funds, paused buyer, maxPrice, profit guard', async () => {
    vendor();
    const account = await buyer('15.00');
    await expectDomainError(order(account, { quantity: 0 }), 'invalid_quantity');
    await expectDomainError(order(account, { quantity: 501 }), 'invalid_quantity');
    await expectDomainError(order(account, { quantity: 2 }), 'insufficient_funds');
    await expectDomainError(order(account, { maxTotal: '9.99' }), 'max_price_exceeded');
    await expectDomainError(order(account, { productId: 404 }), 'product_not_found');
    // Ids the database could not read are refused before the batch, so they cannot fail the others in it.
    await expectDomainError(order(account, { productId: 1.5 }), 'product_not_found');
    await expectDomainError(order(account, { productId: 2 ** 64 }), 'product_not_found');
    const markdown = await createPricePlan(db, operator, { name: 'loss-making 10%', defaultDiscountBps: 1000 });
    await assignPricePlan(db, operator, { accountId: account.id }, markdown.id);
    await expectDomainError(order(account), 'profit_guard');
    expect(await balance(db, account)).toBe('15.00');
    expect(await db.selectFrom('orders').select('id').where('buyer_id', '=', account.id).execute()).toEqual([]);
    await expectOrderMoneyConserved(db, []);
  });

  it('a paused buyer, a paused agent above a sub-agent, a paused partner two levels up, an admin: refused before any hold', async () => {
    vendor();
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '50.00');
    await setAccountStatus(db, operator, sub.id, 'paused');
    await expectDomainError(order(sub), 'account_paused');
    await setAccountStatus(db, operator, sub.id, 'active');
    await setAccountStatus(db, operator, agent.id, 'paused');
    await expectDomainError(order(sub), 'parent_paused');
    await setAccountStatus(db, operator, agent.id, 'active');

    const partner = await makeAccount(db, 'partner');
    const partnerAgent = await makeAccount(db, 'agent', partner);
    const partnerSub = await makeAccount(db, 'sub_agent', partnerAgent);
    await fund(db, partnerSub, '50.00');
    await setAccountStatus(db, operator, partner.id, 'paused');
    await expectDomainError(order(partnerSub), 'parent_paused');
    await setAccountStatus(db, operator, partner.id, 'active');

    const { account: admin } = await addAdmin(db, operator, { telegramUserId: '5550777', currency: 'USD' });
    await expectDomainError(order(admin), 'role_cannot_order');
    expect(await balance(db, sub)).toBe('50.00');
    expect(await balance(db, partnerSub)).toBe('50.00');
    expect(await db.selectFrom('orders').select('id').where('buyer_id', 'in', [sub.id, partnerSub.id, admin.id]).execute()).toEqual([]);

    const { order: placed } = await order(partnerSub); // resumed: the same sub-agent orders again
    expect(await balance(db, partnerSub)).toBe('40.00');
    await expectOrderMoneyConserved(db, [placed.id]);
  });

  it('risk limits: role defaults, per-account override, refused before any hold with the limit named', async () => {
    vendor();
    const account = await buyer();
    await setRiskLimits(db, operator, { role: 'partner' }, { dailySpend: 2500n, dailyOrderCount: null });
    await order(account, { quantity: 2 });
    const spend = await expectDomainError(order(account, { quantity: 1 }), 'daily_limit_exceeded');
    expect(spend.details).toMatchObject({ limit: 'daily_spend' });
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: 2 });
    await order(account);
    const count = await expectDomainError(order(account), 'daily_limit_exceeded');
    expect(count.details).toMatchObject({ limit: 'daily_order_count' });
    expect(await balance(db, account)).toBe('70.00');
    await expectDomainError(
      setRiskLimits(db, accountActor(account.id, 'api'), { accountId: account.id }, { dailySpend: null, dailyOrderCount: null }),
      'forbidden',
    );
    await setRiskLimits(db, operator, { role: 'partner' }, { dailySpend: null, dailyOrderCount: null });
  });

  it("an order that fails leaves its day: the limits count only the day's orders that did not fail", async () => {
    vendor();
    const account = await buyer();
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: 2 });
    const { order: first } = await order(account);
    const { order: second } = await order(account);
    await expectDomainError(order(account), 'daily_limit_exceeded');
    expect(await failOrder(ctx, first.id, 'test_failure', { onlyFrom: ['pending'] })).toBe(true);
    expect(await failOrder(ctx, first.id, 'test_failure', { onlyFrom: ['pending'] })).toBe(false); // failed once only
    const { order: third } = await order(account); // the failed order made room
    await expectDomainError(order(account), 'daily_limit_exceeded');
    const totals = await db.selectFrom('order_day_totals').select(['spend_minor', 'order_count']).where('account_id', '=', account.id).execute();
    expect(totals).toEqual([{ spend_minor: second.total.amount + third.total.amount, order_count: 2 }]);
    expect(await balance(db, account)).toBe('80.00');
    await expectOrderMoneyConserved(db, [first.id, second.id, third.id]);
  });

  it('concurrent creates of different buyers are written together, each with its own outcome', async () => {
    vendor();
    const good = await Promise.all(Array.from({ length: 6 }, () => buyer()));
    const short = await buyer('5.00');
    const paused = await buyer();
    await setAccountStatus(db, operator, paused.id, 'paused');
    const results = await Promise.allSettled([...good, short, paused].map((account) => order(account)));
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
    expect(created.map((one) => one.buyerId)).toEqual(good.map((account) => account.id));
    expect(results.slice(6).map((result) => result.status === 'rejected' && (result.reason as { code?: string }).code)).toEqual([
      'insufficient_funds',
      'account_paused',
    ]);
    // Orders written in one transaction share its start time: at least one batch held several.
    expect(new Set(created.map((one) => one.createdAt.getTime())).size).toBeLessThan(created.length);
    for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
    // New orders and their holds get time-ordered ids (UUID version 7), so indexes keyed by them grow at one end.
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const holds = await db
      .selectFrom('transfers')
      .select('id')
      .where(
        'idempotency_key',
        'in',
        created.map((one) => `order-hold:${one.id}`),
      )
      .execute();
    expect([...created.map((one) => one.id), ...holds.map((hold) => hold.id)].every((id) => v7.test(id))).toBe(true);
    expect(await balance(db, short)).toBe('5.00');
    expect(await balance(db, paused)).toBe('100.00');
    await expectOrderMoneyConserved(
      db,
      created.map((one) => one.id),
    );
  });

  it("one buyer's concurrent creates share batches and get the answers one-by-one intake gives, in order", async () => {
    vendor();
    // Enough for four cards: the fourth create (two cards) does not fit, the fifth (one card) does.
    const short = await buyer('40.00');
    const plenty = await buyer('100.00');
    const limited = await buyer('100.00');
    await setRiskLimits(db, operator, { accountId: limited.id }, { dailySpend: null, dailyOrderCount: 3 });
    const quantities = [1, 1, 1, 2, 1];
    const warn = vi.spyOn(ctx.logger, 'warn');
    // Interleaved, so batches mix buyers whose orders all pass with buyers who meet a refusal.
    const pending = quantities.flatMap((quantity) => [order(short, { quantity }), order(plenty, { quantity: 1 }), order(limited, { quantity: 1 })]);
    const results = await Promise.allSettled(pending);
    const outcome = (result: PromiseSettledResult<{ order: { total: { amount: bigint } } }>) =>
      result.status === 'fulfilled' ? 'created' : (result.reason as { code?: string }).code;
    const of = (column: number) => results.filter((_, index) => index % 3 === column).map(outcome);
    expect(of(0)).toEqual(['created', 'created', 'created', 'insufficient_funds', 'created']);
    expect(of(1)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(of(2)).toEqual(['created', 'created', 'created', 'daily_limit_exceeded', 'daily_limit_exceeded']);
    // Decided by the batch itself, not by a batch that failed and was written again order by order.
    expect(warn.mock.calls.filter(([, message]) => String(message).includes('intake batch failed'))).toEqual([]);
    warn.mockRestore();
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
    // At least one batch held several orders of one buyer.
    const plentyOrders = created.filter((one) => one.buyerId === plenty.id);
    expect(new Set(plentyOrders.map((one) => one.createdAt.getTime())).size).toBeLessThan(plentyOrders.length);
    expect(new Set(created.map((one) => one.number)).size).toBe(created.length);
    expect(await balance(db, short)).toBe('0.00');
    expect(await balance(db, plenty)).toBe('50.00');
    expect(await balance(db, limited)).toBe('70.00');
    const totals = await db
      .selectFrom('order_day_totals')
      .select(['account_id', 'spend_minor', 'order_count'])
      .where('account_id', 'in', [short.id, plenty.id, limited.id])
      .execute();
    expect(new Map(totals.map((row) => [row.account_id, [row.spend_minor, row.order_count]]))).toEqual(
      new Map([
        [short.id, [4000n, 4]],
        [plenty.id, [5000n, 5]],
        [limited.id, [3000n, 3]],
      ]),
    );
    for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
    await expectOrderMoneyConserved(
      db,
      created.map((one) => one.id),
    );
  });

  it("inside a caller's transaction the order is written there: committed with it, or gone with its rollback", async () => {
    vendor();
    const account = await buyer();
    const input = (ref: string) => ({
      buyerId: account.id,
      actor: accountActor(account.id, 'api'),
      clientReference: ref,
      productId: SIM_PRODUCTS.steam10,
      face: usd('10.00'),
      quantity: 1,
    });
    const { order: kept } = await db.transaction().execute((trx) => createOrder({ ...ctx, db: trx }, input('in-trx-kept')));
    expect(await queuedFor(test, orderPlaceQueue, kept.id)).toBe(1);
    await expect(
      db.transaction().execute(async (trx) => {
        await createOrder({ ...ctx, db: trx }, input('in-trx-undone'));
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await db.selectFrom('orders').select('client_reference').where('buyer_id', '=', account.id).execute()).toEqual([
      { client_reference: 'in-trx-kept' },
    ]);
    expect(await balance(db, account)).toBe('90.00');
    await expectOrderMoneyConserved(db, [kept.id]);
  });

  it('a batch that fails in the database is written again one order at a time: only the failing order gets the error', async () => {
    vendor();
    const accounts = await Promise.all(Array.from({ length: 6 }, () => buyer()));
    await sql`create function test_refuse_poison() returns trigger language plpgsql as $$
      begin if new.client_reference = 'poison' then raise exception 'poisoned order'; end if; return new; end $$`.execute(db);
    await sql`create trigger test_refuse_poison before insert on orders for each row execute function test_refuse_poison()`.execute(db);
    try {
      // The first two start batches of their own at once; the other four wait and go together.
      const results = await Promise.allSettled(accounts.map((account, index) => order(account, index === 4 ? { ref: 'poison' } : {})));
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[4] as PromiseRejectedResult).reason)).toContain('poisoned order');
      const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order] : []));
      for (const one of created) expect(await queuedFor(test, orderPlaceQueue, one.id)).toBe(1);
      expect(await db.selectFrom('orders').select('id').where('buyer_id', '=', accounts[4]!.id).execute()).toEqual([]);
      expect(await balance(db, accounts[4]!)).toBe('100.00');
      await expectOrderMoneyConserved(
        db,
        created.map((one) => one.id),
      );

      // A batch whose only priced order fails keeps the other orders' own answers (a refusal here).
      const [, , poisoned, unknownProduct] = await Promise.allSettled([
        order(accounts[0]!),
        order(accounts[1]!),
        order(accounts[2]!, { ref: 'poison' }),
        order(accounts[3]!, { productId: 404 }),
      ]);
      expect(String((poisoned as PromiseRejectedResult).reason)).toContain('poisoned order');
      expect((unknownProduct as PromiseRejectedResult).reason).toMatchObject({ code: 'product_not_found' });
    } finally {
      await sql`drop trigger test_refuse_poison on orders`.execute(db);
      await sql`drop function test_refuse_poison()`.execute(db);
    }
  });

  it('risk monitoring: spend 3× above the 30-day pattern and a burst of refusals alert admins once, without blocking', async () => {
    vendor();
    const seen = riskAlerts.length;
    // Raised during this test, once the recorded events were delivered (as the domain.event worker does).
    const alerts = async () => {
      await deliverRecordedEvents(test, ctx);
      // Earlier tests' limits alert at 80 % (test/integration/risk-limits.test.ts covers those).
      return riskAlerts.slice(seen).filter((alert) => alert.kind !== 'limit_near');
    };
    const account = await buyer('200.00');
    // Its history: 30.00 twenty days ago (a 1.00 daily average), made through another process's
    // shared state, so this one has not read the account's baseline for today yet.
    const { order: old } = await createOrder(createAppContext({ ...ctx, state: createMemoryState() }), {
      buyerId: account.id,
      actor: accountActor(account.id, 'api'),
      clientReference: 'history',
      productId: SIM_PRODUCTS.steam10,
      face: usd('10.00'),
      quantity: 3,
    });
    await backdateOrder(db, old.id, new Date(Date.now() - 20 * 86_400_000));
    await order(account, { quantity: 3 }); // 30.00 today > 3 × 1.00
    await order(account);
    expect(await alerts()).toEqual([{ kind: 'unusual_spend', accountId: account.id, spentToday: '30.00 USD', dailyAverage: '1.00 USD' }]);

    const poor = await buyer('1.00');
    for (let i = 0; i < 6; i += 1) await expectDomainError(order(poor), 'insufficient_funds');
    expect((await alerts()).filter((alert) => alert.kind === 'refusal_burst')).toEqual([
      { kind: 'refusal_burst', accountId: poor.id, refusals: 5, windowMinutes: 10, lastCode: 'insufficient_funds' },
    ]);
    await expectOrderMoneyConserved(db, [old.id]);
  });
});
