// The admins' daily summary: a day of orders against the simulator (one completed, one failed, one
// stuck past its deadline), a pending top-up, the vendor balance, the day's signups, activations,
// sales and revenue per channel, success rate and completion times; sent once per day even when the
// job runs twice.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../bot/i18n.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { dailySummaryQueue } from '../../src/jobs/handlers/daily-summary.ts';
import { orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { makeAdmin, makeBotAccount, queuedMessages } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, makeAccount } from '../support/money.ts';
import { runDueJobs } from '../support/orders.ts';

const test = await createTestContext();
const { ctx } = test;
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
const job = { id: 'test', retryCount: 0, signal: new AbortController().signal };

describe('daily summary', () => {
  it('counts the day, tells every admin once', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    const admin = await makeAdmin(ctx);
    const partner = await makeAccount(ctx.db, 'partner');
    await fund(ctx.db, partner, '100.00');
    const order = (reference: string, quantity: number) =>
      createOrder(ctx, {
        buyerId: partner.id,
        actor: accountActor(partner.id, 'api'),
        clientReference: reference,
        productId: SIM_PRODUCTS.steam10,
        face: parseMoney('10.00', 'USD'),
        quantity,
      });
    const completed = await order('summary-1', 2);
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'fail' });
    const failed = await order('summary-2', 1);
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    const stuck = await order('summary-3', 1); // still open, and past its deadline below
    // Fixed durations: the completed order took 4 s from creation to completion.
    await sql`update orders set finished_at = created_at + interval '4 seconds' where id = ${completed.order.id}`.execute(ctx.db);
    await sql`update orders set deadline_at = now() - interval '1 minute' where id = ${stuck.order.id}`.execute(ctx.db);
    const agent = await makeBotAccount(ctx, 'agent');
    await createTopupRequest(ctx.db, accountActor(agent.account.id, 'telegram'), {
      amount: parseMoney('50.00', 'USD'),
      proof: { kind: 'reference', text: 'REF-1' },
    });

    const day = new Date().toISOString().slice(0, 10);
    expect(await dailySummaryQueue.handle(ctx, { day }, job)).toEqual({ day, sent: true });
    expect(await dailySummaryQueue.handle(ctx, { day }, job)).toEqual({ day, sent: false });
    const messages = await queuedMessages(test.boss, admin.telegramUserId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toEqual({
      key: 'daily-summary',
      vars: {
        day,
        orders: 3,
        completed: 1,
        partial: 0,
        failed: 1,
        open: 1,
        gmv: '20.00 USD',
        topups: 1,
        vendor: expect.stringMatching(/\d+\.\d{2} USD/),
        // The partner and the agent signed up today (admins are not customers); the partner's first delivered order.
        signupPartners: 1,
        signupAgents: 1,
        signupSubAgents: 0,
        activations: 1,
        // 2 cards × 10.00; revenue = 20.00 − the simulator's 2 × 9.47.
        gmvApi: '20.00 USD',
        revenueApi: '1.06 USD',
        gmvTelegram: '0',
        revenueTelegram: '0',
        successRate: '50.0%',
        p50: '4.0',
        p99: '4.0',
        failedFinished: 1,
        failedIds: `(${failed.order.number})`,
        stuck: 1,
        stuckIds: `(${stuck.order.number})`,
      },
    });
    // The texts the admins read: every variable filled, in both languages.
    const text = messages[0]!.text as { key: string; vars: Record<string, string | number> };
    const i18n = createI18n();
    for (const locale of ['en', 'ar']) {
      const rendered = i18n.t(locale, text.key, text.vars);
      expect(rendered, locale).not.toMatch(/\{ ?\$/);
      expect(rendered).toContain('1.06 USD');
      expect(rendered).toContain('p50 4.0');
      expect(rendered).toContain(`(${stuck.order.number})`);
    }
    expect(i18n.t('en', 'daily-summary', text.vars)).toContain('Finished that day, API: GMV 20.00 USD · revenue 1.06 USD');
  });
});
