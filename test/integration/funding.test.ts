import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { allocate, declineFundRequest, fulfilFundRequest, listPendingFundRequests, reclaim, requestFunds } from '../../src/domain/funding/allocation.ts';
import { creditWallet, debitWallet } from '../../src/domain/funding/manual.ts';
import { approveTopup, createTopupRequest, getTopupRequest, listPendingTopups, rejectTopup } from '../../src/domain/funding/topups.ts';
import { balanceOf, movement, systemAccountId, transfer, walletId } from '../../src/domain/ledger/ledger.ts';
import { isDomainError } from '../../src/shared/errors.ts';
import { formatMoney, parseMoney } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';
import { balance, expectDomainError, expectLedgerConsistent, fund, makeAccount, makeTree, operator } from '../support/money.ts';

const { db, url } = await createTestDatabase();
const usd = (value: string) => parseMoney(value, 'USD');
const as = (account: { id: string }) => accountActor(account.id, 'telegram');

describe('admin manual credit and debit', () => {
  it('moves money against the adjustments account, with a mandatory reason, once per key', async () => {
    const agent = await makeAccount(db, 'agent');
    const admin = await makeAccount(db, 'admin');
    const credit = { accountId: agent.id, amount: usd('25.00'), reason: 'cash received at the office', idempotencyKey: 'c-1' };
    await creditWallet(db, as(admin), credit);
    const replay = await creditWallet(db, as(admin), credit);
    expect(replay.replayed).toBe(true);
    expect(await balance(db, agent)).toBe('25.00');
    await debitWallet(db, as(admin), { accountId: agent.id, amount: usd('5.00'), reason: 'correction', idempotencyKey: 'd-1' });
    expect(await balance(db, agent)).toBe('20.00');
    expect(formatMoney(await balanceOf(db, systemAccountId('adjustments', 'USD')))).toBe('-20.00 USD');
    const error = await expectDomainError(
      debitWallet(db, as(admin), { accountId: agent.id, amount: usd('20.01'), reason: 'too much', idempotencyKey: 'd-2' }),
      'insufficient_funds',
    );
    expect(error.details.balance).toEqual({ amount: '20.00', currency: 'USD' });
    const audit = await queryAuditLog(db, operator, { actorAccountId: admin.id, action: 'ledger.transfer' });
    expect(audit).toHaveLength(2);
    expect(audit[1]?.after).toMatchObject({ kind: 'manual_credit', metadata: { reason: 'cash received at the office' } });
    await expectLedgerConsistent(db);
  });

  it('refuses without a reason, from a non-admin, to a wallet-less admin, or in another currency', async () => {
    const agent = await makeAccount(db, 'agent');
    const admin = await makeAccount(db, 'admin');
    const base = { accountId: agent.id, amount: usd('1.00'), idempotencyKey: 'r' };
    await expectDomainError(creditWallet(db, operator, { ...base, reason: '   ' }), 'reason_required');
    await expectDomainError(creditWallet(db, as(agent), { ...base, reason: 'me' }), 'forbidden');
    await expectDomainError(creditWallet(db, operator, { ...base, accountId: admin.id, reason: 'x' }), 'no_wallet');
    await expectDomainError(creditWallet(db, operator, { ...base, amount: parseMoney('1.00', 'EUR'), reason: 'x' }), 'currency_mismatch');
    await expectDomainError(creditWallet(db, operator, { ...base, amount: usd('0'), reason: 'x' }), 'invalid_amount');
    expect(await balance(db, agent)).toBe('0.00');
  });
});

describe('top-ups', () => {
  it('an agent requests with a proof; an admin approves once; the wallet is credited once', async () => {
    const agent = await makeAccount(db, 'agent');
    const admin = await makeAccount(db, 'admin');
    const request = await createTopupRequest(db, as(agent), { amount: usd('150.00'), proof: { kind: 'photo', fileId: 'AgAD-1', fileUniqueId: 'uniq-1' } });
    expect(request).toMatchObject({ status: 'pending', duplicateOf: null });
    expect((await listPendingTopups(db, operator)).map((pending) => pending.id)).toContain(request.id);
    const approved = await approveTopup(db, as(admin), request.id);
    expect(approved).toMatchObject({ status: 'approved', decidedBy: admin.id });
    expect(approved.transferId).not.toBeNull();
    expect(await balance(db, agent)).toBe('150.00');
    await expectDomainError(approveTopup(db, as(admin), request.id), 'topup_already_decided');
    await expectDomainError(rejectTopup(db, as(admin), request.id, 'late'), 'topup_already_decided');
    expect(await balance(db, agent)).toBe('150.00');
    expect((await queryAuditLog(db, operator, { subject: { type: 'topup_request', id: request.id } })).map((row) => row.action)).toEqual([
      'topup.approved',
      'topup.requested',
    ]);
    await expectLedgerConsistent(db);
  });

  it('rejection needs a reason and moves nothing', async () => {
    const agent = await makeAccount(db, 'agent');
    const request = await createTopupRequest(db, as(agent), { amount: usd('10.00'), proof: { kind: 'reference', text: 'TRX 1' } });
    await expectDomainError(rejectTopup(db, operator, request.id, ''), 'reason_required');
    const rejected = await rejectTopup(db, operator, request.id, 'no such payment on the statement');
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'no such payment on the statement', transferId: null });
    await expectDomainError(approveTopup(db, operator, request.id), 'topup_already_decided');
    expect(await balance(db, agent)).toBe('0.00');
  });

  it('flags a proof already used by another request', async () => {
    const agent = await makeAccount(db, 'agent');
    const other = await makeAccount(db, 'agent');
    const first = await createTopupRequest(db, as(agent), { amount: usd('10.00'), proof: { kind: 'reference', text: 'Bank ref 99-A' } });
    const copy = await createTopupRequest(db, as(other), { amount: usd('10.00'), proof: { kind: 'reference', text: '  bank REF   99-a ' } });
    expect(copy.duplicateOf).toBe(first.id);
    const photo = await createTopupRequest(db, as(agent), { amount: usd('5.00'), proof: { kind: 'photo', fileId: 'file-A', fileUniqueId: 'same-picture' } });
    const resent = await createTopupRequest(db, as(agent), { amount: usd('5.00'), proof: { kind: 'photo', fileId: 'file-B', fileUniqueId: 'same-picture' } });
    expect(resent.duplicateOf).toBe(photo.id);
    const fresh = await createTopupRequest(db, as(agent), { amount: usd('5.00'), proof: { kind: 'photo', fileId: 'file-C', fileUniqueId: 'new-picture' } });
    expect(fresh.duplicateOf).toBeNull();
  });

  it('only active agents and partners request; amounts are positive and in the wallet currency; only admins decide', async () => {
    const { agent, sub } = await makeTree(db);
    const proof = { kind: 'reference' as const, text: 'ref' };
    await expectDomainError(createTopupRequest(db, as(sub), { amount: usd('1.00'), proof }), 'forbidden');
    await expectDomainError(createTopupRequest(db, as(agent), { amount: usd('0'), proof }), 'invalid_amount');
    await expectDomainError(createTopupRequest(db, as(agent), { amount: parseMoney('1', 'JPY'), proof }), 'currency_mismatch');
    await expectDomainError(createTopupRequest(db, as(agent), { amount: usd('1.00'), proof: { kind: 'reference', text: ' ' } }), 'proof_required');
    const request = await createTopupRequest(db, as(agent), { amount: usd('1.00'), proof });
    await expectDomainError(approveTopup(db, as(agent), request.id), 'forbidden');
    await setAccountStatus(db, operator, agent.id, 'paused');
    await expectDomainError(createTopupRequest(db, as(agent), { amount: usd('1.00'), proof }), 'account_paused');
    await expectDomainError(approveTopup(db, operator, '00000000-0000-4000-8000-000000000000'), 'topup_not_found');
  });

  describe('under concurrency', () => {
    let wide: Database;
    beforeAll(() => {
      wide = createDatabase(url, { poolSize: 16 }).db;
    });
    afterAll(async () => {
      await wide.destroy();
    });

    it('two admins approving one top-up at the same moment: one credit', async () => {
      const agent = await makeAccount(db, 'agent');
      const alice = await makeAccount(db, 'admin');
      const bob = await makeAccount(db, 'admin');
      for (let round = 0; round < 5; round += 1) {
        const request = await createTopupRequest(db, as(agent), { amount: usd('10.00'), proof: { kind: 'reference', text: `race ${round}` } });
        const outcomes = await Promise.allSettled([approveTopup(wide, as(alice), request.id), approveTopup(wide, as(bob), request.id)]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const loser = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(isDomainError(loser?.reason, 'topup_already_decided')).toBe(true);
        expect((await getTopupRequest(db, operator, request.id)).status).toBe('approved');
        await expectDomainError(getTopupRequest(db, operator, 'not-a-uuid'), 'topup_not_found');
      }
      expect(await balance(db, agent)).toBe('50.00');
      const credits = await db.selectFrom('transfers').select('id').where('kind', '=', 'topup').where('idempotency_key', 'like', 'topup:%').execute();
      const approvedRequests = await db.selectFrom('topup_requests').select('id').where('status', '=', 'approved').execute();
      expect(credits).toHaveLength(approvedRequests.length);
      await expectLedgerConsistent(db);
    });

    it('an agent pressing "fulfil" twice at once allocates once', async () => {
      const { agent, sub } = await makeTree(db);
      await fund(db, agent, '10.00');
      const request = await requestFunds(db, as(sub), { amount: usd('6.00') });
      const outcomes = await Promise.allSettled([fulfilFundRequest(wide, as(agent), request.id), fulfilFundRequest(wide, as(agent), request.id)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(isDomainError(outcomes.find((outcome) => outcome.status === 'rejected')?.reason, 'fund_request_already_decided')).toBe(true);
      expect([await balance(db, agent), await balance(db, sub)]).toEqual(['4.00', '6.00']);
      await expectLedgerConsistent(db);
    });

    it('a burst of parallel allocations, reclaims and holds in one tree conserves money and never overdraws', async () => {
      const agent = await makeAccount(db, 'agent');
      const subs = [await makeAccount(db, 'sub_agent', agent), await makeAccount(db, 'sub_agent', agent), await makeAccount(db, 'sub_agent', agent)];
      await fund(db, agent, '30.00');
      for (const sub of subs) await fund(db, sub, '5.00');
      const clearing = systemAccountId('order_clearing', 'USD');
      const clearingBefore = (await balanceOf(db, clearing)).amount;
      const operations = Array.from({ length: 60 }, (_, index) => {
        const sub = subs[index % 3] as (typeof subs)[number];
        const key = `burst-${index}`;
        switch (index % 4) {
          case 0:
            return () => allocate(wide, as(agent), { childId: sub.id, amount: usd('3.00'), idempotencyKey: key });
          case 1:
            return () => reclaim(wide, as(agent), { childId: sub.id, amount: usd('4.00'), idempotencyKey: key });
          case 2:
            return () =>
              transfer(wide, { idempotencyKey: key, kind: 'order_hold', actor: as(sub), entries: movement(walletId(sub.id), clearing, usd('2.50')) });
          default:
            return () =>
              transfer(wide, { idempotencyKey: key, kind: 'order_hold', actor: as(agent), entries: movement(walletId(agent.id), clearing, usd('5.00')) });
        }
      });
      const outcomes = await Promise.allSettled(operations.map((operation) => operation()));
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(refused.every((outcome) => isDomainError(outcome.reason, 'insufficient_funds'))).toBe(true);
      expect(refused.length).toBeGreaterThan(0); // the burst asks for more than there is
      const wallets = await Promise.all([agent, ...subs].map(async (account) => (await balanceOf(db, walletId(account.id))).amount));
      expect(wallets.every((value) => value >= 0n)).toBe(true);
      const held = (await balanceOf(db, clearing)).amount - clearingBefore;
      expect(wallets.reduce((sum, value) => sum + value, 0n) + held).toBe(4500n);
      await expectLedgerConsistent(db);
    });
  });
});

describe('allocation and reclaim', () => {
  it('an agent allocates to its direct sub-agent and reclaims up to the sub-agent balance', async () => {
    const { agent, sub } = await makeTree(db);
    await fund(db, agent, '100.00');
    await allocate(db, as(agent), { childId: sub.id, amount: usd('40.00'), idempotencyKey: 'a1' });
    await allocate(db, as(agent), { childId: sub.id, amount: usd('40.00'), idempotencyKey: 'a1' }); // a retried press
    expect([await balance(db, agent), await balance(db, sub)]).toEqual(['60.00', '40.00']);
    const tooMuch = await expectDomainError(reclaim(db, as(agent), { childId: sub.id, amount: usd('40.01'), idempotencyKey: 'r1' }), 'insufficient_funds');
    expect(tooMuch.details).toMatchObject({ accountId: sub.id, balance: { amount: '40.00', currency: 'USD' } });
    await reclaim(db, as(agent), { childId: sub.id, amount: usd('15.00'), idempotencyKey: 'r2' });
    expect([await balance(db, agent), await balance(db, sub)]).toEqual(['75.00', '25.00']);
    const overspend = await expectDomainError(allocate(db, as(agent), { childId: sub.id, amount: usd('75.01'), idempotencyKey: 'a2' }), 'insufficient_funds');
    expect(overspend.details.balance).toEqual({ amount: '75.00', currency: 'USD' });
    await expectLedgerConsistent(db);
  });

  it('only to direct children, never by a paused parent, never to a paused child; reclaim from a paused child works', async () => {
    const { agent, sub } = await makeTree(db);
    const { sub: strangerSub } = await makeTree(db);
    await fund(db, agent, '10.00');
    const move = { amount: usd('1.00'), idempotencyKey: 'k' };
    await expectDomainError(allocate(db, as(agent), { ...move, childId: strangerSub.id }), 'not_direct_child');
    await expectDomainError(allocate(db, as(sub), { ...move, childId: agent.id }), 'not_direct_child');
    await expectDomainError(allocate(db, operator, { ...move, childId: sub.id }), 'forbidden');

    await allocate(db, as(agent), { ...move, childId: sub.id, idempotencyKey: 'before-pause' });
    await setAccountStatus(db, as(agent), sub.id, 'paused');
    await expectDomainError(allocate(db, as(agent), { ...move, childId: sub.id }), 'account_paused');
    await reclaim(db, as(agent), { ...move, childId: sub.id, idempotencyKey: 'from-paused' });
    await setAccountStatus(db, as(agent), sub.id, 'active');

    await setAccountStatus(db, operator, agent.id, 'paused');
    await expectDomainError(allocate(db, as(agent), { ...move, childId: sub.id }), 'account_paused');
    await expectDomainError(reclaim(db, as(agent), { ...move, childId: sub.id }), 'account_paused');
    expect([await balance(db, agent), await balance(db, sub)]).toEqual(['10.00', '0.00']);
    await expectLedgerConsistent(db);
  });
});

describe('funding requests', () => {
  it('a sub-agent asks; its agent fulfils once (or declines); nobody else decides', async () => {
    const { agent, sub } = await makeTree(db);
    const { agent: stranger } = await makeTree(db);
    await fund(db, agent, '30.00');
    const request = await requestFunds(db, as(sub), { amount: usd('12.50'), note: 'weekend stock' });
    expect((await listPendingFundRequests(db, as(agent))).map((pending) => pending.id)).toEqual([request.id]);
    await expectDomainError(fulfilFundRequest(db, as(stranger), request.id), 'fund_request_not_found');
    const fulfilled = await fulfilFundRequest(db, as(agent), request.id);
    expect(fulfilled.status).toBe('fulfilled');
    await expectDomainError(fulfilFundRequest(db, as(agent), request.id), 'fund_request_already_decided');
    expect([await balance(db, agent), await balance(db, sub)]).toEqual(['17.50', '12.50']);

    const declined = await declineFundRequest(db, as(agent), (await requestFunds(db, as(sub), { amount: usd('1.00') })).id, 'not now');
    expect(declined).toMatchObject({ status: 'declined', reason: 'not now' });
    await expectDomainError(requestFunds(db, as(agent), { amount: usd('1.00') }), 'forbidden');
    await expectLedgerConsistent(db);
  });

  it('fulfilling without enough money is refused and the request stays pending', async () => {
    const { agent, sub } = await makeTree(db);
    const request = await requestFunds(db, as(sub), { amount: usd('5.00') });
    const error = await expectDomainError(fulfilFundRequest(db, as(agent), request.id), 'insufficient_funds');
    expect(error.details.balance).toEqual({ amount: '0.00', currency: 'USD' });
    expect((await listPendingFundRequests(db, as(agent))).map((pending) => pending.id)).toEqual([request.id]);
    await fund(db, agent, '5.00');
    await fulfilFundRequest(db, as(agent), request.id);
    expect(await balance(db, sub)).toBe('5.00');
    await expectLedgerConsistent(db);
  });
});
