// Admin: the Operations screens (issue 8). Queue sizes with the oldest waiting job, failed and
// dead-lettered jobs with their error and Retry / Retry all buttons (audited through
// retryFailedWork), the vendor view (Bamboo balances, the float, the breaker, last syncs, error
// rate), the orders needing attention (each opens its order tools, where an admin decides it;
// docs/orders.md) and the sales pauses (kill switches: a flow asks what to pause and why; Resume is
// one button; the domain checks the admin and audits). Callback data: ops.callbacks.ts.
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { listSalesPauses, pauseSales, resumeSales, type SalesPause } from '#src/domain/vendor/sales-pauses.ts';
import { databaseJobControl, failedJobs, queueSummaries, retryFailedWork } from '#src/ops/jobs.ts';
import { ordersNeedingAttention } from '#src/ops/orders.ts';
import { vendorView } from '#src/ops/vendor.ts';
import { formatMoney } from '#src/shared/money.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, waitText, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, telegramActor } from '../helpers.ts';
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
    .text(ctx.t('ops-sales-button'), opsCallbacks.sales.build())
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
  const floats = view.floats.map((float) =>
    ctx.t('ops-vendor-float', {
      book: float.book,
      left: formatMoney(float.left),
      held: formatMoney(float.held),
      hours: float.hoursLeft === null ? '—' : float.hoursLeft.toFixed(1),
    }),
  );
  const breaker = view.breaker
    ? ctx.t(`ops-breaker-${view.breaker.state.replace('_', '-')}`, { until: when(view.breaker.openUntil) })
    : ctx.t('ops-breaker-unknown');
  const pauses = view.pauses.length > 0 ? view.pauses.map((pause) => pauseLine(ctx, pause)) : [ctx.t('ops-sales-none')];
  const rate = ctx.t('ops-vendor-error-rate', { failures: view.errorRate.failures, calls: view.errorRate.calls });
  return {
    text: [...accounts, ...floats, breaker, ...pauses, '', ...syncs, rate].join('\n'),
    keyboard: new InlineKeyboard().text(ctx.t('button-back'), opsCallbacks.home.build()),
  };
}

const pauseLine = (ctx: { t: BotContext['t'] }, pause: SalesPause) =>
  ctx.t('ops-sales-line', { scope: pause.scope, target: pause.target || '—', reason: shorten(pause.reason, 80), since: when(pause.pausedAt) });

/** The open pauses, each with its Resume button, and the Pause buttons. */
async function salesScreen(ctx: BotContext) {
  const pauses = await listSalesPauses(ctx.deps.app.db, telegramActor(ctx.user!.account));
  const keyboard = new InlineKeyboard();
  for (const pause of pauses.slice(0, 10))
    keyboard.text(ctx.t('ops-resume-button', { scope: pause.scope, target: pause.target }), opsCallbacks.resume.build({ pauseId: pause.id })).row();
  keyboard
    .text(ctx.t('ops-pause-all-button'), opsCallbacks.pause.build({ scope: 'all' }))
    .row()
    .text(ctx.t('ops-pause-product-button'), opsCallbacks.pause.build({ scope: 'product' }))
    .text(ctx.t('ops-pause-brand-button'), opsCallbacks.pause.build({ scope: 'brand' }))
    .row()
    .text(ctx.t('button-back'), opsCallbacks.home.build());
  const text = pauses.length === 0 ? ctx.t('ops-sales-none') : [ctx.t('ops-sales-title'), ...pauses.map((pause) => pauseLine(ctx, pause))].join('\n');
  return { text, keyboard };
}

export const SALES_PAUSE_FLOW = 'ops-sales-pause';

/** Pause sales: the product id or brand key (not for all sales), then the reason. */
async function pauseFlow(conversation: Flow, ctx: ConvContext, scope: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin || (scope !== 'all' && scope !== 'product' && scope !== 'brand')) return;
  let target: string | undefined;
  let asking = ctx;
  if (scope !== 'all') {
    await ctx.reply(ctx.t(scope === 'product' ? 'ops-pause-ask-product' : 'ops-pause-ask-brand'), { reply_markup: cancelKeyboard(ctx) });
    const answer = await waitText(conversation);
    target = answer.text;
    asking = answer.ctx;
  }
  await asking.reply(asking.t('ops-pause-ask-reason'), { reply_markup: cancelKeyboard(asking) });
  const reason = await waitText(conversation);
  const pause = await domainCall(conversation, async () => {
    const { pause: made } = await pauseSales(ctx.deps.app, telegramActor(admin), { scope, ...(target === undefined ? {} : { target }), reason: reason.text });
    return { scope: made.scope, target: made.target, reason: made.reason };
  });
  await reason.ctx.reply(reason.ctx.t('ops-paused', { scope: pause.scope, target: pause.target || '—', reason: pause.reason }), {
    reply_markup: new InlineKeyboard().text(reason.ctx.t('ops-sales-button'), opsCallbacks.sales.build()),
  });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(pauseFlow, SALES_PAUSE_FLOW));
  return composer;
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

  admins.callbackQuery(opsCallbacks.sales.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await salesScreen(ctx));
  });
  admins.callbackQuery(opsCallbacks.pause.pattern, async (ctx) => {
    await enterFlow(ctx, SALES_PAUSE_FLOW, opsCallbacks.pause.read(ctx.match).scope);
    await ctx.answerCallbackQuery();
  });
  admins.callbackQuery(opsCallbacks.resume.pattern, async (ctx) => {
    const { pauseId } = opsCallbacks.resume.read(ctx.match);
    const actor = telegramActor(ctx.user!.account);
    const pause = (await listSalesPauses(ctx.deps.app.db, actor)).find((open) => open.id === pauseId);
    const resumed = pause ? await resumeSales(ctx.deps.app, actor, { scope: pause.scope, target: pause.target }) : false;
    await ctx.answerCallbackQuery({ text: ctx.t(resumed ? 'ops-resumed' : 'ops-resume-gone') });
    await show(ctx, await salesScreen(ctx));
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

export const opsFeature: Feature = { flows, handlers };
