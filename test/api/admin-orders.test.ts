// Admin order tools and invites over REST (admin key): find an order by reference, its timeline,
// cancel it with a reason (money back once, audited), retry a stuck one; list invites with their
// state and revoke one. Partner keys are refused. Responses are checked against OpenAPI. The
// timeline's events sent include the buyer's Telegram messages (REST and CLI), as recorded when queued
// and marked by the telegram.send worker.
import { describe, expect, it } from 'vitest';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import type { AppContext } from '../../src/context.ts';
import { createInvite, redeemInvite } from '../../src/domain/accounts/invites.ts';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { loggingOrderEventSink, routeOrderEvents } from '../../src/domain/orders/events.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { orderEventsQueue } from '../../src/domain/orders/queues.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { TelegramPermanentError } from '../../src/notifications/telegram.ts';
import { telegramSendQueue } from '../../src/notifications/telegram-queues.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { makeBotAccount } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { cliRunner } from '../support/cli.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';

// Order results reach bot buyers as main.ts routes them.
const orderEvents = (app: AppContext) => routeOrderEvents({ telegram: telegramOrderEventSink(app) }, loggingOrderEventSink(app.logger));
const harness = await createApiHarness({ ports: { orderEvents } });
const { ctx, call, adminKey, makePartner } = harness;
const steller = cliRunner(harness.database.url);
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
    // One refund wins; the other either met the order while it was being refunded (`unchanged`) or
    // after (`order_final`), depending on timing. Either way the money came back once.
    const answers = (await Promise.all([first!.json(), second!.json()])) as { outcome?: string; code?: string }[];
    expect([
      ['failed', 'unchanged'],
      ['failed', 'order_final'],
    ]).toContainEqual(answers.map((answer) => answer.outcome ?? answer.code).sort());
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

describe('order timeline: the Telegram messages sent', () => {
  it("lists the buyer's Telegram messages about the order (REST, CLI), recorded once when queued, then as Telegram answered", async () => {
    await saveCardList(ctx.db, platformActor('cli'), [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
    const agent = await makeBotAccount(ctx, 'agent', { name: 'Telegram Tara' });
    await fund(ctx.db, agent.account, '30.00');
    const { order } = await createOrder(ctx, {
      buyerId: agent.account.id,
      actor: accountActor(agent.account.id, 'telegram'),
      clientReference: 'tg-timeline-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
    const timeline = async () =>
      ((await (await call(adminKey, 'GET', `/v1/admin/orders/${order.number}`)).json()) as { telegramMessages: unknown[] }).telegramMessages;
    expect(await timeline()).toEqual([]);

    // Cancelled before it was sent: the buyer is told it failed, once, however often the event job runs.
    expect(await (await call(adminKey, 'POST', `/v1/admin/orders/${order.id}/refund`, { reason: 'duplicate order' })).json()).toMatchObject({
      outcome: 'failed',
    });
    await runDueJobs(harness, ctx, orderEventsQueue);
    await ctx.jobs.enqueue(orderEventsQueue, { orderId: order.id, type: 'order.failed' }); // a retried event job
    await runDueJobs(harness, ctx, orderEventsQueue);
    const queued = [{ kind: 'failed', cardIndex: null, status: 'queued', queuedAt: expect.any(String), sentAt: null, problem: null }];
    expect(await timeline()).toEqual(queued);

    // The buyer blocked the bot: Telegram refuses for good, and the timeline says so.
    const blocked = {
      ...ctx,
      telegram: {
        send: async () => {
          throw new TelegramPermanentError('Forbidden: bot was blocked by the user');
        },
        editMessage: async () => {},
        deleteMessage: async () => {},
      },
    };
    expect(await runDueJobs(harness, blocked, telegramSendQueue)).toEqual([{ undeliverable: 'Forbidden: bot was blocked by the user' }]);
    const refused = { ...queued[0], status: 'undeliverable', problem: 'Forbidden: bot was blocked by the user' };
    expect(await timeline()).toEqual([refused]);
    expect((await steller('order', 'timeline', '--id', order.number)).telegramMessages).toEqual([refused]);
    expect(await balance(ctx.db, agent.account)).toBe('30.00');
    await expectOrderMoneyConserved(ctx.db, [order.id]);
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
