// Admin Operations screens: queue sizes, failed jobs with their error, Retry (one, all) that puts a
// dead-lettered job back so it runs and succeeds, and the vendor view; only admins reach them.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { startWorkers } from '../../src/jobs/boss.ts';
import { dailySummaryQueue } from '../../src/jobs/handlers/daily-summary.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { createTestContext } from '../support/context.ts';
import { insertProduct } from '../support/catalog.ts';
import { buttonData, callbackQuery, lastText, textMessage } from '../support/telegram.ts';

const { ctx, boss } = await createTestContext();
const store = newStore(ctx);
const queue = dailySummaryQueue.name;

async function until(probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const stateOf = async (name: string, id: string) => (await boss.findJobs(name, { id }))[0]?.state;

describe('admin operations in the bot', () => {
  it('shows queues and failed jobs; Retry puts a dead-lettered job back and it succeeds; Retry all', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;
    const deadId = (await boss.send(`${queue}.dead`, { day: '2026-01-05' })) as string;
    await boss.send('telegram.delete', { chatId: 1, messageId: 2 }, { startAfter: 3600 });

    await bot.handleUpdate(callbackQuery(user, 'm:home'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Operations')));
    expect(lastText(calls)).toContain('Queues (waiting · active · failed · oldest waiting):');
    expect(lastText(calls)).toMatch(/telegram\.delete: 1 · 0 · 0 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(lastText(calls)).toContain(`${queue}.dead: 1 · 0 · 0`);

    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Failed jobs')));
    expect(lastText(calls)).toContain(`${queue}.dead ${deadId.slice(0, 8)}`);
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, `Retry ${deadId.slice(0, 8)}`)));
    expect(calls.find((call) => call.method === 'answerCallbackQuery' && (call.payload as { text?: string }).text === 'Put back 1 job(s).')).toBeDefined();
    expect(lastText(calls)).toBe('No failed jobs.');
    expect(await stateOf(`${queue}.dead`, deadId)).toBeUndefined();

    const [requeued] = await boss.findJobs(queue, { data: { day: '2026-01-05' } });
    const workers = await startWorkers(boss, [dailySummaryQueue], ctx, ctx.metrics);
    try {
      await until(async () => (await stateOf(queue, requeued?.id as string)) === 'completed');
    } finally {
      for (const worker of workers) await boss.offWork(queue, { id: worker });
    }

    await boss.send(`${queue}.dead`, { day: '2026-01-06' });
    await boss.send(`${queue}.dead`, { day: '2026-01-07' });
    await bot.handleUpdate(callbackQuery(user, 'ops:failed'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, 'Retry all')));
    expect(lastText(calls)).toBe('No failed jobs.');
    expect(await boss.findJobs(queue, { data: { day: '2026-01-07' } })).toHaveLength(1);
    const audit = await queryAuditLog(ctx.db, platformActor('cli'), { action: 'ops.jobs_retried' });
    expect(audit.map((row) => row.actor_account_id)).toEqual([admin.account.id, admin.account.id]);
  });

  it('shows the vendor: balances, syncs and the error rate', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'ops:vendor'));
    expect(lastText(calls)).toContain('Vendor accounts:\n#555: 100828.48 USD\n#556: 5000.00 EUR\n#557: 1000.00 USD (inactive)');
    expect(lastText(calls)).toContain('Failed vendor calls in the last hour: 0 of 0');
  });

  it('kill switches: pause a product with a reason (a flow), see it on the vendor screen, resume in one press; audited; in Arabic too', async () => {
    await insertProduct(ctx.db, { id: 439_685, minFace: 1000n, costMin: 947n });
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'ops:home'));
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '⏸ Sales')));
    expect(lastText(calls)).toBe('Sales are not paused.');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '⏸ Pause a product')));
    expect(lastText(calls)).toBe('Send the vendor product id to pause.');
    await bot.handleUpdate(textMessage(user, '999'));
    await bot.handleUpdate(textMessage(user, 'codes reported invalid'));
    // An unknown product: the domain refuses, nothing is paused.
    expect(lastText(calls)).toBe('This pause is not valid (an unknown product or brand, or no reason given).');
    await bot.handleUpdate(callbackQuery(user, 'ops:sp:product'));
    await bot.handleUpdate(textMessage(user, '439685'));
    expect(lastText(calls)).toContain('Why? Send the reason');
    await bot.handleUpdate(textMessage(user, 'codes reported invalid'));
    expect(lastText(calls)).toBe('Paused: product 439685 (codes reported invalid). New orders are refused until you resume.');

    await bot.handleUpdate(callbackQuery(user, 'ops:vendor'));
    expect(lastText(calls)).toContain('Breaker: closed (placements go to Bamboo)');
    expect(lastText(calls)).toMatch(/⏸ product 439685: codes reported invalid \(since \d{4}-\d{2}-\d{2} \d{2}:\d{2}\)/);
    await bot.handleUpdate(callbackQuery(user, 'ops:sales'));
    expect(lastText(calls)).toContain('Sales paused (new orders refused; accepted orders finish):');

    await ctx.db.updateTable('accounts').set({ language: 'ar' }).where('id', '=', admin.account.id).execute();
    await bot.handleUpdate(callbackQuery(user, 'ops:sales'));
    expect(lastText(calls)).toContain('المبيعات الموقوفة');
    await bot.handleUpdate(callbackQuery(user, buttonData(calls, '▶️ استئناف product 439685')));
    expect(calls.some((call) => call.method === 'answerCallbackQuery' && (call.payload as { text?: string }).text === 'استؤنفت المبيعات.')).toBe(true);
    expect(lastText(calls)).toBe('المبيعات غير موقوفة.');
    const audit = await queryAuditLog(ctx.db, platformActor('cli'), { actorAccountId: admin.account.id });
    expect(audit.filter((row) => row.subject_type === 'sales_pause').map((row) => [row.action, row.actor_account_id, row.channel])).toEqual([
      ['sales.resumed', admin.account.id, 'telegram'],
      ['sales.paused', admin.account.id, 'telegram'],
    ]);
  });

  it('is for admins only', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await boss.send(`${queue}.dead`, { day: '2026-01-08' });
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'ops:ra'));
    expect(calls.some((call) => call.method === 'editMessageText' && String((call.payload as { text?: string }).text).includes('job'))).toBe(false);
    expect(await boss.findJobs(`${queue}.dead`, { data: { day: '2026-01-08' } })).toHaveLength(1);
    // A forged pause button starts nothing for an agent.
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'ops:sp:all'));
    await bot.handleUpdate(textMessage(agent.telegramUserId, 'take it down'));
    expect(await ctx.db.selectFrom('sales_pauses').selectAll().where('resumed_at', 'is', null).execute()).toEqual([]);
  });
});
