// Admin order tools and invites over REST (admin key): find an order by reference, its timeline,
// cancel it with a reason (money back once, audited), retry a stuck one; list invites with their
// state and revoke one. Partner keys are refused. Responses are checked against OpenAPI.
import { describe, expect, it } from 'vitest';
import { createInvite, redeemInvite } from '../../src/domain/accounts/invites.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const { ctx, call, adminKey, makePartner } = await createApiHarness();
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });

const placeOrder = (key: string, reference: string) =>
  call(key, 'POST', '/v1/orders', {
    productId: String(SIM_PRODUCTS.steam10),
    faceValue: { amount: '10.00', currency: 'USD' },
    quantity: 2,
    referenceId: reference,
  });

describe('admin order tools API', () => {
  it('finds an order by reference, shows its timeline, cancels it with a reason once, and refuses partner keys', async () => {
    const partner = await makePartner('Orbit Cards');
    await fund(ctx.db, partner.account, '50.00');
    const created = (await (await placeOrder(partner.liveKey, 'orbit-ref-1')).json()) as { id: string; number: string };

    const found = await call(adminKey, 'GET', '/v1/admin/orders?q=orbit-ref-1');
    expect(await found.json()).toEqual({
      data: [
        expect.objectContaining({
          id: created.id,
          number: created.number,
          buyerName: 'Orbit Cards',
          status: 'pending',
          total: { amount: '20.00', currency: 'USD' },
        }),
      ],
    });
    expect(((await (await call(adminKey, 'GET', '/v1/admin/orders?q=orbit')).json()) as { data: unknown[] }).data).toHaveLength(1);

    const refund = (reason: string) => call(adminKey, 'POST', `/v1/admin/orders/${created.number}/refund`, { reason });
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/orders/${created.number}/refund`, {}), 400, 'validation_failed');
    const [first, second] = await Promise.all([refund('partner asked to cancel'), refund('partner asked to cancel')]);
    const outcomes = [(await first!.json()) as { outcome: string }, (await second!.json()) as { outcome: string }].map((answer) => answer.outcome);
    expect(outcomes.sort()).toEqual(['failed', 'unchanged']);
    expect(await balance(ctx.db, partner.account)).toBe('50.00');
    await expectProblem(await refund('again'), 422, 'order_final');
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/orders/${created.id}/retry`), 422, 'order_final');

    const timeline = (await (await call(adminKey, 'GET', `/v1/admin/orders/${created.id}`)).json()) as {
      transitions: { status: string }[];
      money: { kind: string }[];
      actions: { action: string; after: unknown }[];
      buyer: { name: string };
    };
    expect(timeline.buyer.name).toBe('Orbit Cards');
    expect(timeline.transitions.map((transition) => transition.status)).toEqual(['pending', 'failed']);
    expect(timeline.money.map((transfer) => transfer.kind)).toEqual(['order_hold', 'order_release']);
    expect(timeline.actions).toEqual([expect.objectContaining({ action: 'order.refunded', after: { outcome: 'failed', reason: 'partner asked to cancel' } })]);
    await expectProblem(await call(adminKey, 'GET', '/v1/admin/orders/ST-999999999'), 404, 'order_not_found');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/orders?q=orbit'), 403, 'forbidden');
    await expectProblem(await call(partner.liveKey, 'POST', `/v1/admin/orders/${created.id}/refund`, { reason: 'mine' }), 403, 'forbidden');
    await expectOrderMoneyConserved(ctx.db, [created.id]);
  });

  it('retries a stuck order: it is sent to the vendor now, audited', async () => {
    const partner = await makePartner();
    await fund(ctx.db, partner.account, '50.00');
    const created = (await (await placeOrder(partner.liveKey, 'stuck-1')).json()) as { id: string };
    const retried = await call(adminKey, 'POST', `/v1/admin/orders/${created.id}/retry`);
    expect(await retried.json()).toMatchObject({ outcome: 'placed', order: { id: created.id, status: 'processing' } });
    const timeline = (await (await call(adminKey, 'GET', `/v1/admin/orders/${created.id}`)).json()) as {
      vendor: { requestId: string | null };
      actions: { action: string }[];
    };
    expect(timeline.vendor.requestId).toEqual(expect.any(String));
    expect(timeline.actions.map((action) => action.action)).toEqual(['order.retried']);
    await expectLedgerConsistent(ctx.db);
  });
});

describe('admin invites API', () => {
  it('lists invites with their state and revokes an unused one once; a used one cannot be revoked', async () => {
    const operator = platformActor('cli');
    const { invite: open } = await createInvite(ctx.db, operator, { role: 'agent', name: 'Open Invite', currency: 'USD' });
    const { invite: used, token } = await createInvite(ctx.db, operator, { role: 'agent', name: 'Used Invite', currency: 'USD' });
    await redeemInvite(ctx.db, { token, telegramUserId: '700000123', name: 'Used' });

    const pending = (await (await call(adminKey, 'GET', '/v1/admin/invites?state=pending')).json()) as { data: { id: string; state: string }[] };
    expect(pending.data.map((invite) => invite.id)).toContain(open.id);
    expect(pending.data.every((invite) => invite.state === 'pending')).toBe(true);

    const revoked = await call(adminKey, 'POST', `/v1/admin/invites/${open.id}/revoke`);
    expect(await revoked.json()).toMatchObject({ id: open.id, state: 'revoked', revokedAt: expect.any(String) });
    expect(await (await call(adminKey, 'POST', `/v1/admin/invites/${open.id}/revoke`)).json()).toMatchObject({ state: 'revoked' });
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/invites/${used.id}/revoke`), 422, 'invite_used');
    const all = (await (await call(adminKey, 'GET', '/v1/admin/invites')).json()) as { data: { id: string; state: string }[] };
    expect(all.data.filter((invite) => [open.id, used.id].includes(invite.id)).map((invite) => invite.state)).toEqual(['redeemed', 'revoked']);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', open.id).execute();
    expect(audit.map((row) => row.action)).toEqual(['invite.created', 'invite.revoked']);
    await expectProblem(await call(adminKey, 'POST', '/v1/admin/invites/00000000-0000-4000-8000-000000000000/revoke'), 404, 'invite_not_found');
  });
});
