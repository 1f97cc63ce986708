// Orders needing attention reach the admins in the bot: an alert with the resolve command when an
// order is parked (the order.needs_attention event through the admins' sink, as main.ts subscribes
// it), and the Operations screens' count and list; only admins see them.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { adminAlertSink } from '../../src/notifications/admin-alerts.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { makeAdmin, makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund } from '../support/money.ts';
import { buttonData, callbackQuery, lastText } from '../support/telegram.ts';

const { ctx, boss } = await createTestContext({ ports: { eventSinks: (app) => [adminAlertSink(app)] } });
const store = newStore(ctx);

describe('orders needing attention in the bot', () => {
  it('alert the admins with the resolve command and show in Operations, for admins only', async () => {
    const admin = await makeAdmin(ctx);
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const buyer = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, buyer.account, '50.00');
    const { order } = await createOrder(ctx, {
      buyerId: buyer.account.id,
      actor: accountActor(buyer.account.id, 'api'),
      clientReference: 'bot-attention-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
    // Its checkout may have reached Bamboo, and Bamboo says it has no such order.
    await ctx.db.updateTable('orders').set({ status: 'placing', vendor_request_id: crypto.randomUUID() }).where('id', '=', order.id).execute();
    expect((await reconcileOrders(ctx, new Date(Date.now() + ctx.config.ORDER_DEADLINE_SECONDS * 1000 + 1000))).needsAttention).toBe(1);

    const alerts = (await queuedMessages(boss, admin.telegramUserId)).filter(
      (message) => 'key' in message.text && message.text.key === 'order-needs-attention-alert',
    );
    expect(alerts).toEqual([
      expect.objectContaining({ text: { key: 'order-needs-attention-alert', vars: { number: order.number, reason: 'vendor_lost_order' } } }),
    ]);

    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'ops:home'));
    expect(lastText(calls)).toContain('Orders needing attention: 1');
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, 'Needs attention (1)')));
    expect(lastText(calls)).toContain(`${order.number}: 10.00 USD held, vendor_lost_order since`);
    expect(lastText(calls)).toContain('npx steller order resolve');

    const before = calls.length;
    await bot.handleUpdate(callbackQuery(buyer.telegramUserId, 'ops:attention'));
    expect(calls.slice(before).some((call) => String((call.payload as { text?: string }).text ?? '').includes(order.number))).toBe(false);
  });
});
