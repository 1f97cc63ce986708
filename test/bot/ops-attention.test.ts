// Orders needing attention reach the admins in the bot: an alert with the resolve command when an
// order is parked (the order.needs_attention event through the admins' sink, as main.ts subscribes
// it), and the Operations screens' count and list, each order opening its tools where an admin
// decides it (vendor has it / lacks it, with a reason, confirmed; once, whoever else decides);
// only admins see them, in English and Arabic.
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { reconcileOrders } from '../../src/domain/orders/reconciliation.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { setAccountLanguage } from '../../src/domain/accounts/language.ts';
import { adminAlertSink } from '../../src/notifications/admin-alerts.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { makeAdmin, makeBotAccount, newStore, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';

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
    expect(lastText(calls)).toContain('open one to decide it');

    let before = calls.length;
    await bot.handleUpdate(callbackQuery(buyer.telegramUserId, 'ops:attention'));
    expect(calls.slice(before).some((call) => String((call.payload as { text?: string }).text ?? '').includes(order.number))).toBe(false);

    // The order's tools offer the decision; the buyer cannot use the button, even forged.
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, buttonData(calls, order.number)));
    expect(lastText(calls)).toContain(`${order.number} · needs_attention`);
    const vendorHas = buttonData(calls, 'Vendor has it');
    const vendorLacks = buttonData(calls, 'Vendor lacks it');
    before = calls.length;
    await bot.handleUpdate(callbackQuery(buyer.telegramUserId, vendorLacks));
    await bot.handleUpdate(textMessage(buyer.telegramUserId, 'forged'));
    expect(sentTextsSince(before).join('\n')).not.toContain('Reason');

    // An admin in Arabic decides "the vendor lacks it": reason, confirmation, the money back.
    const arabic = await makeAdmin(ctx);
    await setAccountLanguage(ctx.db, arabic.account.id, 'ar');
    await bot.handleUpdate(textMessage(arabic.telegramUserId, `/order ${order.number}`));
    await bot.handleUpdate(callbackQuery(arabic.telegramUserId, buttonData(calls, 'الطلب ليس لدى المورّد')));
    expect(lastText(calls)).toContain('اكتب السبب');
    // Meanwhile the English admin starts the other decision.
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, vendorHas));
    expect(lastText(calls)).toContain(`${order.number}: Bamboo has the order`);
    await bot.handleUpdate(textMessage(admin.telegramUserId, 'Support found it'));
    expect(lastText(calls)).toContain('Reason: Support found it');
    const englishConfirm = buttonData(calls, 'Confirm');

    await bot.handleUpdate(textMessage(arabic.telegramUserId, 'Bamboo portal: no such order'));
    expect(lastText(calls)).toContain('السبب: Bamboo portal: no such order');
    const arabicConfirm = buttonData(calls, 'تأكيد');
    await bot.handleUpdate(callbackQuery(arabic.telegramUserId, arabicConfirm));
    expect(lastText(calls)).toBe(`${order.number}: فشل، وعاد المال إلى محفظة المشتري.`);
    await bot.handleUpdate(callbackQuery(arabic.telegramUserId, arabicConfirm)); // a double tap: the flow is over

    // The second decision is refused by the domain: nothing changes, the money came back once.
    before = calls.length;
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, englishConfirm));
    expect(sentTextsSince(before).join('\n')).toContain('This order does not need a decision (any more)');
    expect(sentTextsSince(before).join('\n')).not.toContain('back to processing');
    expect(await balance(ctx.db, buyer.account)).toBe('50.00');
    const returns = await ctx.db.selectFrom('transfers').select('id').where('idempotency_key', '=', `order-return:${order.id}`).execute();
    expect(returns).toHaveLength(1);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'channel', 'actor_account_id', 'after']).where('subject_id', '=', order.id).execute();
    expect(audit).toEqual([
      {
        action: 'order.resolved',
        channel: 'telegram',
        actor_account_id: arabic.account.id,
        after: { status: 'failed', decision: 'vendor_lacks', reason: 'Bamboo portal: no such order' },
      },
    ]);
    await bot.handleUpdate(textMessage(admin.telegramUserId, `/order ${order.number}`));
    expect(lastText(calls)).toContain(`${order.number} · failed`);
    expect(lastText(calls)).toContain('order.resolved: Bamboo portal: no such order');
    expect(JSON.stringify(calls.at(-1)?.payload)).not.toContain('Vendor has it');
    await expectOrderMoneyConserved(ctx.db, [order.id]);
    await expectLedgerConsistent(ctx.db);

    function sentTextsSince(index: number): string[] {
      return calls.slice(index).map((call) => String((call.payload as { text?: string }).text ?? ''));
    }
  });
});
