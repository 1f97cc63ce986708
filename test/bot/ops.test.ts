// Admin Operations screens: queue sizes, failed jobs with their error, Retry (one, all) that puts a
// dead-lettered job back so it runs and succeeds, and the vendor view; only admins reach them.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { startWorkers } from '../../src/jobs/boss.ts';
import { dailySummaryQueue } from '../../src/jobs/handlers/daily-summary.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { createTestContext } from '../support/context.ts';
import { buttonData, callbackQuery, lastText } from '../support/telegram.ts';

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

  it('is for admins only', async () => {
    const agent = await makeBotAccount(ctx, 'agent');
    const { bot, calls } = startTestBot(ctx, store);
    await boss.send(`${queue}.dead`, { day: '2026-01-08' });
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'ops:ra'));
    expect(calls.some((call) => call.method === 'editMessageText' && String((call.payload as { text?: string }).text).includes('job'))).toBe(false);
    expect(await boss.findJobs(`${queue}.dead`, { data: { day: '2026-01-08' } })).toHaveLength(1);
  });
});
