// Wallet events decided once, in the domain: a debit made in the bot publishes `wallet.low_balance`
// when it crosses LOW_BALANCE_THRESHOLD (20 by default), `wallet.adjusted` for an admin's
// adjustment; over the API nobody is told (docs/money.md, Low-balance crossings).
import { describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/context.ts';
import { accountActor } from '../../src/domain/actor.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { allocate, reclaim } from '../../src/domain/funding/allocation.ts';
import { debitWallet } from '../../src/domain/funding/manual.ts';
import { crossedBelow } from '../../src/domain/ledger/low-balance.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createTestContext } from '../support/context.ts';
import { deliverRecordedEvents } from '../support/events.ts';
import { balance, expectLedgerConsistent, fund, makeAccount, makeTree } from '../support/money.ts';

const { ctx, boss } = await createTestContext();
const heard: DomainEvent[] = [];
const app = createAppContext(ctx, { eventSinks: () => [async (event) => void heard.push(event)] });
const usd = (value: string) => parseMoney(value, 'USD');
const inBot = (account: { id: string }) => accountActor(account.id, 'telegram');
/** What the sinks heard once the events recorded so far were delivered (as the domain.event worker does). */
const delivered = async () => {
  await deliverRecordedEvents({ boss }, app);
  return heard;
};
const lowBalance = async () => (await delivered()).filter((event) => event.type === 'wallet.low_balance');

describe('low-balance crossing', () => {
  it('is a debit from at or above the threshold to below it', () => {
    expect(crossedBelow(usd('19.99'), usd('0.01'), usd('20.00'))).toBe(true);
    expect(crossedBelow(usd('20.00'), usd('5.00'), usd('20.00'))).toBe(false);
    expect(crossedBelow(usd('5.00'), usd('5.00'), usd('20.00'))).toBe(false);
  });

  it('an allocation or reclaim made in the bot publishes it for the wallet that paid, once per crossing', async () => {
    const { agent, sub } = await makeTree(ctx.db);
    await fund(ctx.db, agent, '45.00');
    heard.length = 0;
    await allocate(app, inBot(agent), { childId: sub.id, amount: usd('30.00'), idempotencyKey: 'give-1' });
    await allocate(app, inBot(agent), { childId: sub.id, amount: usd('30.00'), idempotencyKey: 'give-1' }); // a replay moves nothing
    await allocate(app, inBot(agent), { childId: sub.id, amount: usd('5.00'), idempotencyKey: 'give-2' }); // already low
    expect(await lowBalance()).toEqual([{ type: 'wallet.low_balance', accountId: agent.id, balance: usd('15.00'), threshold: usd('20.00') }]);
    await reclaim(app, inBot(agent), { childId: sub.id, amount: usd('20.00'), idempotencyKey: 'take-1' }); // sub 35 → 15
    expect((await lowBalance()).at(-1)).toEqual({ type: 'wallet.low_balance', accountId: sub.id, balance: usd('15.00'), threshold: usd('20.00') });
    expect([await balance(ctx.db, agent), await balance(ctx.db, sub)]).toEqual(['30.00', '15.00']);
    await expectLedgerConsistent(ctx.db);
  });

  it('an admin debit in the bot tells the owner; the same debit over the API publishes nothing', async () => {
    const admin = await makeAccount(ctx.db, 'admin');
    const agent = await makeAccount(ctx.db, 'agent');
    await fund(ctx.db, agent, '50.00');
    heard.length = 0;
    await debitWallet(app, accountActor(admin.id, 'api'), { accountId: agent.id, amount: usd('25.00'), reason: 'api', idempotencyKey: 'api-1' });
    expect(await delivered()).toEqual([]);
    await fund(ctx.db, agent, '25.00');
    await debitWallet(app, inBot(admin), { accountId: agent.id, amount: usd('40.00'), reason: 'correction', idempotencyKey: 'bot-1' });
    // Two events of one change: delivered in either order.
    expect(await delivered()).toHaveLength(2);
    expect(heard).toEqual(
      expect.arrayContaining([
        { type: 'wallet.adjusted', accountId: agent.id, direction: 'debit', amount: usd('40.00'), reason: 'correction', balance: usd('10.00') },
        { type: 'wallet.low_balance', accountId: agent.id, balance: usd('10.00'), threshold: usd('20.00') },
      ]),
    );
    await expectLedgerConsistent(ctx.db);
  });
});
