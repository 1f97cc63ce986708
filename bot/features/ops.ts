// Admin: the Operations screens (issue 8). Queue sizes with the oldest waiting job, failed and
// dead-lettered jobs with their error and Retry / Retry all buttons (audited through
// retryFailedWork), the vendor view (Bamboo balances, last syncs, error rate) and the orders
// needing attention (each opens its order tools, where an admin decides it; docs/orders.md).
// Button-only: no conversation.
// Callback data: ops.callbacks.ts.
import { Composer, InlineKeyboard } from 'grammy';
import { databaseJobControl, failedJobs, queueSummaries, retryFailedWork } from '#src/ops/jobs.ts';
import { ordersNeedingAttention } from '#src/ops/orders.ts';
import { vendorView } from '#src/ops/vendor.ts';
import { formatMoney } from '#src/shared/money.ts';
import type { BotContext } from '../context.ts';
import { isActiveAdmin, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { controlCallbacks } from './control.callbacks.ts';
import { opsCallbacks } from './ops.callbacks.ts';

/** Failed jobs listed on one screen, and how many get their own Retry button. */
const FAILED_SHOWN = 10;
/** Orders needing attention listed on one screen (the count covers them all). */
const ATTENTION_SHOWN = 20;
const RETRY_BUTTONS = 5;
/** Error texts are cut so a screen stays within Telegram's message size. */
const shorten = (text: string, max = 120) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const when = (at: Date | null) => (at ? at.toISOString().slice(0, 16).replace('T', ' ') : '—');

async function homeScreen(ctx: BotContext) {
  const summaries = await queueSummaries(
    ctx.deps.app.db,
    telegramActor(ctx.user!.account),
    ctx.deps.queues.map((queue) => queue.name),
  );
  const lines = summaries.map((row) =>
    ctx.t('ops-queue-line', { queue: row.queue, waiting: row.waiting, active: row.active, failed: row.failed, oldest: when(row.oldestWaitingSince) }),
  );
  const attention = await ordersNeedingAttention(ctx.deps.app.db, telegramActor(ctx.user!.account), { limit: 1 });
  const keyboard = new InlineKeyboard()
    .text(ctx.t('ops-failed-button'), opsCallbacks.failed.build())
    .text(ctx.t('ops-vendor-button'), opsCallbacks.vendor.build())
    .row()
    .text(ctx.t('ops-attention-button', { count: attention.count }), opsCallbacks.attention.build())
    .row()
    .text(ctx.t('button-menu'), basicsCallbacks.home.build());
  return { text: [ctx.t('ops-queues-title'), ...lines, '', ctx.t('ops-attention-line', { count: attention.count })].join('\n'), keyboard };
}

async function failedScreen(ctx: BotContext) {
  const jobs = await failedJobs(ctx.deps.app.db, telegramActor(ctx.user!.account), { limit: FAILED_SHOWN });
  const keyboard = new InlineKeyboard();
  jobs
    .slice(0, RETRY_BUTTONS)
    .forEach((job) => keyboard.text(ctx.t('ops-retry-button', { id: job.id.slice(0, 8) }), opsCallbacks.retry.build({ jobId: job.id })).row());
  if (jobs.length > 0) keyboard.text(ctx.t('ops-retry-all-button'), opsCallbacks.retryAll.build()).row();
  keyboard.text(ctx.t('button-back'), opsCallbacks.home.build());
  const text =
    jobs.length === 0
      ? ctx.t('ops-no-failed')
      : [
          ctx.t('ops-failed-title'),
          ...jobs.map((job) => ctx.t('ops-failed-line', { queue: job.queue, id: job.id.slice(0, 8), error: shorten(job.error) })),
        ].join('\n');
  return { text, keyboard };
}

async function attentionScreen(ctx: BotContext) {
  const view = await ordersNeedingAttention(ctx.deps.app.db, telegramActor(ctx.user!.account), { limit: ATTENTION_SHOWN });
  const text =
    view.count === 0
      ? ctx.t('ops-no-attention')
      : [
          ctx.t('ops-attention-title'),
          ...view.orders.map((order) =>
            ctx.t('ops-attention-order', {
              number: order.number,
              total: formatMoney(order.total),
              reason: order.reason,
              problem: order.problem ? ` (${shorten(order.problem, 60)})` : '',
              since: when(order.since),
            }),
          ),
          ...(view.count > view.orders.length ? ['…'] : []),
        ].join('\n');
  // Each order opens its tools, where the admin decides it (vendor has it / lacks it).
  const keyboard = new InlineKeyboard();
  for (const order of view.orders) keyboard.text(order.number, controlCallbacks.order.build({ orderId: order.id })).row();
  return { text, keyboard: keyboard.text(ctx.t('button-back'), opsCallbacks.home.build()) };
}

async function vendorScreen(ctx: BotContext) {
  const view = await vendorView(ctx.deps.app, telegramActor(ctx.user!.account));
  const accounts = view.accounts
    ? [
        ctx.t('ops-vendor-title'),
        ...view.accounts.map((account) =>
          ctx.t('ops-vendor-account', {
            id: account.id,
            balance: formatMoney(account.balance),
            active: account.isActive ? '' : ` ${ctx.t('ops-vendor-inactive')}`,
          }),
        ),
      ]
    : [ctx.t('ops-vendor-unavailable', { error: shorten(view.accountsError ?? '') })];
  const syncs = view.syncs.map((run) =>
    ctx.t('ops-vendor-sync', {
      kind: run.kind,
      status: run.status,
      at: when(run.finishedAt ?? run.startedAt),
      counts: Object.entries(run.counts)
        .map(([name, count]) => `${name} ${count}`)
        .join(', '),
    }),
  );
  const rate = ctx.t('ops-vendor-error-rate', { failures: view.errorRate.failures, calls: view.errorRate.calls });
  return { text: [...accounts, '', ...syncs, rate].join('\n'), keyboard: new InlineKeyboard().text(ctx.t('button-back'), opsCallbacks.home.build()) };
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));
  const show = async (ctx: BotContext, screen: { text: string; keyboard: InlineKeyboard }) => {
    await ctx.editMessageText(screen.text, { reply_markup: screen.keyboard });
  };

  admins.callbackQuery(opsCallbacks.home.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await homeScreen(ctx));
  });
  admins.callbackQuery(opsCallbacks.failed.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await failedScreen(ctx));
  });
  admins.callbackQuery(opsCallbacks.vendor.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await vendorScreen(ctx));
  });
  admins.callbackQuery(opsCallbacks.attention.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await attentionScreen(ctx));
  });

  // Retries: the job's queue is looked up by id (callback data has room for the id only).
  const retry = async (ctx: BotContext, id: string | undefined) => {
    const { app } = ctx.deps;
    const admin = ctx.user?.account;
    if (!admin) return;
    const control = databaseJobControl(app.db, app.jobs, ctx.deps.queues);
    let count = 0;
    if (id) {
      const [job] = await failedJobs(app.db, telegramActor(admin), { id, limit: 1 });
      if (job) count = (await retryFailedWork(control, app.db, telegramActor(admin), { queue: job.queue, id })).length;
    } else {
      count = (await retryFailedWork(control, app.db, telegramActor(admin), { all: true })).length;
    }
    await ctx.answerCallbackQuery({ text: ctx.t('ops-retried', { count }) });
    await show(ctx, await failedScreen(ctx));
  };
  admins.callbackQuery(opsCallbacks.retry.pattern, (ctx) => retry(ctx, opsCallbacks.retry.read(ctx.match).jobId));
  admins.callbackQuery(opsCallbacks.retryAll.pattern, (ctx) => retry(ctx, undefined));
  return feature;
}

export const opsFeature: Feature = { flows: () => new Composer<BotContext>(), handlers };
