// `steller order show|find|timeline|retry|refund`, `risk`, `invite` in-process against a test database.
import { describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { createInvite } from '../../src/domain/accounts/invites.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { riskLimitsFor } from '../../src/domain/orders/risk.ts';
import { quotePrice } from '../../src/domain/pricing/pricing.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectDomainError, fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { cliRunner } from '../support/cli.ts';

const { ctx, database } = await createTestContext();
const { db } = ctx;

const steller = cliRunner(database.url);

describe('steller plan / risk / card-list', () => {
  it('creates and assigns a plan, sets risk limits and the card list, all audited', async () => {
    await insertProduct(db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
    const partner = await makeAccount(db, 'partner');
    const plan = await steller('plan', 'create', '--name', 'cli 3%', '--discount-bps', '300');
    await steller('plan', 'discount', '--plan', plan.id, '--product', String(SIM_PRODUCTS.range), '--bps', '150');
    await steller('plan', 'assign', '--plan', plan.id, '--role', 'partner');
    const quote = await quotePrice(db, {
      accountId: partner.id,
      productId: SIM_PRODUCTS.range,
      face: parseMoney('100.00', 'USD'),
      orderFee: { amount: '0', currency: 'USD' },
    });
    expect(formatAmount(quote.unitPrice)).toBe('98.50');

    expect(await steller('risk', 'set', '--account', partner.id, '--daily-orders', '3', '--max-order', '50.00')).toMatchObject({
      accountId: partner.id,
      dailyOrderCount: 3,
      dailySpend: null,
    });
    expect(await riskLimitsFor(db, partner)).toEqual({ dailySpend: null, dailyOrderCount: 3, maxOrder: 5000n });
    expect(await steller('risk', 'show', '--account', partner.id)).toEqual({
      accountId: partner.id,
      source: 'account',
      dailySpend: null,
      dailyOrderCount: 3,
      maxOrder: { amount: '50.00', currency: 'USD' },
      today: { spent: { amount: '0.00', currency: 'USD' }, orders: 0 },
    });

    const entries = JSON.stringify([{ productId: SIM_PRODUCTS.range, range: { min: 1000, max: 5000 } }]);
    expect(await steller('card-list', 'set', '--entries', entries)).toEqual([
      { position: 0, productId: String(SIM_PRODUCTS.range), range: { min: '1000', max: '5000' } },
    ]);
    expect(await steller('card-list', 'show')).toHaveLength(1);
    await expectDomainError(
      steller('card-list', 'set', '--entries', JSON.stringify([{ productId: SIM_PRODUCTS.range, range: { min: 100, max: 5000 } }])),
      'denomination_out_of_range',
    );
    const audited = (await queryAuditLog(db, platformActor('cli'), { limit: 50 })).map((row) => row.action);
    expect(audited).toEqual(
      expect.arrayContaining(['price_plan.created', 'price_plan.discount_set', 'price_plan.role_default_set', 'risk_limits.set', 'card_list.saved']),
    );
  });
});

describe('steller order', () => {
  it('shows and finds an order and refunds one that never reached the vendor, once, with a reason, on its timeline', async () => {
    await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const buyer = await makeAccount(db, 'agent'); // no plan: face value
    await fund(db, buyer, '50.00');
    const { order } = await createOrder(ctx, {
      buyerId: buyer.id,
      actor: accountActor(buyer.id, 'api'),
      clientReference: 'cli-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 2,
    });
    const shown = await steller('order', 'show', '--id', order.number);
    expect(shown).toMatchObject({ order: { id: order.id, status: 'pending', number: order.number }, cardsStored: 0 });
    // Money is printed as the API shows it.
    expect(shown.order).toMatchObject({ face: { amount: '10.00', currency: 'USD' }, total: { amount: '20.00', currency: 'USD' } });
    expect(shown.transitions.map((transition: { status: string }) => transition.status)).toEqual(['pending']);
    expect(await balance(db, buyer)).toBe('30.00');

    expect(await steller('order', 'find', 'cli-1')).toEqual([
      expect.objectContaining({ number: order.number, reference: 'cli-1', buyerId: buyer.id, total: { amount: '20.00', currency: 'USD' } }),
    ]);
    expect(await steller('order', 'refund', '--id', order.id, '--reason', 'buyer cancelled')).toEqual({ outcome: 'failed' });
    expect(await balance(db, buyer)).toBe('50.00');
    await expectDomainError(steller('order', 'refund', '--id', order.id, '--reason', 'again'), 'order_final');
    const timeline = await steller('order', 'timeline', '--id', order.number);
    expect(timeline.transitions.map((transition: { status: string }) => transition.status)).toEqual(['pending', 'failed']);
    expect(timeline.money.map((transfer: { kind: string }) => transfer.kind)).toEqual(['order_hold', 'order_release']);
    expect(timeline.actions).toEqual([expect.objectContaining({ action: 'order.refunded', after: { outcome: 'failed', reason: 'buyer cancelled' } })]);
    await expectDomainError(steller('order', 'retry', '--id', order.id), 'order_final');
    expect(await balance(db, buyer)).toBe('50.00');
    await expectOrderMoneyConserved(db, [order.id]);
  });
});

describe('steller invite', () => {
  it('lists invites with their state and revokes one by its short id, once', async () => {
    const { invite } = await createInvite(db, platformActor('cli'), { role: 'agent', name: 'CLI Invite', currency: 'USD' });
    const listed = await steller('invite', 'list', '--state', 'pending');
    expect(listed.invites).toEqual(expect.arrayContaining([expect.objectContaining({ id: invite.id, state: 'pending', name: 'CLI Invite' })]));
    expect(await steller('invite', 'revoke', invite.id.slice(0, 8))).toMatchObject({ id: invite.id, revokedAt: expect.any(String) });
    expect((await steller('invite', 'list', '--state', 'revoked')).invites).toEqual([expect.objectContaining({ id: invite.id, state: 'revoked' })]);
    expect((await steller('invite', 'list', '--state', 'pending')).invites.map((one: { id: string }) => one.id)).not.toContain(invite.id);
    await expectDomainError(steller('invite', 'revoke', 'abcdef12'), 'invite_not_found');
  });
});
