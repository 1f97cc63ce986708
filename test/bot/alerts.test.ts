import { describe, expect, it } from 'vitest';
import { raiseLedgerDrift } from '../../src/domain/ledger/alerts.ts';
import { countRefusal } from '../../src/domain/orders/risk-alerts.ts';
import { subscribeDriftAlerts, subscribeRiskAlerts } from '../../src/notifications/admin-alerts.ts';
import { createTestContext } from '../support/context.ts';
import { makeAdmin, makeBotAccount, queuedMessages } from '../support/bot.ts';

const { ctx, boss } = await createTestContext();

describe('ledger drift alerts', () => {
  it('reach every active admin in their language through the send queue', async () => {
    const english = await makeAdmin(ctx);
    const arabic = await makeAdmin(ctx);
    await ctx.db.updateTable('accounts').set({ language: 'ar' }).where('id', '=', arabic.account.id).execute();
    const unsubscribe = subscribeDriftAlerts(ctx);
    try {
      await raiseLedgerDrift(
        {
          ok: false,
          checkedAt: new Date(),
          transfers: 1,
          wallets: 1,
          drifts: [{ invariant: 'wallet_balance_mismatch', accountIds: ['acc-1'], ledgerAccountIds: ['wallet:acc-1'], transferIds: [], details: {} }],
        },
        ctx.logger,
      );
    } finally {
      unsubscribe();
    }
    const vars = { count: 1, invariants: 'wallet_balance_mismatch', accounts: 'acc-1' };
    expect(await queuedMessages(boss, english.telegramUserId)).toEqual([expect.objectContaining({ text: { key: 'ledger-drift-alert', vars } })]);
    expect(await queuedMessages(boss, arabic.telegramUserId)).toEqual([expect.objectContaining({ locale: 'ar', text: { key: 'ledger-drift-alert', vars } })]);
  });
});

describe('risk alerts', () => {
  it('a burst of refused orders reaches the admins once, with the account named', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Risky Trading' });
    const unsubscribe = subscribeRiskAlerts(ctx);
    try {
      for (let refusal = 0; refusal < 6; refusal += 1) await countRefusal(ctx, agent.account.id, 'insufficient_funds');
    } finally {
      unsubscribe();
    }
    const risk = (await queuedMessages(boss, admin.telegramUserId)).filter((message) => 'key' in message.text && message.text.key.startsWith('risk-'));
    expect(risk).toEqual([
      expect.objectContaining({
        text: { key: 'risk-alert-refusals', vars: { name: 'Risky Trading', role: 'agent', accountId: agent.account.id, refusals: 5, minutes: 10, code: 'insufficient_funds' } },
      }),
    ]);
  });
});
