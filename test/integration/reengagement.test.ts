// Re-engagement: partners, agents and sub-agents inactive for REENGAGEMENT_INACTIVE_DAYS are told
// once per spell of inactivity (an `account.inactive` webhook event, a bot message); active, young,
// paused and unreachable accounts are left alone; a second run, or two at once, sends nothing more;
// renewed activity followed by another full spell sends again.
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../bot/i18n.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { setAccountStatus, type Account } from '../../src/domain/accounts/accounts.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { reengagementQueue } from '../../src/jobs/handlers/reengagement.ts';
import { sendReengagementNotices } from '../../src/notifications/reengagement.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { makeAdmin, makeBotAccount, queuedMessages } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { fund, makeAccount, operator } from '../support/money.ts';

const test = await createTestContext({ env: { REENGAGEMENT_INACTIVE_DAYS: '30' } });
const { ctx } = test;
const { db } = ctx;
await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
const job = { id: 'test', retryCount: 0, signal: new AbortController().signal };

const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
const dayString = (date: Date) => date.toISOString().slice(0, 10);
const createdDaysAgo = (account: Pick<Account, 'id'>, days: number) =>
  db
    .updateTable('accounts')
    .set({ created_at: daysAgo(days) })
    .where('id', '=', account.id)
    .execute();
const apiDay = (account: Pick<Account, 'id'>, day: Date) =>
  db
    .insertInto('api_usage_days')
    .values({ account_id: account.id, day: dayString(day), requests: 3 })
    .onConflict((c) => c.columns(['account_id', 'day']).doNothing())
    .execute();
const inactiveEvents = (account: Pick<Account, 'id'>) =>
  db
    .selectFrom('webhook_events')
    .select(['type', 'payload', 'dedupe_key'])
    .where('account_id', '=', account.id)
    .where('type', '=', 'account.inactive')
    .orderBy('created_at')
    .execute();
const reminders = async (telegramUserId: number) =>
  (await queuedMessages(test.boss, telegramUserId)).filter((message) => 'key' in message.text && message.text.key === 'reengagement-inactive');
const notices = (account: Pick<Account, 'id'>) => db.selectFrom('reengagement_notices').selectAll().where('account_id', '=', account.id).execute();

describe('re-engagement', () => {
  it('tells inactive partners and agents once, skips active, young, paused and unreachable accounts, and again only after a new spell', async () => {
    // Inactive for 40 days: the last API request day.
    const idlePartner = await makeAccount(db, 'partner');
    await createdDaysAgo(idlePartner, 60);
    const lastApiDay = daysAgo(40);
    await apiDay(idlePartner, lastApiDay);
    // Inactive: a top-up request 45 days ago, nothing since.
    const idleAgent = await makeBotAccount(ctx, 'agent');
    await createdDaysAgo(idleAgent.account, 60);
    await createTopupRequest(db, accountActor(idleAgent.account.id, 'telegram'), {
      amount: parseMoney('50.00', 'USD'),
      proof: { kind: 'reference', text: 'OLD-1' },
    });
    await db
      .updateTable('topup_requests')
      .set({ created_at: daysAgo(45) })
      .where('account_id', '=', idleAgent.account.id)
      .execute();
    // Never did anything, created 31 days ago.
    const idleSub = await makeBotAccount(ctx, 'sub_agent', { parent: idleAgent.account });
    await createdDaysAgo(idleSub.account, 31);

    // Active: the partner's test key ordered 3 days ago (sandbox activity counts for the partner).
    const testingPartner = await makeAccount(db, 'partner');
    const sandboxId = (await issueApiKey(db, apiKeySecret(ctx.config), operator, { accountId: testingPartner.id, mode: 'test' })).accountId;
    await fund(db, { ...testingPartner, id: sandboxId }, '20.00');
    const { order: sandboxOrder } = await createOrder(ctx, {
      buyerId: sandboxId,
      actor: accountActor(sandboxId, 'api'),
      clientReference: 'sandbox-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
    await db
      .updateTable('orders')
      .set({ created_at: daysAgo(3) })
      .where('id', '=', sandboxOrder.id)
      .execute();
    await createdDaysAgo(testingPartner, 60);
    // Active: API requests yesterday.
    const callingPartner = await makeAccount(db, 'partner');
    await createdDaysAgo(callingPartner, 90);
    await apiDay(callingPartner, daysAgo(1));
    // Active: money arrived today (a top-up credited to the wallet).
    const fundedAgent = await makeBotAccount(ctx, 'agent');
    await fund(db, fundedAgent.account, '10.00');
    await createdDaysAgo(fundedAgent.account, 60);
    // Young: created 10 days ago, nothing done.
    const youngAgent = await makeBotAccount(ctx, 'agent');
    await createdDaysAgo(youngAgent.account, 10);
    // Paused, and a sub-agent under a paused agent.
    const pausedPartner = await makeAccount(db, 'partner');
    await createdDaysAgo(pausedPartner, 60);
    await setAccountStatus(db, operator, pausedPartner.id, 'paused');
    const pausedAgent = await makeBotAccount(ctx, 'agent');
    const underPaused = await makeBotAccount(ctx, 'sub_agent', { parent: pausedAgent.account });
    await createdDaysAgo(pausedAgent.account, 60);
    await createdDaysAgo(underPaused.account, 60);
    await setAccountStatus(db, operator, pausedAgent.account.id, 'paused');
    // Nobody to tell: an agent without Telegram; and admins are not customers.
    const unboundAgent = await makeAccount(db, 'agent');
    await createdDaysAgo(unboundAgent, 60);
    const admin = await makeAdmin(ctx);
    await createdDaysAgo(admin.account, 60);

    expect(await reengagementQueue.handle(ctx, {}, job)).toEqual({ notified: 3, partners: 1, agents: 2 });
    expect(await reengagementQueue.handle(ctx, {}, job)).toEqual({ notified: 0, partners: 0, agents: 0 });

    const spellStart = new Date(`${dayString(lastApiDay)}T00:00:00.000Z`).toISOString();
    expect(await inactiveEvents(idlePartner)).toEqual([
      {
        type: 'account.inactive',
        payload: { accountId: idlePartner.id, inactiveSince: spellStart, lastActivityAt: spellStart, inactiveDays: 30 },
        dedupe_key: `account.inactive:${spellStart}`,
      },
    ]);
    expect(await reminders(idleAgent.telegramUserId)).toEqual([expect.objectContaining({ text: { key: 'reengagement-inactive', vars: { days: 30 } } })]);
    for (const locale of ['en', 'ar']) expect(createI18n().t(locale, 'reengagement-inactive', { days: 30 }), locale).not.toMatch(/\{ ?\$/);
    expect(await reminders(idleSub.telegramUserId)).toHaveLength(1);
    expect((await notices(idleSub.account))[0]).toMatchObject({ channel: 'telegram', last_activity_at: null, inactive_days: 30 });
    for (const skipped of [
      testingPartner,
      callingPartner,
      fundedAgent.account,
      youngAgent.account,
      pausedPartner,
      pausedAgent.account,
      underPaused.account,
      unboundAgent,
      admin.account,
    ]) {
      expect(await notices(skipped), skipped.name).toEqual([]);
    }
    for (const skipped of [fundedAgent, youngAgent, pausedAgent, underPaused, admin]) expect(await reminders(skipped.telegramUserId)).toEqual([]);
    expect(await db.selectFrom('webhook_events').select('account_id').where('type', '=', 'account.inactive').execute()).toHaveLength(1);

    // Active again today: nothing now; 31 days later (no activity since) a new spell, told once more.
    await apiDay(idlePartner, new Date());
    await createTopupRequest(db, accountActor(idleAgent.account.id, 'telegram'), {
      amount: parseMoney('10.00', 'USD'),
      proof: { kind: 'reference', text: 'NEW-1' },
    });
    expect(await reengagementQueue.handle(ctx, {}, job)).toEqual({ notified: 0, partners: 0, agents: 0 });
    const later = new Date(Date.now() + 31 * DAY);
    const laterRun = await sendReengagementNotices(ctx, later);
    expect(await sendReengagementNotices(ctx, later)).toEqual({ notified: 0, partners: 0, agents: 0 });
    expect(await inactiveEvents(idlePartner)).toHaveLength(2);
    expect((await inactiveEvents(idlePartner))[1]!.payload).toMatchObject({ inactiveSince: `${dayString(new Date())}T00:00:00.000Z` });
    expect(await reminders(idleAgent.telegramUserId)).toHaveLength(2);
    // The sub-agent did nothing at all: still the same spell (since its creation), never told twice.
    expect(await reminders(idleSub.telegramUserId)).toHaveLength(1);
    expect(await notices(idleSub.account)).toHaveLength(1);
    // Also told by then: everyone else with 30 quiet days (the callers, the tester, the funded and the young agent).
    expect(laterRun).toEqual({ notified: 6, partners: 3, agents: 3 });
  });

  it('two runs at once tell an account once', async () => {
    const partner = await makeAccount(db, 'partner');
    await createdDaysAgo(partner, 45);
    const agent = await makeBotAccount(ctx, 'agent');
    await createdDaysAgo(agent.account, 45);
    const runs = await Promise.all([sendReengagementNotices(ctx), sendReengagementNotices(ctx), sendReengagementNotices(ctx)]);
    expect(runs.reduce((sum, run) => sum + run.notified, 0)).toBe(2);
    expect(await inactiveEvents(partner)).toHaveLength(1);
    expect(await reminders(agent.telegramUserId)).toHaveLength(1);
  });
});
