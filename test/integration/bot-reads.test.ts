// The small domain reads the bot stands on: language on the account, children with balances,
// revenue share paid so far.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { defaultAccountLanguage, findTelegramUser, setAccountLanguage, telegramAdmins } from '../../src/domain/accounts/language.ts';
import { childSummaries } from '../../src/domain/accounts/network.ts';
import { addAdmin, setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { monthOf } from '../../src/domain/month.ts';
import { demoteAdmin, promoteAdmin } from '../../src/domain/accounts/admins.ts';
import { movement, systemAccountId, transfer, walletId } from '../../src/domain/ledger/ledger.ts';
import { paidRevenueShare, previewRevenueShareMonth, recordRevenueShareAccrual, closeRevenueShareMonth } from '../../src/domain/revenue-share/revenue-share.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';
import { expectDomainError, fund, makeAccount, makeTree, operator } from '../support/money.ts';

const { db } = await createTestDatabase();

describe('bot reads', () => {
  it('keeps the first default language and lets the user change it', async () => {
    const agent = await makeAccount(db, 'agent');
    await db.updateTable('accounts').set({ telegram_user_id: 5_550_001n }).where('id', '=', agent.id).execute();
    await defaultAccountLanguage(db, agent.id, 'ar');
    await defaultAccountLanguage(db, agent.id, 'en'); // a default never overrides
    expect((await findTelegramUser(db, 5_550_001))?.language).toBe('ar');
    await setAccountLanguage(db, agent.id, 'en');
    expect((await findTelegramUser(db, '5550001'))?.language).toBe('en');
    await expectDomainError(setAccountLanguage(db, agent.id, 'english!'), 'invalid_language');
  });

  it('lists active Telegram admins only', async () => {
    const { account: active } = await addAdmin(db, operator, { telegramUserId: '5550100', currency: 'USD' });
    const { account: paused } = await addAdmin(db, operator, { telegramUserId: '5550101', currency: 'USD' });
    await setAccountStatus(db, operator, paused.id, 'paused');
    const ids = (await telegramAdmins(db)).map((admin) => admin.account.id);
    expect(ids).toContain(active.id);
    expect(ids).not.toContain(paused.id);
  });

  it('pages direct children with balances; month sales are the net order spending', async () => {
    const { agent, sub } = await makeTree(db);
    const second = await makeAccount(db, 'sub_agent', agent);
    await fund(db, sub, '7.25');
    const month = monthOf(new Date()).label;
    const first = await childSummaries(db, accountActor(agent.id, 'telegram'), { month, offset: 0, limit: 1 });
    expect(first.total).toBe(2);
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({ account: { id: sub.id }, balance: { amount: 725n, currency: 'USD' }, monthSales: { amount: 0n } });
    const next = await childSummaries(db, accountActor(agent.id, 'telegram'), { month, offset: 1, limit: 1 });
    expect(next.items[0]?.account.id).toBe(second.id);
    await expectDomainError(childSummaries(db, accountActor(sub.id, 'telegram'), { month, offset: 0, limit: 5, parentId: agent.id }), 'not_direct_child');
  });

  it('sums revenue share paid so far (nothing before any payout)', async () => {
    const agent = await makeAccount(db, 'agent');
    expect(await paidRevenueShare(db, agent.id)).toEqual({ amount: 0n, currency: 'USD' });
  });

  it('promotes, demotes (never oneself) and promotes a demoted admin again', async () => {
    const first = await promoteAdmin(db, operator, { telegramUserId: '5550200', currency: 'USD' });
    const second = await promoteAdmin(db, accountActor(first.id, 'telegram'), { telegramUserId: '5550201', currency: 'USD' });
    await expectDomainError(demoteAdmin(db, accountActor(first.id, 'telegram'), first.id), 'cannot_demote_self');
    expect((await demoteAdmin(db, accountActor(first.id, 'telegram'), second.id)).status).toBe('paused');
    await expectDomainError(promoteAdmin(db, accountActor(second.id, 'telegram'), { telegramUserId: '5550202', currency: 'USD' }), 'account_paused');
    const again = await promoteAdmin(db, accountActor(first.id, 'telegram'), { telegramUserId: '5550201', currency: 'USD' });
    expect(again).toMatchObject({ id: second.id, status: 'active' });
    const agent = await makeAccount(db, 'agent');
    await expectDomainError(demoteAdmin(db, operator, agent.id), 'not_an_admin');
  });

  it('previews a month of revenue share, and marks what is paid', async () => {
    const { agent, sub } = await makeTree(db);
    await fund(db, sub, '10.00');
    await transfer(db, {
      idempotencyKey: 'preview-hold',
      kind: 'order_hold',
      actor: operator,
      entries: movement(walletId(sub.id), systemAccountId('order_clearing', 'USD'), parseMoney('5.00', 'USD')),
    });
    await recordRevenueShareAccrual(db, {
      orderId: 'preview-order',
      subAgentId: sub.id,
      amount: parseMoney('0.40', 'USD'),
      completedAt: new Date(Date.UTC(2025, 4, 3)),
      actor: operator,
    });
    const before = await previewRevenueShareMonth(db, operator, '2025-05');
    expect(before).toEqual([{ agentId: agent.id, agentName: agent.name, amount: { amount: 40n, currency: 'USD' }, paid: false }]);
    await closeRevenueShareMonth(db, operator, '2025-05');
    expect((await previewRevenueShareMonth(db, operator, '2025-05'))[0]?.paid).toBe(true);
    expect(await paidRevenueShare(db, agent.id)).toEqual({ amount: 40n, currency: 'USD' });
    await expectDomainError(previewRevenueShareMonth(db, accountActor(agent.id, 'telegram'), '2025-05'), 'forbidden');
  });
});
