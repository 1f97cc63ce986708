import { describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/context.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { raiseLedgerDrift } from '../../src/domain/ledger/alerts.ts';
import type { ConsistencyReport } from '../../src/domain/ledger/consistency.ts';
import { countRefusal } from '../../src/domain/orders/risk-alerts.ts';
import { adminAlertSink } from '../../src/notifications/admin-alerts.ts';
import { createI18n } from '../../bot/i18n.ts';
import { createMemoryState } from '../../src/shared-state/index.ts';
import { createTestContext } from '../support/context.ts';
import { deliverRecordedEvents } from '../support/events.ts';
import { makeAdmin, makeBotAccount, queuedMessages } from '../support/bot.ts';

// The admins' sink subscribed as main.ts subscribes it.
const { ctx, boss } = await createTestContext({ ports: { eventSinks: (app) => [adminAlertSink(app)] } });

const drift = (accountId: string): ConsistencyReport => ({
  ok: false,
  checkedAt: new Date(),
  transfers: 1,
  wallets: 1,
  drifts: [{ invariant: 'wallet_balance_mismatch', accountIds: [accountId], ledgerAccountIds: [`wallet:${accountId}`], transferIds: [], details: {} }],
});

describe('ledger drift alerts', () => {
  it('reach every active admin in their language through the send queue', async () => {
    const english = await makeAdmin(ctx);
    const arabic = await makeAdmin(ctx);
    await ctx.db.updateTable('accounts').set({ language: 'ar' }).where('id', '=', arabic.account.id).execute();
    await raiseLedgerDrift(ctx, drift('acc-1'));
    const vars = { count: 1, invariants: 'wallet_balance_mismatch', accounts: 'acc-1' };
    expect(await queuedMessages(boss, english.telegramUserId)).toEqual([expect.objectContaining({ text: { key: 'ledger-drift-alert', vars } })]);
    expect(await queuedMessages(boss, arabic.telegramUserId)).toEqual([expect.objectContaining({ locale: 'ar', text: { key: 'ledger-drift-alert', vars } })]);
  });
});

describe('risk alerts', () => {
  it('a burst of refused orders reaches the admins once, with the account named', async () => {
    const admin = await makeAdmin(ctx);
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Risky Trading' });
    for (let refusal = 0; refusal < 6; refusal += 1) await countRefusal(ctx, agent.account.id, 'insufficient_funds');
    const risk = (await queuedMessages(boss, admin.telegramUserId)).filter((message) => 'key' in message.text && message.text.key.startsWith('risk-'));
    expect(risk).toEqual([
      expect.objectContaining({
        text: {
          key: 'risk-alert-refusals',
          vars: { name: 'Risky Trading', role: 'agent', accountId: agent.account.id, refusals: 5, minutes: 10, code: 'insufficient_funds' },
        },
      }),
    ]);
  });
});

describe('limit alerts', () => {
  it('a daily limit 80 % used reaches every admin in their language, with the account and the /limits command', async () => {
    const english = await makeAdmin(ctx);
    const arabic = await makeAdmin(ctx);
    await ctx.db.updateTable('accounts').set({ language: 'ar' }).where('id', '=', arabic.account.id).execute();
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Busy Bazaar' });
    await ctx.events.record(ctx.db, {
      type: 'risk.alert',
      alert: { kind: 'limit_near', accountId: agent.account.id, limit: 'daily_spend', used: '400.00 USD', max: '500.00 USD' },
    });
    const vars = { name: 'Busy Bazaar', role: 'agent', accountId: agent.account.id, used: '400.00 USD', max: '500.00 USD' };
    const limitAlerts = async (chatId: number) =>
      (await queuedMessages(boss, chatId)).filter((message) => 'key' in message.text && message.text.key.startsWith('risk-alert-limit'));
    expect(await limitAlerts(english.telegramUserId)).toEqual([expect.objectContaining({ text: { key: 'risk-alert-limit-daily-spend', vars } })]);
    expect(await limitAlerts(arabic.telegramUserId)).toEqual([expect.objectContaining({ locale: 'ar', text: { key: 'risk-alert-limit-daily-spend', vars } })]);
    const i18n = createI18n();
    expect(i18n.translate('en', 'risk-alert-limit-daily-spend', vars)).toBe(
      `⚠️ Busy Bazaar (agent) has spent 400.00 USD today: 80 % or more of its daily limit of 500.00 USD.\nAccount: ${agent.account.id} · /limits ${agent.account.id}`,
    );
    expect(i18n.translate('ar', 'risk-alert-limit-daily-order-count', { ...vars, used: '8', max: '10' })).toContain('قدّم Busy Bazaar (agent) اليوم 8 طلبات');
  });
});

describe('domain events', () => {
  it('reach the sinks only once the change committed, through the worker that delivers them', async () => {
    const heard: DomainEvent['type'][] = [];
    const worker = createAppContext({ ...ctx, state: createMemoryState() }, { eventSinks: () => [async (event) => void heard.push(event.type)] });
    const rolledBack = withTransaction(ctx.db, async (trx) => {
      await ctx.events.record(trx, { type: 'ledger.drift', driftCount: 1, invariants: ['wallet_balance_mismatch'], accountIds: ['acc-2'] });
      throw new Error('the change failed');
    });
    await expect(rolledBack).rejects.toThrow('the change failed');
    await deliverRecordedEvents({ boss }, worker);
    expect(heard).toEqual([]);
    await raiseLedgerDrift(ctx, drift('acc-3'));
    expect(heard).toEqual([]); // recorded, not yet delivered
    await deliverRecordedEvents({ boss }, worker);
    expect(heard).toEqual(['ledger.drift']);
  });

  it('a failing sink does not stop the next one, and the delivery fails so the job is retried', async () => {
    const heard: DomainEvent['type'][] = [];
    const failing = async () => Promise.reject(new Error('sink down'));
    const worker = createAppContext({ ...ctx, state: createMemoryState() }, { eventSinks: () => [failing, async (event) => void heard.push(event.type)] });
    await raiseLedgerDrift(ctx, drift('acc-4'));
    expect(await deliverRecordedEvents({ boss }, worker)).toEqual([expect.objectContaining({ message: '1 sink(s) failed on ledger.drift' })]);
    expect(heard).toEqual(['ledger.drift']);
  });
});
