import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.ts';
import { accountActor } from '../../src/domain/actor.ts';
import type { Account } from '../../src/domain/accounts/accounts.ts';
import { allocate } from '../../src/domain/funding/allocation.ts';
import { balanceOf, movement, systemAccountId, transfer, walletId } from '../../src/domain/ledger/ledger.ts';
import { monthlyStatement, walletTransactions } from '../../src/domain/ledger/statements.ts';
import { monthOf, nextMonth, parseMonth } from '../../src/domain/month.ts';
import { accruedRevenueShare, closeRevenueShareMonth, recordRevenueShareAccrual } from '../../src/domain/revenue-share/revenue-share.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';
import { balance, expectDomainError, expectLedgerConsistent, fund, makeTree, operator } from '../support/money.ts';

const { db } = await createTestDatabase();
const usd = (value: string) => parseMoney(value, 'USD');
const as = (account: { id: string }) => accountActor(account.id, 'telegram');
const system = (code: Parameters<typeof systemAccountId>[0]) => balanceOf(db, systemAccountId(code, 'USD')).then(formatAmount);

/** What the order engine does for a sub-agent order: hold the sub-agent price in clearing. */
async function hold(sub: Account, amount: string, orderId: string) {
  await transfer(db, {
    idempotencyKey: `hold:${orderId}`,
    kind: 'order_hold',
    entries: movement(walletId(sub.id), systemAccountId('order_clearing', 'USD'), usd(amount)),
    actor: operator,
  });
}

describe('revenue share', () => {
  // docs/product.md#pricing-and-revenue-share worked example: agent pays 9.60, sub-agent pays 9.80, the agent earns 0.20.
  it('accrues per completed order and pays each agent once per month', async () => {
    const { agent, sub } = await makeTree(db);
    const { agent: otherAgent, sub: otherSub } = await makeTree(db);
    await fund(db, agent, '100.00');
    await fund(db, otherAgent, '100.00');
    await allocate(db, as(agent), { childId: sub.id, amount: usd('20.00'), idempotencyKey: 'alloc' });
    await allocate(db, as(otherAgent), { childId: otherSub.id, amount: usd('20.00'), idempotencyKey: 'alloc-2' });
    const clearingBefore = (await balanceOf(db, systemAccountId('order_clearing', 'USD'))).amount;

    await hold(sub, '9.80', 'o-1');
    await hold(sub, '9.80', 'o-2');
    await hold(otherSub, '9.80', 'o-3');
    const october = new Date(Date.UTC(2026, 9, 15, 12));
    const accrual = await recordRevenueShareAccrual(db, { orderId: 'o-1', subAgentId: sub.id, amount: usd('0.20'), completedAt: october, actor: operator });
    expect(accrual).toMatchObject({ agentId: agent.id, month: '2026-10' });
    await recordRevenueShareAccrual(db, { orderId: 'o-2', subAgentId: sub.id, amount: usd('0.20'), completedAt: october, actor: operator });
    await recordRevenueShareAccrual(db, { orderId: 'o-3', subAgentId: otherSub.id, amount: usd('0.35'), completedAt: october, actor: operator });
    // Replaying an accrual (a retried settlement) changes nothing; a different amount is refused.
    expect(await recordRevenueShareAccrual(db, { orderId: 'o-1', subAgentId: sub.id, amount: usd('0.20'), completedAt: october, actor: operator })).toEqual(
      accrual,
    );
    await expectDomainError(
      recordRevenueShareAccrual(db, { orderId: 'o-1', subAgentId: sub.id, amount: usd('0.21'), completedAt: october, actor: operator }),
      'idempotency_conflict',
    );
    expect(await system('revenue_share_payable')).toBe('0.75');
    expect(formatAmount(await accruedRevenueShare(db, agent.id, '2026-10'))).toBe('0.40');

    const payouts = await closeRevenueShareMonth(db, operator, '2026-10');
    expect(payouts.map((payout) => [payout.agentId, formatAmount(payout.amount), payout.alreadyPaid]).sort()).toEqual(
      [
        [agent.id, '0.40', false],
        [otherAgent.id, '0.35', false],
      ].sort(),
    );
    expect(await balance(db, agent)).toBe('80.40');
    expect(await balance(db, otherAgent)).toBe('80.35');
    expect(await system('revenue_share_payable')).toBe('0.00');
    // 3 holds of 9.80 minus the 0.75 accrued remain in clearing for the order engine to settle.
    expect((await balanceOf(db, systemAccountId('order_clearing', 'USD'))).amount - clearingBefore).toBe(2865n);

    const again = await closeRevenueShareMonth(db, operator, '2026-10');
    expect(again.every((payout) => payout.alreadyPaid)).toBe(true);
    expect(await balance(db, agent)).toBe('80.40');
    await expectLedgerConsistent(db);
  });

  it('a late accrual for a month already paid rolls into the next month', async () => {
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '10.00');
    await hold(sub, '1.00', 'late-1');
    await hold(sub, '1.00', 'late-2');
    const september = new Date(Date.UTC(2026, 8, 30, 23, 59));
    await recordRevenueShareAccrual(db, { orderId: 'late-1', subAgentId: sub.id, amount: usd('0.10'), completedAt: september, actor: operator });
    await closeRevenueShareMonth(db, operator, '2026-09');
    const late = await recordRevenueShareAccrual(db, { orderId: 'late-2', subAgentId: sub.id, amount: usd('0.10'), completedAt: september, actor: operator });
    expect(late.month).toBe('2026-10');
    expect(await balance(db, agent)).toBe('0.10');
    await expectLedgerConsistent(db);
  });

  it('accruals racing a month close are either in its payout or in the next month, never lost', async () => {
    const { db: own, url } = await createTestDatabase();
    const wide = createDatabase(url, { poolSize: 12 }).db;
    try {
      const { agent, sub } = await makeTree(own);
      await fund(own, sub, '10.00');
      const orders = Array.from({ length: 30 }, (_, index) => `race-${index}`);
      for (const orderId of orders) {
        await transfer(own, {
          idempotencyKey: `hold:${orderId}`,
          kind: 'order_hold',
          actor: operator,
          entries: movement(walletId(sub.id), systemAccountId('order_clearing', 'USD'), usd('0.30')),
        });
      }
      const august = new Date(Date.UTC(2026, 7, 20));
      const accrue = (orderId: string) =>
        recordRevenueShareAccrual(wide, { orderId, subAgentId: sub.id, amount: usd('0.10'), completedAt: august, actor: operator });
      await Promise.all(orders.slice(0, 5).map(accrue));
      await Promise.all([...orders.slice(5).map(accrue), closeRevenueShareMonth(wide, operator, '2026-08'), closeRevenueShareMonth(wide, operator, '2026-08')]);
      const payout = await own
        .selectFrom('revenue_share_payouts')
        .select('amount')
        .where('agent_id', '=', agent.id)
        .where('month', '=', '2026-08-01')
        .executeTakeFirstOrThrow();
      const inAugust = await accruedRevenueShare(own, agent.id, '2026-08');
      const inSeptember = await accruedRevenueShare(own, agent.id, '2026-09');
      expect(payout.amount).toBe(inAugust.amount);
      expect(inAugust.amount).toBeGreaterThanOrEqual(50n);
      expect(inAugust.amount + inSeptember.amount).toBe(300n);
      expect(await balance(own, agent)).toBe(formatAmount(inAugust));
      await closeRevenueShareMonth(own, operator, '2026-09');
      expect(await balance(own, agent)).toBe('3.00');
      await expectLedgerConsistent(own);
    } finally {
      await wide.destroy();
    }
  });

  it('refuses what it must', async () => {
    const { agent, sub } = await makeTree(db);
    const now = new Date();
    await expectDomainError(closeRevenueShareMonth(db, operator, monthOf(now).label, now), 'month_not_over');
    await expectDomainError(closeRevenueShareMonth(db, operator, '2026-13'), 'invalid_month');
    await expectDomainError(closeRevenueShareMonth(db, as(agent), '2026-01'), 'forbidden');
    await expectDomainError(
      recordRevenueShareAccrual(db, { orderId: 'x', subAgentId: agent.id, amount: usd('1.00'), completedAt: now, actor: operator }),
      'not_a_sub_agent',
    );
    await expectDomainError(
      recordRevenueShareAccrual(db, { orderId: 'x', subAgentId: sub.id, amount: usd('-1.00'), completedAt: now, actor: operator }),
      'invalid_amount',
    );
    // A zero share (the agent's plan is not cheaper) is recorded and moves nothing.
    const zero = await recordRevenueShareAccrual(db, { orderId: 'zero', subAgentId: sub.id, amount: usd('0'), completedAt: now, actor: operator });
    expect(zero.transferId).toBeNull();
  });
});

describe('monthly statement', () => {
  it('opening + credits + debits + orders + revenue share = closing = the wallet balance', async () => {
    const { db: own } = await createTestDatabase();
    const { agent, sub } = await makeTree(own);
    const { agent: stranger } = await makeTree(own);
    await fund(own, agent, '100.00');
    await allocate(own, as(agent), { childId: sub.id, amount: usd('30.00'), idempotencyKey: 'a' });
    await transfer(own, {
      idempotencyKey: 'h1',
      kind: 'order_hold',
      actor: operator,
      entries: movement(walletId(agent.id), systemAccountId('order_clearing', 'USD'), usd('9.60')),
    });
    await transfer(own, {
      idempotencyKey: 'r1',
      kind: 'order_refund',
      actor: operator,
      entries: movement(systemAccountId('order_clearing', 'USD'), walletId(agent.id), usd('4.80')),
    });
    await transfer(own, {
      idempotencyKey: 'h2',
      kind: 'order_hold',
      actor: operator,
      entries: movement(walletId(sub.id), systemAccountId('order_clearing', 'USD'), usd('9.80')),
    });
    await recordRevenueShareAccrual(own, {
      orderId: 'h2',
      subAgentId: sub.id,
      amount: usd('0.20'),
      completedAt: new Date(Date.UTC(2026, 0, 10)),
      actor: operator,
    });
    await closeRevenueShareMonth(own, operator, '2026-01');

    const current = monthOf(new Date());
    const statement = await monthlyStatement(own, as(agent), agent.id, current.label);
    expect({
      opening: formatAmount(statement.opening),
      credits: formatAmount(statement.credits),
      debits: formatAmount(statement.debits),
      orders: formatAmount(statement.orders),
      revenueShare: formatAmount(statement.revenueShare),
      closing: formatAmount(statement.closing),
    }).toEqual({ opening: '0.00', credits: '100.00', debits: '-30.00', orders: '-4.80', revenueShare: '0.20', closing: '65.40' });
    expect(await balance(own, agent)).toBe('65.40');

    const following = await monthlyStatement(own, operator, agent.id, nextMonth(current).label);
    expect([formatAmount(following.opening), formatAmount(following.closing)]).toEqual(['65.40', '65.40']);
    const before = await monthlyStatement(own, operator, agent.id, monthOf(new Date(current.start.getTime() - 1)).label);
    expect(formatAmount(before.closing)).toBe('0.00');

    const subStatement = await monthlyStatement(own, as(agent), sub.id, current.label);
    expect([formatAmount(subStatement.credits), formatAmount(subStatement.orders), formatAmount(subStatement.closing)]).toEqual(['30.00', '-9.80', '20.20']);
    await expectDomainError(monthlyStatement(own, as(sub), agent.id, current.label), 'not_direct_child');
    await expectDomainError(monthlyStatement(own, as(stranger), sub.id, current.label), 'not_direct_child');
    expect(parseMonth(current.label).start.getUTCDate()).toBe(1);
    await expectLedgerConsistent(own);
  });
});

describe('wallet history', () => {
  it('lists a wallet’s movements newest first, page by page, for the owner, its parent and admins only', async () => {
    const { agent, sub } = await makeTree(db);
    const { agent: stranger } = await makeTree(db);
    await fund(db, agent, '20.00');
    for (let index = 1; index <= 5; index += 1) {
      await allocate(db, as(agent), { childId: sub.id, amount: usd(`${index}.00`), idempotencyKey: `history-${index}` });
    }
    const first = await walletTransactions(db, as(agent), agent.id, { limit: 4 });
    expect(first.items.map((item) => [item.kind, formatAmount(item.amount)])).toEqual([
      ['allocation', '-5.00'],
      ['allocation', '-4.00'],
      ['allocation', '-3.00'],
      ['allocation', '-2.00'],
    ]);
    expect(first.nextCursor).not.toBeNull();
    const second = await walletTransactions(db, as(agent), agent.id, { limit: 4, cursor: first.nextCursor as string });
    expect(second.items.map((item) => [item.kind, formatAmount(item.amount)])).toEqual([
      ['allocation', '-1.00'],
      ['topup', '20.00'],
    ]);
    expect(second.nextCursor).toBeNull();
    expect((await walletTransactions(db, as(agent), sub.id)).items).toHaveLength(5);
    expect((await walletTransactions(db, operator, sub.id)).items).toHaveLength(5);
    await expectDomainError(walletTransactions(db, as(sub), agent.id), 'not_direct_child');
    await expectDomainError(walletTransactions(db, as(stranger), sub.id), 'not_direct_child');
    await expectDomainError(walletTransactions(db, as(agent), agent.id, { cursor: 'abc' }), 'invalid_cursor');
  });
});
