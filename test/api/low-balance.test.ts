// Partners' low-balance threshold: set through PUT /v1/wallet/low-balance, shown in GET /v1/wallet;
// one `wallet.low_balance` event per crossing below it, re-armed when the balance is back above.
import { describe, expect, it } from 'vitest';
import { creditWallet, debitWallet } from '../../src/domain/funding/manual.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { expectLedgerConsistent } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call, adminActor } = harness;

let sequence = 0;
const move = (direction: 'credit' | 'debit', accountId: string, amount: string) =>
  (direction === 'credit' ? creditWallet : debitWallet)(ctx.db, adminActor, {
    accountId,
    amount: parseMoney(amount, 'USD'),
    reason: 'test',
    idempotencyKey: `lb-${(sequence += 1)}`,
  });

const lowBalanceEvents = (accountId: string) =>
  ctx.db
    .selectFrom('webhook_events')
    .select(['type', 'payload'])
    .where('account_id', '=', accountId)
    .where('type', '=', 'wallet.low_balance')
    .orderBy('created_at')
    .execute();

describe('wallet low-balance threshold', () => {
  it('is set, shown and removed through the API; audited', async () => {
    const partner = await harness.makePartner();
    const set = await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '50.00', currency: 'USD' } });
    expect(await set.json()).toEqual({ threshold: { amount: '50.00', currency: 'USD' } });
    expect(await (await call(partner.liveKey, 'GET', '/v1/wallet')).json()).toMatchObject({ lowBalanceThreshold: { amount: '50.00', currency: 'USD' } });
    // The sandbox wallet has its own (none yet).
    expect(await (await call(partner.testKey, 'GET', '/v1/wallet')).json()).toMatchObject({ lowBalanceThreshold: null });
    await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: null });
    expect(await (await call(partner.liveKey, 'GET', '/v1/wallet')).json()).toMatchObject({ lowBalanceThreshold: null });
    const audit = await queryAuditLog(ctx.db, platformActor('cli'), {
      subject: { type: 'account', id: partner.account.id },
      action: 'wallet.low_balance_threshold_set',
    });
    expect(audit).toHaveLength(2);
  });

  it('refuses another currency, zero and bad input', async () => {
    const partner = await harness.makePartner();
    await expectProblem(
      await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '5.00', currency: 'EUR' } }),
      422,
      'currency_mismatch',
    );
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '0', currency: 'USD' } }), 422, 'invalid_amount');
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: '5' }), 400, 'validation_failed');
  });

  it('sends one wallet.low_balance per crossing, re-armed when the balance is back above', async () => {
    const partner = await harness.makePartner();
    const id = partner.account.id;
    await move('credit', id, '100.00');
    await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '50.00', currency: 'USD' } });

    await move('debit', id, '40.00'); // 60: above
    expect(await lowBalanceEvents(id)).toHaveLength(0);
    const crossing = await move('debit', id, '15.00'); // 45: crossed
    await move('debit', id, '5.00'); // 40: still below, no second event
    expect(await lowBalanceEvents(id)).toEqual([
      {
        type: 'wallet.low_balance',
        payload: {
          accountId: id,
          balance: { amount: '45.00', currency: 'USD' },
          threshold: { amount: '50.00', currency: 'USD' },
          transferId: crossing.transfer.id,
        },
      },
    ]);

    await move('credit', id, '10.00'); // exactly 50: at the threshold re-arms
    await move('debit', id, '0.01'); // 49.99: crossed again
    expect(await lowBalanceEvents(id)).toHaveLength(2);
    expect((await lowBalanceEvents(id))[1]?.payload).toMatchObject({ balance: { amount: '49.99', currency: 'USD' } });
    await expectLedgerConsistent(ctx.db);
  });

  it('a debit rolled back leaves no event; a wallet without threshold gets none', async () => {
    const partner = await harness.makePartner();
    const other = await harness.makePartner();
    await move('credit', partner.account.id, '100.00');
    await move('credit', other.account.id, '100.00');
    await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '50.00', currency: 'USD' } });
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await debitWallet(trx, adminActor, {
          accountId: partner.account.id,
          amount: parseMoney('90.00', 'USD'),
          reason: 'r',
          idempotencyKey: `lb-rb-${partner.account.id}`,
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await lowBalanceEvents(partner.account.id)).toHaveLength(0);
    await move('debit', other.account.id, '99.00');
    expect(await lowBalanceEvents(other.account.id)).toHaveLength(0);
    await expectLedgerConsistent(ctx.db);
  });

  it('parallel debits crossing together record exactly one event (the wallet row lock orders them)', async () => {
    const partner = await harness.makePartner();
    const id = partner.account.id;
    await move('credit', id, '100.00');
    await call(partner.liveKey, 'PUT', '/v1/wallet/low-balance', { threshold: { amount: '50.00', currency: 'USD' } });
    await Promise.all(Array.from({ length: 10 }, () => move('debit', id, '10.00')));
    expect(await lowBalanceEvents(id)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ balance: { amount: '40.00', currency: 'USD' } }) }),
    ]);
    await expectLedgerConsistent(ctx.db);
  });
});
