// Admin console, operations and metrics (docs/web.md, Admin pages): queues, failed jobs and their
// retry, vendor balances and the last syncs, orders needing attention (src/ops, as /v1/admin/ops and
// the bot's Operations screens), and the platform's growth and health as charts.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { resolveMetricsPeriod } from '#src/domain/growth/metrics.ts';
import { recentPlatformMetrics } from '#src/domain/usage/platform-metrics.ts';
import { databaseJobControl, failedJobs, queueSummaries, retryFailedWork } from '#src/ops/jobs.ts';
import { ordersNeedingAttention } from '#src/ops/orders.ts';
import { vendorView } from '#src/ops/vendor.ts';
import { MAX_PAUSE_REASON_LENGTH, pauseSales, resumeSales, SALES_PAUSE_SCOPES } from '#src/domain/vendor/sales-pauses.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { accountOf, requireKind, webActor } from './guards.ts';
import { barChart, csrfField, pageRenderer, showMoney, showTime, table, type Html } from './html.ts';

export function adminOpsRoutes(ctx: AppContext, queues: readonly QueueContract[]) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('admin'));
  const control = databaseJobControl(ctx.db, ctx.jobs, queues);
  const actorOf = (c: Context<WebEnv>) => webActor(accountOf(c).accountId);
  const renderPage = pageRenderer({ paused: 'Sales paused.', resumed: 'Sales resumed.' });
  const render = (c: Context<WebEnv>, title: string, body: Html) => {
    const retried = c.req.query('retried');
    return renderPage(
      c,
      title,
      body,
      retried !== undefined && /^\d{1,6}$/.test(retried) ? { kind: 'ok', text: `${retried} job(s) put back to run.` } : undefined,
    );
  };

  app.get('/ops', async (c) => {
    const actor = actorOf(c);
    const [summaries, failed, vendor, attention] = await Promise.all([
      queueSummaries(
        ctx.db,
        actor,
        queues.map((queue) => queue.name),
      ),
      failedJobs(ctx.db, actor, { limit: 50 }),
      vendorView(ctx, actor),
      ordersNeedingAttention(ctx.db, actor, { limit: 20 }),
    ]);
    const busy = summaries.filter((row) => row.waiting + row.active + row.failed > 0);
    return render(
      c,
      'Operations',
      html`<h2>Queues</h2>
        ${table(
          'Queues with work (the others are idle)',
          ['Queue', 'Waiting', 'Active', 'Failed', 'Oldest waiting'],
          busy.map((row) => [html`${row.queue}`, html`${row.waiting}`, html`${row.active}`, html`${row.failed}`, showTime(row.oldestWaitingSince)]),
          'Every queue is idle.',
        )}
        <h2>Failed jobs</h2>
        ${failed.length > 0 ? html`<form method="post" action="/app/admin/ops/retry" class="inline">${csrfField(c.var.csrfToken)}<button type="submit">Retry all failed work</button></form>` : ''}
        ${table(
          'Newest first (payloads stay in the CLI)',
          ['Queue', 'Failed in', 'Error', 'Retries', 'Created', ''],
          failed.map((job) => [
            html`${job.queue}`,
            html`${job.failedIn}`,
            html`<code>${job.error.slice(0, 200)}</code>`,
            html`${job.retryCount}`,
            showTime(job.createdAt),
            html`<form method="post" action="/app/admin/ops/retry">
              ${csrfField(c.var.csrfToken)}<input type="hidden" name="queue" value="${job.queue}" /><input type="hidden" name="id" value="${job.id}" /><button
                type="submit"
              >
                Retry
              </button>
            </form>`,
          ]),
          'No failed jobs.',
        )}
        <h2>Vendor</h2>
        ${
          vendor.accounts
            ? table(
                html`Bamboo accounts, as read ${showTime(vendor.accountsReadAt)} (at most 15 s ago)`,
                ['Account', 'Balance', 'Active', 'Sandbox'],
                vendor.accounts.map((account) => [
                  html`${account.id}`,
                  html`${showMoney(account.balance)}`,
                  html`${account.isActive ? 'yes' : 'no'}`,
                  html`${account.sandboxMode ? 'yes' : 'no'}`,
                ]),
              )
            : html`<p class="notice error">Balances unavailable: ${vendor.accountsError ?? 'no answer'}</p>`
        }
        ${table(
          'The float: what is left of the vendor balance for new orders',
          ['Book', 'Balance (refreshed)', 'Held', 'Bought since', 'Left', 'Hours left'],
          vendor.floats.map((float) => [
            html`${float.book} ${float.currency}`,
            html`${showMoney(float.balance)} (${showTime(float.refreshedAt)})`,
            html`${showMoney(float.held)}`,
            html`${showMoney(float.boughtSince)}`,
            html`${showMoney(float.left)}`,
            html`${float.hoursLeft === null ? '—' : float.hoursLeft.toFixed(1)}`,
          ]),
          'No float yet (the first refresh runs within a minute of the worker starting).',
        )}
        <p>
          Vendor breaker:
          ${
            vendor.breaker
              ? html`<strong>${vendor.breaker.state.replaceAll('_', ' ')}</strong
                  >${vendor.breaker.openUntil ? html`, probing after ${showTime(vendor.breaker.openUntil)}` : ''}`
              : 'unknown (shared state unreachable)'
          }.
          Vendor calls in the last hour: ${vendor.errorRate.calls} (${vendor.errorRate.failures} failed).
        </p>
        ${table(
          'Open sales pauses (a paused product is refused in every channel)',
          ['Scope', 'Target', 'Reason', 'Since', ''],
          vendor.pauses.map((pause) => [
            html`${pause.scope}`,
            html`${pause.target || 'all sales'}`,
            html`${pause.reason}`,
            showTime(pause.pausedAt),
            html`<form method="post" action="/app/admin/ops/sales-resume">
              ${csrfField(c.var.csrfToken)}<input type="hidden" name="scope" value="${pause.scope}" /><input
                type="hidden"
                name="target"
                value="${pause.target}"
              /><button type="submit">Resume</button>
            </form>`,
          ]),
          'No sales are paused.',
        )}
        <form method="post" action="/app/admin/ops/sales-pause" class="inline">
          ${csrfField(c.var.csrfToken)}
          <label for="pause-scope">Pause</label
          ><select id="pause-scope" name="scope">
            <option value="all">All sales</option>
            <option value="product">A product (its id)</option>
            <option value="brand">A brand (its key)</option>
          </select>
          <label for="pause-target">Product id or brand key</label><input id="pause-target" name="target" maxlength="100" />
          <label for="pause-reason">Reason</label><input id="pause-reason" name="reason" required maxlength="${MAX_PAUSE_REASON_LENGTH}" />
          <button type="submit">Pause sales</button>
        </form>
        ${table(
          'Last syncs',
          ['Kind', 'Status', 'Started', 'Finished', 'Error'],
          vendor.syncs.map((sync) => [
            html`${sync.kind}`,
            html`${sync.status}`,
            showTime(sync.startedAt),
            showTime(sync.finishedAt),
            html`${sync.error ?? ''}`,
          ]),
          'No sync has run yet.',
        )}
        <h2>Orders needing attention</h2>
        <p>${attention.count} order(s): the money stays held until an operator resolves each (<code>steller order resolve</code>).</p>
        ${table(
          'Oldest first',
          ['Order', 'Held', 'Why', 'Since'],
          attention.orders.map((order) => [
            html`<a href="/app/admin/orders?q=${order.id}">${order.number}</a>`,
            html`${showMoney(order.total)}`,
            html`${order.reason.replaceAll('_', ' ')}${order.problem ? html`: ${order.problem}` : ''}`,
            showTime(order.since),
          ]),
          'None.',
        )}`,
    );
  });

  app.post('/ops/retry', async (c) => {
    const form = await formOf(c);
    const queue = form['queue'];
    const id = form['id'];
    if ((queue === undefined) !== (id === undefined)) throw new DomainError('job_not_found', 'retry one job (its queue and id) or all');
    const retried = await retryFailedWork(control, ctx.db, actorOf(c), queue !== undefined && id !== undefined ? { queue, id } : { all: true });
    return c.redirect(`/app/admin/ops?retried=${retried.length}`, 303);
  });

  app.post('/ops/sales-pause', async (c) => {
    const form = await formOf(c);
    const scope = z.enum(SALES_PAUSE_SCOPES).safeParse(form['scope']);
    if (!scope.success) throw new DomainError('invalid_sales_pause', 'pause all sales, a product or a brand');
    await pauseSales(ctx, actorOf(c), { scope: scope.data, target: form['target'] ?? '', reason: form['reason'] ?? '' });
    return c.redirect('/app/admin/ops?notice=paused', 303);
  });

  app.post('/ops/sales-resume', async (c) => {
    const form = await formOf(c);
    const scope = z.enum(SALES_PAUSE_SCOPES).safeParse(form['scope']);
    if (!scope.success) throw new DomainError('invalid_sales_pause', 'resume all sales, a product or a brand');
    await resumeSales(ctx, actorOf(c), { scope: scope.data, target: form['target'] ?? '' });
    return c.redirect('/app/admin/ops?notice=resumed', 303);
  });

  app.get('/metrics', async (c) => {
    const metrics = await recentPlatformMetrics(ctx.db, actorOf(c), resolveMetricsPeriod({ days: 30 }));
    const days = (() => {
      const list: string[] = [];
      for (
        let day = new Date(`${metrics.period.from}T00:00:00Z`);
        day.toISOString().slice(0, 10) <= metrics.period.to;
        day = new Date(day.getTime() + 86_400_000)
      ) {
        list.push(day.toISOString().slice(0, 10));
      }
      return list;
    })();
    const signupsByDay = new Map(metrics.signups.days.map((day) => [day.date, day.partners + day.agents + day.subAgents]));
    const ordersByDay = new Map<string, number>();
    for (const row of metrics.salesByDay) ordersByDay.set(row.date, (ordersByDay.get(row.date) ?? 0) + row.orders);
    const rate = metrics.orders.successRate === null ? '—' : `${(metrics.orders.successRate * 100).toFixed(1)} %`;
    return render(
      c,
      'Growth and health',
      html`<p>${metrics.period.from} to ${metrics.period.to}; real money only (sandbox left out). Read ${showTime(metrics.at)} (kept 30 s).</p>
        <div class="grid">
          <section class="card">
            <h2>Orders</h2>
            <p class="big">${metrics.orders.finished} finished</p>
            <p>Success ${rate}; completion p50 ${metrics.orders.completionSeconds.p50 ?? '—'} s, p99 ${metrics.orders.completionSeconds.p99 ?? '—'} s</p>
          </section>
          <section class="card">
            <h2>Open</h2>
            <p class="big">${metrics.openOrders.count} open</p>
            <p>${metrics.stuckOrders.count} stuck; ${metrics.failedOrders.count} failed in the period</p>
          </section>
          <section class="card">
            <h2>Active accounts</h2>
            <p class="big">${metrics.active.partners + metrics.active.agents + metrics.active.subAgents}</p>
            <p>${metrics.active.partners} partners, ${metrics.active.agents} agents, ${metrics.active.subAgents} sub-agents</p>
          </section>
          <section class="card wide">
            <h2>Orders per day</h2>
            ${barChart(
              'Finished orders with cards per day',
              days.map((day) => ({ label: day, value: ordersByDay.get(day) ?? 0, text: String(ordersByDay.get(day) ?? 0) })),
            )}
          </section>
          <section class="card wide">
            <h2>Signups per day</h2>
            ${barChart(
              'New accounts per day',
              days.map((day) => ({ label: day, value: signupsByDay.get(day) ?? 0, text: String(signupsByDay.get(day) ?? 0) })),
            )}
          </section>
        </div>
        ${table(
          'Sales by channel',
          ['Channel', 'Orders', 'GMV', 'Revenue'],
          metrics.sales.map((row) => [html`${row.channel}`, html`${row.orders}`, html`${showMoney(row.gmv)}`, html`${showMoney(row.revenue)}`]),
          'No sales in the period.',
        )}
        ${table(
          'Webhook events',
          ['Status', 'Count'],
          metrics.webhookEvents.map((row) => [html`${row.status}`, html`${row.count}`]),
          'No webhook events.',
        )}`,
    );
  });

  return app;
}
