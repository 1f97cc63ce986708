// Risk limits (issue 20): the largest single order beside the daily limits, exact under concurrent
// (batched) creates; today's use of the limits and the 80 % alert to the admins; the role
// defaults of agents and sub-agents from configuration. Every scenario ends with the money check.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { accountRiskLimits, ensureRoleRiskDefaults, riskLimitsOf, setAccountRiskLimits, setRiskLimits } from '../../src/domain/orders/risk.ts';
import { createConfig } from '../../src/config.ts';
import { deliverRecordedEvents } from '../support/events.ts';
import { balance, expectDomainError, expectLedgerConsistent, makeAccount, operator } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { createOrderEngineTest, usd } from '../support/order-engine.ts';

const { test, ctx, db, riskAlerts, vendor, buyer, order } = await createOrderEngineTest();

describe('risk limits', () => {
  it('the largest order is refused before any hold, alone and among concurrent creates, and audited when set', async () => {
    vendor();
    const account = await buyer('200.00');
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: null, dailyOrderCount: null, maxOrder: 2500n });
    const refused = await expectDomainError(order(account, { quantity: 3 }), 'order_limit_exceeded');
    expect(refused.details).toEqual({ limit: 'max_order', value: { amount: '25.00', currency: 'USD' } });
    expect(await balance(db, account)).toBe('200.00');

    // Interleaved creates of one buyer share batches: each gets the answer one-by-one intake gives.
    const quantities = [1, 3, 2, 3, 1, 2, 3, 1];
    const results = await Promise.allSettled(quantities.map((quantity) => order(account, { quantity })));
    expect(results.map((result) => (result.status === 'fulfilled' ? 'created' : (result.reason as { code: string }).code))).toEqual(
      quantities.map((quantity) => (quantity > 2 ? 'order_limit_exceeded' : 'created')),
    );
    expect(await balance(db, account)).toBe('130.00'); // 200.00 − 7 cards of 10.00
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order.id] : []));
    await expectOrderMoneyConserved(db, created);

    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('subject_id', '=', account.id)
      .where('action', '=', 'risk_limits.set')
      .execute();
    expect(audit).toEqual([
      {
        action: 'risk_limits.set',
        before: { dailySpend: null, dailyOrderCount: null, maxOrder: null },
        after: { dailySpend: null, dailyOrderCount: null, maxOrder: '2500' },
      },
    ]);
    await expectDomainError(setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: 0n, dailyOrderCount: null }), 'invalid_risk_limits');
    await expectDomainError(
      setAccountRiskLimits(db, accountActor(account.id, 'api'), account.id, { dailySpend: null, dailyOrderCount: 1, maxOrder: null }),
      'forbidden',
    );
    await expectLedgerConsistent(db);
  });

  it('a daily spend limit holds exactly under 30 concurrent creates', async () => {
    vendor();
    const account = await buyer('500.00');
    await setAccountRiskLimits(db, operator, account.id, { dailySpend: usd('75.00'), dailyOrderCount: null, maxOrder: null });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => order(account)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(7);
    expect(results.filter((result) => result.status === 'rejected').map((result) => (result.reason as { code: string }).code)).toEqual(
      Array.from({ length: 23 }, () => 'daily_limit_exceeded'),
    );
    expect(await balance(db, account)).toBe('430.00');
    const view = await accountRiskLimits(db, operator, account.id);
    expect(view).toMatchObject({ source: 'account', dailySpend: usd('75.00'), maxOrder: null, today: { spent: usd('70.00'), orders: 7 } });
    await expectOrderMoneyConserved(
      db,
      results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.order.id] : [])),
    );
  });

  it('admins are alerted once per limit and day when today reaches 80 % of a daily limit', async () => {
    vendor();
    const seen = riskAlerts.length;
    const account = await buyer('200.00');
    const alerts = async () => {
      await deliverRecordedEvents(test, ctx);
      return riskAlerts.slice(seen).filter((alert) => alert.kind === 'limit_near' && alert.accountId === account.id);
    };
    await setRiskLimits(db, operator, { accountId: account.id }, { dailySpend: 10_000n, dailyOrderCount: 5, maxOrder: null });
    for (let i = 0; i < 3; i += 1) await order(account);
    expect(await alerts()).toEqual([]); // 3 of 5 orders, 30.00 of 100.00
    await order(account); // 4 of 5: 80 %
    expect(await alerts()).toEqual([{ kind: 'limit_near', accountId: account.id, limit: 'daily_order_count', used: '4', max: '5' }]);
    await order(account, { quantity: 4 }); // 80.00 of 100.00
    await expectDomainError(order(account), 'daily_limit_exceeded');
    expect(await alerts()).toEqual([
      { kind: 'limit_near', accountId: account.id, limit: 'daily_order_count', used: '4', max: '5' },
      { kind: 'limit_near', accountId: account.id, limit: 'daily_spend', used: '80.00 USD', max: '100.00 USD' },
    ]);
  });

  it('agents and sub-agents start with the configured role defaults; an admin-set default is kept', async () => {
    const config = createConfig({ RISK_AGENT_DAILY_SPEND: '300.00', RISK_AGENT_DAILY_ORDERS: 'none', RISK_SUB_AGENT_MAX_ORDER: '50' });
    await db.deleteFrom('risk_limits').where('role', 'in', ['agent', 'sub_agent']).execute();
    expect(await ensureRoleRiskDefaults(db, config)).toEqual(['agent', 'sub_agent']);
    expect(await ensureRoleRiskDefaults(db, config)).toEqual([]);
    const agent = await makeAccount(db, 'agent');
    const sub = await makeAccount(db, 'sub_agent', agent);
    expect(await riskLimitsOf(db, agent)).toEqual({ source: 'role', limits: { dailySpend: 30_000n, dailyOrderCount: null, maxOrder: 50_000n } });
    expect(await riskLimitsOf(db, sub)).toEqual({ source: 'role', limits: { dailySpend: 50_000n, dailyOrderCount: 50, maxOrder: 5_000n } });
    await setRiskLimits(db, operator, { role: 'agent' }, { dailySpend: 100n, dailyOrderCount: 1, maxOrder: null });
    expect(await ensureRoleRiskDefaults(db, config)).toEqual([]);
    expect((await riskLimitsOf(db, agent)).limits).toEqual({ dailySpend: 100n, dailyOrderCount: 1, maxOrder: null });
    expect(() => createConfig({ RISK_AGENT_MAX_ORDER: 'lots' })).toThrow(/RISK_AGENT_MAX_ORDER/);
    await db.deleteFrom('risk_limits').where('role', 'in', ['agent', 'sub_agent']).execute();
  });
});
