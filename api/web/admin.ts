// The admin console (docs/web.md, Admin pages): the same services the bot's admin screens and
// /v1/admin call, acting as the signed-in admin (channel `web` in the audit log); every service
// checks again that the admin is an active admin. The agent's page is here too: their balance and
// latest orders (the bot stays their home).
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { accountOverview, listAccounts } from '#src/domain/accounts/listing.ts';
import { queryAuditLog } from '#src/domain/audit/query.ts';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { approveTopup, getTopupRequest, listPendingTopups, rejectTopup } from '#src/domain/funding/topups.ts';
import { refundOrder, showOrder } from '#src/domain/orders/operator.ts';
import { listOrders } from '#src/domain/orders/orders.ts';
import { OPEN_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { setPartnerUserPassword } from '#src/domain/web-access/passwords.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { accountOf, requireKind, webActor } from './guards.ts';
import { csrfField, page, pageRenderer, showMoney, showTime, table } from './html.ts';
import { telegramFile } from './telegram-files.ts';

/** The audit log's filters (empty fields are no filter); unknown query parameters are ignored. */
const blank = (value: string | undefined) => (value === '' ? undefined : value);
const AuditFilter = z.object({
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z_.]*$/)
    .optional()
    .transform(blank),
  actor: z
    .union([z.literal(''), z.string().trim().uuid()])
    .optional()
    .transform(blank),
  subjectType: z
    .string()
    .trim()
    .max(50)
    .regex(/^[a-z_]*$/)
    .optional()
    .transform(blank),
  subjectId: z.string().trim().max(200).optional().transform(blank),
  before: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});

const NOTICES: Record<string, string> = {
  approved: 'Top-up approved: the wallet was credited.',
  rejected: 'Top-up rejected; the requester is told.',
  refunded: 'Order refunded.',
  password: 'Password set. Tell the user through a channel you trust; their other sessions ended.',
};

export function adminRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('admin'));

  const actorOf = (c: Context<WebEnv>) => webActor(accountOf(c).accountId);
  const render = pageRenderer(NOTICES);

  app.get('/', async (c) => {
    const pending = await listPendingTopups(ctx.db, actorOf(c), 51);
    return render(
      c,
      'Admin console',
      html`<div class="grid">
        <section class="card">
          <h2>Top-ups</h2>
          <p class="big">${pending.length > 50 ? '50+' : pending.length} pending</p>
          <p><a href="/app/admin/topups">Review top-ups</a></p>
        </section>
        <section class="card">
          <h2>Orders</h2>
          <p><a href="/app/admin/orders">Look up an order</a> to see its steps or refund it.</p>
        </section>
        <section class="card">
          <h2>Network</h2>
          <p><a href="/app/admin/network">The tree</a>: pause or resume, credit or debit a wallet.</p>
          <p><a href="/app/admin/partners">Partners</a> and their users' web passwords; <a href="/app/admin/signups">signups</a> to decide.</p>
        </section>
        <section class="card">
          <h2>Operations</h2>
          <p><a href="/app/admin/ops">Queues, failed jobs, vendor balances and syncs</a>; <a href="/app/admin/metrics">growth and health</a>.</p>
        </section>
        <section class="card">
          <h2>Audit log</h2>
          <p><a href="/app/admin/audit">Who did what</a>.</p>
        </section>
      </div>`,
    );
  });

  app.get('/topups', async (c) => {
    const actor = actorOf(c);
    const pending = await listPendingTopups(ctx.db, actor, 50);
    const accounts = await Promise.all(pending.map((request) => accountOverview(ctx.db, actor, request.accountId)));
    const cards = pending.map((request, index) => {
      const account = accounts[index]!.account;
      const proof =
        request.proof.kind === 'photo'
          ? html`<img class="proof" src="/app/admin/topups/${request.id}/proof" alt="Payment proof sent by ${account.name}" loading="lazy" />`
          : html`<p>Reference: <code>${request.proof.value}</code></p>`;
      return html`<article class="card topup" aria-labelledby="topup-${request.id}">
        <h2 id="topup-${request.id}">${showMoney(request.amount)} for ${account.name}</h2>
        <p>
          ${account.role} · requested
          ${showTime(request.createdAt)}${request.duplicateOf ? html` · <strong class="warn">the same proof was sent before</strong>` : ''}
        </p>
        ${proof}
        <form method="post" action="/app/admin/topups/${request.id}/approve" class="inline">
          ${csrfField(c.var.csrfToken)}<button type="submit">Approve ${showMoney(request.amount)}</button>
        </form>
        <form method="post" action="/app/admin/topups/${request.id}/reject" class="inline">
          ${csrfField(c.var.csrfToken)} <label for="reason-${request.id}">Reason</label
          ><input id="reason-${request.id}" name="reason" required maxlength="500" /><button type="submit" class="secondary">Reject</button>
        </form>
      </article>`;
    });
    return render(c, 'Pending top-ups', cards.length === 0 ? html`<p class="empty">No pending top-ups.</p>` : html`${cards}`);
  });

  // The proof photo, fetched from Telegram with the bot's token (which never reaches the browser).
  app.get('/topups/:id/proof', async (c) => {
    const request = await getTopupRequest(ctx.db, actorOf(c), c.req.param('id'));
    if (request.proof.kind !== 'photo') throw new DomainError('proof_required', 'this top-up has a reference, not a photo');
    const file = await telegramFile(ctx.config, request.proof.value);
    return c.body(file.body, 200, { 'content-type': file.contentType, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' });
  });

  app.post('/topups/:id/approve', async (c) => {
    await approveTopup(ctx, actorOf(c), c.req.param('id'));
    return c.redirect('/app/admin/topups?notice=approved', 303);
  });

  app.post('/topups/:id/reject', async (c) => {
    const reason = ((await formOf(c))['reason'] ?? '').trim();
    await rejectTopup(ctx, actorOf(c), c.req.param('id'), reason);
    return c.redirect('/app/admin/topups?notice=rejected', 303);
  });

  app.get('/orders', async (c) => {
    const actor = actorOf(c);
    const query = (c.req.query('q') ?? '').trim().slice(0, 64);
    const search = html`<form method="get" class="inline" role="search">
      <label for="q">Order number or id</label><input id="q" name="q" value="${query}" placeholder="ST-1042" /><button type="submit">Find</button>
    </form>`;
    if (!query) {
      const { orders } = await listOrders(ctx.db, actor, { limit: 25 });
      return render(
        c,
        'Orders',
        html`${search}${table(
          'Latest orders',
          ['Order', 'Status', 'Buyer', 'Total', 'Created'],
          orders.map((order) => [
            html`<a href="/app/admin/orders?q=${order.id}">${order.number}</a>`,
            html`${order.status.replaceAll('_', ' ')}`,
            html`<code>${order.buyerId.slice(0, 8)}</code>`,
            html`${showMoney(order.total)}`,
            showTime(order.createdAt),
          ]),
        )}`,
      );
    }
    const { order, transitions, cardsStored } = await showOrder(ctx.db, actor, query);
    const { account } = await accountOverview(ctx.db, actor, order.buyerId);
    const open = (OPEN_STATUSES as readonly string[]).includes(order.status);
    return render(
      c,
      `Order ${order.number}`,
      html`${search}
        <dl class="facts">
          <dt>Status</dt>
          <dd><span class="badge ${order.status}">${order.status.replaceAll('_', ' ')}</span></dd>
          <dt>Buyer</dt>
          <dd>${account.name} (${account.role})</dd>
          <dt>Cards</dt>
          <dd>${order.quantity} × ${showMoney(order.face)} (${cardsStored} stored)</dd>
          <dt>Total</dt>
          <dd>${showMoney(order.total)}</dd>
          <dt>Sandbox</dt>
          <dd>${order.sandbox ? 'yes' : 'no'}</dd>
          ${
            order.failureReason
              ? html`<dt>Failure</dt>
                  <dd>${order.failureReason}</dd>`
              : ''
          }
        </dl>
        <h2>Timeline</h2>
        <ol class="timeline">
          ${transitions.map((step) => html`<li>${step.status.replaceAll('_', ' ')} ${showTime(step.at)}</li>`)}
        </ol>
        ${
          open && order.status !== 'needs_attention'
            ? html`<form method="post" action="/app/admin/orders/${order.id}/refund">
                ${csrfField(c.var.csrfToken)}
                <p>Refund returns the held ${showMoney(order.total)} when the vendor never received the order or reports it failed.</p>
                <label for="refund-reason">Reason (kept in the audit log)</label><input id="refund-reason" name="reason" required maxlength="500" />
                <button type="submit">Refund order</button>
              </form>`
            : ''
        }`,
    );
  });

  app.post('/orders/:id/refund', async (c) => {
    const actor = actorOf(c);
    const { order } = await showOrder(ctx.db, actor, c.req.param('id'));
    await refundOrder(ctx, actor, order.id, ((await formOf(c))['reason'] ?? '').trim());
    return c.redirect(`/app/admin/orders?q=${order.id}&notice=refunded`, 303);
  });

  app.get('/partners', async (c) => {
    const actor = actorOf(c);
    const cursor = c.req.query('cursor');
    const { items, nextCursor } = await listAccounts(ctx.db, actor, { role: 'partner', ...(cursor ? { cursor } : {}), limit: 50 });
    return render(
      c,
      'Partners',
      html`${table(
        'Partner accounts',
        ['Partner', 'Status', 'Created'],
        items.map((account) => [html`<a href="/app/admin/accounts/${account.id}">${account.name}</a>`, html`${account.status}`, showTime(account.createdAt)]),
      )}${nextCursor ? html`<p><a href="/app/admin/partners?cursor=${nextCursor}">More</a></p>` : ''}`,
    );
  });

  app.post('/partners/:id/users/:userId/password', async (c) => {
    const password = z
      .string()
      .max(200)
      .safeParse((await formOf(c))['password']);
    await setPartnerUserPassword(ctx.db, actorOf(c), c.req.param('id'), c.req.param('userId'), password.success ? password.data : '');
    return c.redirect(`/app/admin/accounts/${c.req.param('id')}?notice=password`, 303);
  });

  app.get('/audit', async (c) => {
    const filter = AuditFilter.safeParse(c.req.query());
    if (!filter.success)
      throw new DomainError('invalid_filter', 'an action is letters, dots and underscores; an actor is an account id; a subject needs its type and id');
    const { action, actor, subjectType, subjectId, before } = filter.data;
    if ((subjectType === undefined) !== (subjectId === undefined)) throw new DomainError('invalid_filter', 'a subject needs its type and its id');
    const rows = await queryAuditLog(ctx.db, actorOf(c), {
      limit: 50,
      ...(action ? { action } : {}),
      ...(actor ? { actorAccountId: actor } : {}),
      ...(subjectType && subjectId ? { subject: { type: subjectType, id: subjectId } } : {}),
      ...(before ? { beforeId: BigInt(before) } : {}),
    });
    const kept = new URLSearchParams(Object.entries({ action, actor, subjectType, subjectId }).filter((pair): pair is [string, string] => Boolean(pair[1])));
    return render(
      c,
      'Audit log',
      html`<form method="get" class="inline" role="search" aria-label="Filter the audit log">
          <label for="audit-action">Action</label><input id="audit-action" name="action" value="${action ?? ''}" placeholder="card_list.saved" />
          <label for="audit-actor">Actor account id</label><input id="audit-actor" name="actor" value="${actor ?? ''}" />
          <label for="audit-subject-type">Subject type</label
          ><input id="audit-subject-type" name="subjectType" value="${subjectType ?? ''}" placeholder="account" />
          <label for="audit-subject-id">Subject id</label><input id="audit-subject-id" name="subjectId" value="${subjectId ?? ''}" />
          <button type="submit">Filter</button>
        </form>
        ${table(
          'Newest first',
          ['When', 'Action', 'Channel', 'Actor', 'Subject'],
          rows.map((row) => [
            showTime(row.at),
            html`${row.action}`,
            html`${row.channel}`,
            html`<code>${row.actor_account_id?.slice(0, 8) ?? 'platform'}</code>`,
            html`${row.subject_type} <code>${row.subject_id.slice(0, 12)}</code>`,
          ]),
          'No entries match.',
        )}${rows.length === 50 ? html`<p><a href="/app/admin/audit?${kept.toString()}${kept.size > 0 ? '&' : ''}before=${rows.at(-1)!.id}">Older</a></p>` : ''}`,
    );
  });

  return app;
}

export function agentRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('agent'));
  app.get('/', async (c) => {
    const identity = accountOf(c);
    const actor = webActor(identity.accountId);
    const { orders } = await listOrders(ctx.db, actor, { limit: 20 });
    const balance = await walletBalance(ctx.db, identity.accountId);
    return c.html(
      page({
        title: 'Your account',
        identity,
        csrfToken: c.var.csrfToken,
        path: '/app/agent',
        body: html`<section class="card">
            <h2>Balance</h2>
            <p class="big">${showMoney(balance)}</p>
          </section>
          ${table(
            'Latest orders',
            ['Order', 'Status', 'Total', 'Created'],
            orders.map((order) => [
              html`${order.number}`,
              html`${order.status.replaceAll('_', ' ')}`,
              html`${showMoney(order.total)}`,
              showTime(order.createdAt),
            ]),
          )}
          <p class="hint">Order cards, invite sub-agents and move funds in the bot.</p>`,
      }),
    );
  });
  return app;
}
