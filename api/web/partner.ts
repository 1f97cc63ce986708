// The partner dashboard and developer portal (docs/web.md, Partner pages). Each page calls the
// domain service the matching /v1 route calls, with the permission that route declares (the role's
// scope, guards.ts), and the web channel in the audit log. `?mode=test` shows the sandbox account
// (what a test key reaches); the playground always works there.
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret, findSandboxAccountId, listOwnApiKeys, revokeOwnApiKey, rotateApiKey, type ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import { listCatalog } from '#src/domain/catalog/catalog-read.ts';
import { walletTransactions } from '#src/domain/ledger/statements.ts';
import { setLowBalanceThreshold, walletWithThreshold } from '#src/domain/ledger/low-balance.ts';
import { createOrder } from '#src/domain/orders/intake.ts';
import { listOrders, maskedOrderCards, orderTimelineFor, revealOrderCards, type Order } from '#src/domain/orders/orders.ts';
import { ORDER_STATUSES, type OrderStatus } from '#src/domain/orders/orders.tables.ts';
import { cardKeyring } from '#src/domain/orders/card-crypto.ts';
import { issuePartnerUserKey } from '#src/domain/partner-users/partner-users.ts';
import { catalogPrices } from '#src/domain/pricing/pricing.ts';
import { listRequestLogs } from '#src/domain/request-logs/request-logs.ts';
import { onboardingOf } from '#src/domain/signups/onboarding.ts';
import { spendPerDay } from '#src/domain/usage/usage.ts';
import { enableTotp, newTotpSecret } from '#src/domain/web-access/passwords.ts';
import {
  getWebhookEndpoint,
  listWebhookEvents,
  redeliverWebhookEvent,
  sendTestWebhookEvent,
  setWebhookEndpoint,
  type WebhookEvent,
} from '#src/domain/webhooks/webhooks.ts';
import { sendWebhookDelivery } from '#src/domain/webhooks/queues.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import { formatAmount, parseMoney } from '#src/shared/money.ts';
import { transactionsCsv } from '../v1/wallet.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { assertPermission, mayDo, partnerOf, requireKind, webActor, webUserActor } from './guards.ts';
import { barChart, csrfField, pageRenderer, showMoney, showTime, table, type Html } from './html.ts';

type Mode = 'live' | 'test';
type PartnerIdentity = ReturnType<typeof partnerOf>;

const modeOf = (c: Context<WebEnv>): Mode => (c.req.query('mode') === 'test' ? 'test' : 'live');

/** The account a page works on: the partner itself (live) or its sandbox (test), which opens with the first test key. */
async function accountFor(ctx: AppContext, identity: PartnerIdentity, mode: Mode): Promise<string> {
  if (mode === 'live') return identity.partnerId;
  const sandboxId = await findSandboxAccountId(ctx.db, identity.partnerId);
  if (!sandboxId) throw new DomainError('forbidden', 'your sandbox opens with your first test key: create one on the API keys page');
  return sandboxId;
}

const modeSwitch = (path: string, mode: Mode) =>
  html`<p class="modes">
    Showing <strong>${mode === 'live' ? 'live' : 'sandbox (test)'}</strong> data.
    <a href="${path}?mode=${mode === 'live' ? 'test' : 'live'}">Show ${mode === 'live' ? 'sandbox' : 'live'}</a>
  </p>`;

const statusBadge = (status: string) => html`<span class="badge ${status}">${status.replaceAll('_', ' ')}</span>`;

const orderRow = (order: Order, mode: Mode): Html[] => [
  html`<a href="/app/partner/orders/${order.id}?mode=${mode}">${order.number}</a>`,
  statusBadge(order.status),
  html`${order.quantity} × ${showMoney(order.face)}`,
  html`${showMoney(order.total)}`,
  showTime(order.createdAt),
];

const OrderForm = z.object({
  productId: z.string().regex(/^\d{1,18}$/),
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,4})?$/),
  currency: z.string().regex(/^[A-Z]{3}$/),
  quantity: z.coerce.number().int().min(1).max(10),
  trigger: z.enum(['', 'sim:fail', 'sim:partial', 'sim:delay=5', 'sim:429', 'sim:5xx-then-ok', 'sim:timeout-after-commit', 'sim:pending-past-deadline']),
});

const PLAYGROUND_TRIGGERS: { value: string; label: string }[] = [
  { value: '', label: 'None: the order completes' },
  { value: 'sim:fail', label: 'sim:fail: every card fails, refunded' },
  { value: 'sim:partial', label: 'sim:partial: the last card fails (2+ cards)' },
  { value: 'sim:delay=5', label: 'sim:delay=5: 5 seconds of processing' },
  { value: 'sim:429', label: 'sim:429: the first attempt is rate limited' },
  { value: 'sim:5xx-then-ok', label: 'sim:5xx-then-ok: the first attempt fails with 503' },
  { value: 'sim:timeout-after-commit', label: 'sim:timeout-after-commit: bought, answer lost' },
  { value: 'sim:pending-past-deadline', label: 'sim:pending-past-deadline: never finishes' },
];

export function partnerRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  const secret = apiKeySecret(ctx.config);
  app.use('*', requireKind('partner'));

  const render = pageRenderer(NOTICES);

  // Overview: balance, today's orders, 30 days of spend, onboarding.
  app.get('/', async (c) => {
    const identity = partnerOf(c);
    // The three reads are independent: asked at once, the page waits for the slowest, not the sum.
    const [wallet, usage, onboarding] = await Promise.all([
      mayDo(identity, 'wallet:read') ? walletWithThreshold(ctx.db, identity.partnerId) : undefined,
      mayDo(identity, 'usage:read') ? spendPerDay(ctx.db, identity.partnerId, { days: 30 }) : undefined,
      onboardingOf(ctx.db, { ownerId: identity.partnerId }).catch((error: unknown) => {
        if (isDomainError(error, 'onboarding_not_found')) return undefined;
        throw error;
      }),
    ]);
    const parts: Html[] = [];
    if (wallet) {
      const { balance, lowBalanceThreshold } = wallet;
      parts.push(
        html`<section class="card">
          <h2>Balance</h2>
          <p class="big">${showMoney(balance)}</p>
          <form method="post" action="/app/partner/low-balance" class="inline">
            ${csrfField(c.var.csrfToken)}
            <label for="threshold">Low-balance alert below (${balance.currency})</label>
            <input
              id="threshold"
              name="threshold"
              inputmode="decimal"
              value="${lowBalanceThreshold ? formatAmount(lowBalanceThreshold) : ''}"
              placeholder="none"
            />
            <button type="submit" ${mayDo(identity, 'wallet:settings') ? '' : ' disabled'}>Save</button>
          </form>
        </section>`,
      );
    }
    if (usage) {
      const today = usage.days.at(-1);
      parts.push(
        html`<section class="card">
          <h2>Today</h2>
          <p class="big">${today?.orders ?? 0} orders</p>
          <p>${today ? showMoney(today.spend) : ''} spent today</p>
        </section>`,
      );
      parts.push(
        html`<section class="card wide">
          <h2>Spend, last 30 days</h2>
          ${barChart(
            `Spend per day, ${usage.from} to ${usage.to}`,
            usage.days.map((day) => ({ label: day.date, value: Number(day.spend.amount), text: showMoney(day.spend) })),
          )}
          <p>Total ${showMoney(usage.totals.spend)} over ${usage.totals.orders} orders.</p>
        </section>`,
      );
    }
    if (onboarding) {
      parts.push(
        html`<section class="card wide">
          <h2>Getting started</h2>
          <ol class="stages">
            ${onboarding.stages.map(
              (stage) =>
                html`<li class="${stage.reachedAt ? 'done' : ''}">
                  ${stage.stage.replaceAll('_', ' ')} ${stage.reachedAt ? html`(${showTime(stage.reachedAt)})` : ''}
                </li>`,
            )}
          </ol>
          <p><strong>Next:</strong> ${onboarding.nextStep}</p>
        </section>`,
      );
    }
    return render(c, 'Overview', html`<div class="grid">${parts}</div>`);
  });

  app.post('/low-balance', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'wallet:settings');
    const raw = ((await formOf(c))['threshold'] ?? '').trim();
    const { balance } = await walletWithThreshold(ctx.db, identity.partnerId);
    await setLowBalanceThreshold(ctx.db, webActor(identity.partnerId), identity.partnerId, raw === '' ? null : parseMoney(raw, balance.currency));
    return c.redirect('/app/partner?notice=saved', 303);
  });

  app.get('/catalog', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'catalog:read');
    const search = (c.req.query('q') ?? '').slice(0, 100);
    const cursor = (c.req.query('cursor') ?? '').slice(0, 200);
    // The priced table is what /v1/catalog serves, rendered: cached the same way (the priced reads, until
    // prices change), so a page view is the session and the generations, not a catalog read and its pricing.
    const load = async () => {
      const { items, nextCursor } = await listCatalog(ctx.db, { ...(search ? { search } : {}), ...(cursor ? { cursor } : {}), limit: 50 });
      const orderFee = { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY };
      const prices =
        items.length > 0 ? await catalogPrices(ctx.db, { accountId: identity.partnerId, productIds: items.map((item) => BigInt(item.id)), orderFee }) : [];
      const priceOf = new Map(prices.map((price) => [String(price.productId), price]));
      const rows = items.flatMap((item) => {
        const price = priceOf.get(item.id);
        if (!price) return [];
        const range = (low: string, high: string) => (low === high ? low : `${low} – ${high}`);
        return [
          [
            html`${item.id}`,
            html`${item.name}`,
            html`${item.country}`,
            html`${range(showMoney(item.minFaceValue), showMoney(item.maxFaceValue))}`,
            html`${range(showMoney(price.minPrice), showMoney(price.maxPrice))}${price.orderable ? '' : ' (not orderable now)'}`,
          ],
        ];
      });
      return String(
        await html`${table('Products with your price per card', ['ID', 'Product', 'Country', 'Face value', 'Your price'], rows, 'No products match.')}
        ${nextCursor ? html`<p><a href="/app/partner/catalog?q=${encodeURIComponent(search)}&cursor=${encodeURIComponent(nextCursor)}">Next page</a></p>` : ''}`,
      );
    };
    const priced = await ctx.reads.priced.forAccount(identity.partnerId, `web-catalog:${search}\n${cursor}`, load);
    return render(
      c,
      'Catalog',
      html`<form method="get" class="inline" role="search">
          <label for="q">Search</label><input id="q" name="q" type="search" value="${search}" /><button type="submit">Search</button>
        </form>
        ${raw(priced.body)}`,
    );
  });

  app.get('/orders', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:read');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const status = ORDER_STATUSES.find((value) => value === c.req.query('status'));
    const cursor = c.req.query('cursor');
    const { orders, nextCursor } = await listOrders(ctx.db, webActor(accountId), { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: 25 });
    const options = ['', ...ORDER_STATUSES].map(
      (value) =>
        html`<option value="${value}" ${value === (status ?? '') ? ' selected' : ''}>${value === '' ? 'Any status' : value.replaceAll('_', ' ')}</option>`,
    );
    return render(
      c,
      'Orders',
      html`${modeSwitch('/app/partner/orders', mode)}
        <form method="get" class="inline">
          <input type="hidden" name="mode" value="${mode}" /><label for="status">Status</label
          ><select id="status" name="status">
            ${options}</select
          ><button type="submit">Filter</button>
        </form>
        ${table(
          'Orders, newest first',
          ['Order', 'Status', 'Cards', 'Total', 'Created'],
          orders.map((order) => orderRow(order, mode)),
          'No orders yet.',
        )}
        ${nextCursor ? html`<p><a href="/app/partner/orders?mode=${mode}&status=${status ?? ''}&cursor=${nextCursor}">Older orders</a></p>` : ''}`,
    );
  });

  const orderDetail = async (c: Context<WebEnv>, revealed?: Awaited<ReturnType<typeof revealOrderCards>>) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:read');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const { order, transitions } = await orderTimelineFor(ctx.db, webActor(accountId), c.req.param('id') ?? '');
    const delivered = order.status === 'completed' || order.status === 'partially_completed';
    const masked = delivered && !revealed ? await maskedOrderCards(ctx, order.id) : [];
    const cards = revealed
      ? table(
          'Cards (this view was recorded in the audit log)',
          ['Serial', 'Code', 'PIN', 'Expires'],
          revealed.map((card) => [
            html`${card.serialNumber ?? '—'}`,
            html`<code>${card.code ?? '—'}</code>`,
            html`<code>${card.pin ?? '—'}</code>`,
            showTime(card.expiresAt),
          ]),
        )
      : delivered
        ? html`<ul class="cards">
              ${masked.map((card) => html`<li><code>${card.masked}</code></li>`)}
            </ul>
            <form method="post" action="/app/partner/orders/${order.id}/reveal?mode=${mode}">
              ${csrfField(c.var.csrfToken)}<button type="submit">Reveal codes (audited)</button>
            </form>`
        : '';
    return render(
      c,
      `Order ${order.number}`,
      html`<dl class="facts">
          <dt>Status</dt>
          <dd>${statusBadge(order.status)}</dd>
          <dt>Reference</dt>
          <dd>${order.clientReference}</dd>
          <dt>Cards</dt>
          <dd>${order.quantity} × ${showMoney(order.face)}</dd>
          <dt>Total</dt>
          <dd>${showMoney(order.total)}</dd>
          ${
            order.failureReason
              ? html`<dt>Failure</dt>
                  <dd>${order.failureReason}</dd>`
              : ''
          }
        </dl>
        <h2>Timeline</h2>
        <ol class="timeline">
          ${transitions.map((step) => html`<li>${statusBadge(step.status)} ${showTime(step.at)}</li>`)}
        </ol>
        ${
          delivered
            ? html`<h2>Cards</h2>
                ${cards}`
            : ''
        }`,
    );
  };
  app.get('/orders/:id', (c) => orderDetail(c));
  app.post('/orders/:id/reveal', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:read');
    const accountId = await accountFor(ctx, identity, modeOf(c));
    const { order } = await orderTimelineFor(ctx.db, webActor(accountId), c.req.param('id'));
    return orderDetail(c, await revealOrderCards(ctx, webActor(accountId), order.id));
  });

  app.get('/transactions', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'transactions:read');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const cursor = c.req.query('cursor');
    const { items, nextCursor } = await walletTransactions(ctx.db, webActor(accountId), accountId, { ...(cursor ? { cursor } : {}), limit: 50 });
    return render(
      c,
      'Transactions',
      html`${modeSwitch('/app/partner/transactions', mode)}
      ${mayDo(identity, 'transactions:export') ? html`<p><a href="/app/partner/transactions.csv?mode=${mode}" download>Download CSV</a></p>` : ''}
      ${table(
        'Wallet movements, newest first',
        ['When', 'Kind', 'Amount', 'Transfer'],
        items.map((item) => [
          showTime(item.at),
          html`${item.kind.replaceAll('_', ' ')}`,
          html`<span class="${item.amount.amount < 0n ? 'out' : 'in'}">${showMoney(item.amount)}</span>`,
          html`<code>${item.transferId.slice(0, 8)}</code>`,
        ]),
      )}
      ${nextCursor ? html`<p><a href="/app/partner/transactions?mode=${mode}&cursor=${nextCursor}">Older</a></p>` : ''}`,
    );
  });

  app.get('/transactions.csv', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'transactions:export');
    const accountId = await accountFor(ctx, identity, modeOf(c));
    const csv = await transactionsCsv(ctx, webActor(accountId), accountId);
    return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="transactions-${accountId}.csv"` });
  });

  // The request-log explorer: what the API answered this partner's keys (GET /v1/request-logs).
  app.get('/logs', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'request_logs:read');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const status = (c.req.query('status') ?? '').trim().slice(0, 3);
    const path = (c.req.query('path') ?? '').trim().slice(0, 500);
    const cursor = c.req.query('cursor');
    const { logs, nextCursor } = await listRequestLogs(ctx.db, accountId, {
      ...(status ? { status } : {}),
      ...(path ? { path } : {}),
      ...(cursor ? { cursor } : {}),
      limit: 50,
    });
    const query = (extra: string) => `/app/partner/logs?mode=${mode}&status=${encodeURIComponent(status)}&path=${encodeURIComponent(path)}${extra}`;
    return render(
      c,
      'Request logs',
      html`${modeSwitch('/app/partner/logs', mode)}
        <form method="get" class="inline">
          <input type="hidden" name="mode" value="${mode}" /> <label for="status">Status</label
          ><input id="status" name="status" value="${status}" placeholder="4xx or 404" maxlength="3" /> <label for="path">Path</label
          ><input id="path" name="path" value="${path}" placeholder="/v1/orders" /> <button type="submit">Filter</button>
        </form>
        ${table(
          'API requests, newest first',
          ['When', 'Request', 'Status', 'Time', 'Key', 'Request id'],
          logs.map((log) => [
            showTime(log.at),
            html`${log.method} <code>${log.path}</code>`,
            html`${log.status}`,
            html`${log.durationMs} ms`,
            html`${log.keyMode}`,
            html`<code>${log.requestId}</code>`,
          ]),
          'No requests in this view.',
        )}
        ${nextCursor ? html`<p><a href="${query(`&cursor=${encodeURIComponent(nextCursor)}`)}">Older</a></p>` : ''}`,
    );
  });

  // API keys: the user's own keys (as GET /v1/keys with their key); a new key has their role as scope.
  const userPrincipal = (identity: PartnerIdentity, accountId: string, mode: Mode, keyId: string): ApiPrincipal => ({
    keyId,
    accountId,
    ownerId: identity.partnerId,
    role: 'partner',
    mode,
    scope: identity.role,
    userId: identity.userId,
  });

  const keysPage = async (c: Context<WebEnv>, issued?: { key: string; mode: Mode }) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'keys:read');
    const sandboxId = await findSandboxAccountId(ctx.db, identity.partnerId);
    const live = await listOwnApiKeys(ctx.db, userPrincipal(identity, identity.partnerId, 'live', ''));
    const test = sandboxId ? await listOwnApiKeys(ctx.db, userPrincipal(identity, sandboxId, 'test', '')) : [];
    const rows = [...live, ...test].map((key) => [
      html`<code>${key.prefix}…</code>`,
      html`${key.mode}`,
      html`${key.scope}`,
      showTime(key.createdAt),
      showTime(key.lastUsedAt),
      key.revokedAt ? html`revoked ${showTime(key.revokedAt)}` : key.expiresAt ? html`expires ${showTime(key.expiresAt)}` : html`active`,
      key.revokedAt || !mayDo(identity, 'keys:rotate')
        ? html``
        : html`${
              key.expiresAt
                ? ''
                : html`<form method="post" action="/app/partner/keys/${key.id}/rotate" class="inline">
                    ${csrfField(c.var.csrfToken)}<button type="submit" aria-label="Rotate key ${key.prefix}">Rotate</button>
                  </form>`
            } <a href="/app/partner/keys/${key.id}/revoke" aria-label="Revoke key ${key.prefix}">Revoke</a>`,
    ]);
    return render(
      c,
      'API keys',
      html`${
          issued
            ? html`<div class="card secret" role="status">
                <h2>Your new ${issued.mode} key</h2>
                <p>Copy it now: it is shown this once.</p>
                <p><code id="new-key">${issued.key}</code></p>
              </div>`
            : ''
        }
        <form method="post" action="/app/partner/keys" class="inline">
          ${csrfField(c.var.csrfToken)} <label for="mode">New key</label
          ><select id="mode" name="mode">
            <option value="test">Test (sandbox)</option>
            <option value="live">Live</option>
          </select>
          <button type="submit">Create key</button>
        </form>
        <p class="hint">
          A key has your role (${identity.role}) as its scope. Rotating keeps the old key working for the grace period
          (${Math.round(ctx.config.API_KEY_ROTATION_GRACE_SECONDS / 3600)} h); revoking stops a key at once.
        </p>
        ${table('Your keys', ['Key', 'Mode', 'Scope', 'Created', 'Last used', 'State', ''], rows, 'No keys yet.')}`,
    );
  };

  app.get('/keys', (c) => keysPage(c));
  app.post('/keys', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'keys:read');
    const mode: Mode = (await formOf(c))['mode'] === 'live' ? 'live' : 'test';
    const issued = await issuePartnerUserKey(ctx.db, secret, webUserActor(identity), identity.partnerId, identity.userId, { mode });
    return keysPage(c, { key: issued.key, mode });
  });
  /** One of the user's keys, live or test (what the page lists); any other is not found. */
  const ownKey = async (identity: PartnerIdentity, keyId: string) => {
    const sandboxId = await findSandboxAccountId(ctx.db, identity.partnerId);
    const own = [
      ...(await listOwnApiKeys(ctx.db, userPrincipal(identity, identity.partnerId, 'live', ''))),
      ...(sandboxId ? await listOwnApiKeys(ctx.db, userPrincipal(identity, sandboxId, 'test', '')) : []),
    ];
    const key = own.find((candidate) => candidate.id === keyId);
    if (!key) throw new DomainError('api_key_not_found', 'no such key of yours');
    return key;
  };
  app.post('/keys/:id/rotate', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'keys:rotate');
    const key = await ownKey(identity, c.req.param('id'));
    const issued = await rotateApiKey(ctx.db, secret, userPrincipal(identity, key.accountId, key.mode, key.id), ctx.config.API_KEY_ROTATION_GRACE_SECONDS, {
      channel: 'web',
    });
    return keysPage(c, { key: issued.key, mode: key.mode });
  });
  // Revoking asks first (a page with the key and a button): it cannot be undone.
  app.get('/keys/:id/revoke', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'keys:rotate');
    const key = await ownKey(identity, c.req.param('id'));
    if (key.revokedAt) return c.redirect('/app/partner/keys', 303);
    return render(
      c,
      'Revoke a key',
      html`<form method="post" action="/app/partner/keys/${key.id}/revoke" class="card narrow">
        ${csrfField(c.var.csrfToken)}
        <p>Revoke the ${key.mode} key <code>${key.prefix}…</code>? Every request with it is refused from now on. This cannot be undone.</p>
        <button type="submit">Revoke key ${key.prefix}</button>
        <a href="/app/partner/keys">Keep it</a>
      </form>`,
    );
  });
  app.post('/keys/:id/revoke', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'keys:rotate');
    const key = await ownKey(identity, c.req.param('id'));
    await revokeOwnApiKey(ctx.db, userPrincipal(identity, key.accountId, key.mode, ''), key.id, { channel: 'web' });
    return c.redirect('/app/partner/keys?notice=revoked', 303);
  });

  const eventRows = (c: Context<WebEnv>, events: WebhookEvent[], mode: Mode, canWrite: boolean) =>
    events.map((event) => [
      html`${event.type}`,
      statusBadge(event.status),
      html`${event.attempts}${event.lastResponseStatus ? html` (HTTP ${event.lastResponseStatus})` : ''}`,
      showTime(event.createdAt),
      canWrite
        ? html`<form method="post" action="/app/partner/webhooks/events/${event.id}/redeliver?mode=${mode}">
            ${csrfField(c.var.csrfToken)}<button type="submit">Redeliver</button>
          </form>`
        : html``,
    ]);

  app.get('/webhooks', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'webhooks:read');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const [endpoint, { items }] = await Promise.all([
      getWebhookEndpoint(ctx.db, accountId).catch((error: unknown) => {
        if (isDomainError(error, 'webhook_endpoint_not_found')) return undefined;
        throw error;
      }),
      listWebhookEvents(ctx.db, accountId, { limit: 50 }),
    ]);
    const canWrite = mayDo(identity, 'webhooks:write');
    return render(
      c,
      'Webhooks',
      html`${modeSwitch('/app/partner/webhooks', mode)}
        <form method="post" action="/app/partner/webhooks?mode=${mode}" class="card">
          ${csrfField(c.var.csrfToken)} <label for="url">Endpoint URL</label
          ><input id="url" name="url" type="url" required value="${endpoint?.url ?? ''}" placeholder="https://example.com/hooks/steller" />
          ${endpoint ? html`<label class="check"><input type="checkbox" name="rotateSecret" value="1" /> Rotate the signing secret (the old one keeps signing for 24 h)</label>` : ''}
          <button type="submit" ${canWrite ? '' : ' disabled'}>Save</button>
          ${endpoint ? html`<p>Signing secret: <code>${endpoint.secret}</code>${endpoint.previousSecretExpiresAt ? html` (the previous one signs until ${showTime(endpoint.previousSecretExpiresAt)})` : ''}</p>` : ''}
        </form>
        ${
          endpoint && canWrite
            ? html`<form method="post" action="/app/partner/webhooks/test?mode=${mode}" class="inline">
                ${csrfField(c.var.csrfToken)}<button type="submit">Send a test event</button>
              </form>`
            : ''
        }
        <p class="hint">
          Events: order.completed, order.failed, order.partially_completed, wallet.credited, wallet.low_balance, account.inactive, webhook.test; signed per
          Standard Webhooks.
        </p>
        ${table('Recent events', ['Type', 'Delivery', 'Attempts', 'Created', ''], eventRows(c, items, mode, canWrite), 'No events yet.')}`,
    );
  });

  app.post('/webhooks', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'webhooks:write');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    const form = await formOf(c);
    const url = z.string().url().max(2000).safeParse(form['url']);
    if (!url.success) throw new DomainError('invalid_webhook_url', 'enter the full URL of your endpoint');
    await setWebhookEndpoint(
      ctx.db,
      accountId,
      { url: url.data, rotateSecret: form['rotateSecret'] === '1' },
      { allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE_URLS },
    );
    return c.redirect(`/app/partner/webhooks?mode=${mode}&notice=saved`, 303);
  });

  app.post('/webhooks/test', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'webhooks:write');
    const mode = modeOf(c);
    await sendTestWebhookEvent(ctx.db, await accountFor(ctx, identity, mode), sendWebhookDelivery(ctx.jobs));
    return c.redirect(`/app/partner/webhooks?mode=${mode}&notice=test`, 303);
  });

  app.post('/webhooks/events/:id/redeliver', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'webhooks:write');
    const mode = modeOf(c);
    const accountId = await accountFor(ctx, identity, mode);
    await redeliverWebhookEvent(ctx.db, accountId, c.req.param('id'), sendWebhookDelivery(ctx.jobs));
    return c.redirect(`/app/partner/webhooks?mode=${mode}&notice=queued`, 303);
  });

  // The sandbox playground: a test order (optionally with a simulator fault trigger), then its state
  // and its webhook events, refreshed by htmx every second until it is final.
  app.get('/playground', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:write');
    const sandboxId = await findSandboxAccountId(ctx.db, identity.partnerId);
    if (!sandboxId) {
      return render(c, 'Sandbox playground', html`<p>Your sandbox opens with your first test key. <a href="/app/partner/keys">Create a test key</a>.</p>`);
    }
    const [{ balance }, { items }] = await Promise.all([walletWithThreshold(ctx.db, sandboxId), listCatalog(ctx.db, { limit: 50 })]);
    const products = items.map(
      (item) =>
        html`<option value="${item.id}" data-currency="${item.currency}">
          ${item.name} (${showMoney(item.minFaceValue)}${item.kind === 'range' ? html` – ${showMoney(item.maxFaceValue)}` : ''})
        </option>`,
    );
    const first = items[0];
    return render(
      c,
      'Sandbox playground',
      html`<p>
          Test money: <strong>${showMoney(balance)}</strong>. Orders here are bought from the simulator, never the real vendor, and send your sandbox webhook
          (<a href="/app/partner/webhooks?mode=test">set it up</a>).
        </p>
        <form class="card" method="post" action="/app/partner/playground/orders" hx-post="/app/partner/playground/orders" hx-target="#result">
          ${csrfField(c.var.csrfToken)}
          <label for="productId">Product</label
          ><select id="productId" name="productId" required>
            ${products}
          </select>
          <label for="amount">Face value</label
          ><input id="amount" name="amount" inputmode="decimal" required value="${first ? formatAmount(first.minFaceValue) : ''}" />
          <label for="currency">Currency</label><input id="currency" name="currency" required maxlength="3" value="${first?.currency ?? ''}" />
          <label for="quantity">Cards</label><input id="quantity" name="quantity" type="number" min="1" max="10" value="1" />
          <label for="trigger">Simulator fault</label
          ><select id="trigger" name="trigger">
            ${PLAYGROUND_TRIGGERS.map((trigger) => html`<option value="${trigger.value}">${trigger.label}</option>`)}
          </select>
          <button type="submit">Place test order</button>
        </form>
        <div id="result" aria-live="polite"></div>`,
    );
  });

  app.post('/playground/orders', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:write');
    const sandboxId = await accountFor(ctx, identity, 'test');
    const parsed = OrderForm.safeParse(await formOf(c));
    if (!parsed.success) throw new DomainError('invalid_amount', 'choose a product, a face value with its currency and 1 to 10 cards');
    const input = parsed.data;
    // A fault trigger is the order's reference (docs/api.md, Sandbox); the suffix makes each one a new order.
    const reference = `${input.trigger || 'web'}/${randomUUID()}`;
    const { order } = await createOrder(ctx, {
      buyerId: sandboxId,
      actor: webActor(sandboxId),
      clientReference: reference,
      productId: BigInt(input.productId),
      face: parseMoney(input.amount, input.currency),
      quantity: input.quantity,
    });
    const fragment = playgroundOrder(order, []);
    if (c.req.header('hx-request')) return c.html(fragment);
    return render(c, 'Sandbox playground', html`<div id="result">${fragment}</div>`);
  });

  app.get('/playground/orders/:id', async (c) => {
    const identity = partnerOf(c);
    assertPermission(identity, 'orders:read');
    const sandboxId = await accountFor(ctx, identity, 'test');
    const { order } = await orderTimelineFor(ctx.db, webActor(sandboxId), c.req.param('id'));
    const { items } = await listWebhookEvents(ctx.db, sandboxId, { limit: 50 });
    const events = items.filter((event) => (event.data as { orderId?: unknown } | null)?.orderId === order.id);
    return c.html(playgroundOrder(order, events));
  });

  app.get('/security', (c) => {
    const identity = partnerOf(c);
    const { secret: totpSecret, uri } = newTotpSecret(identity.email);
    return render(
      c,
      'Security',
      html`<section class="card">
          <h2>Two-step sign-in (TOTP)</h2>
          <p>Add this secret to an authenticator app (or open the link on your phone), then enter the 6-digit code it shows.</p>
          <p><code>${totpSecret}</code></p>
          <p><a href="${uri}">Open in an authenticator app</a></p>
          <form method="post" action="/app/partner/security/totp">
            ${csrfField(c.var.csrfToken)}<input type="hidden" name="secret" value="${totpSecret}" /> <label for="code">Code</label
            ><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="10" /><button type="submit">Turn on</button>
          </form>
        </section>
        <p class="hint">Forgot your password? The sign-in page sends you a link when email is set up; otherwise an admin sets a new one.</p>`,
    );
  });

  app.post('/security/totp', async (c) => {
    const identity = partnerOf(c);
    const form = await formOf(c);
    const totpSecret = z
      .string()
      .regex(/^[A-Z2-7]{16,64}$/)
      .safeParse(form['secret']);
    if (!totpSecret.success) throw new DomainError('totp_invalid', 'start again from the Security page');
    await enableTotp(ctx.db, cardKeyring(ctx.config), webActor(identity.partnerId), identity.userId, totpSecret.data, form['code'] ?? '');
    return c.redirect('/app/partner/security?notice=totp', 303);
  });

  return app;
}

/** The playground's live view of one order: polls itself every second until the order is final. */
function playgroundOrder(order: Order, events: WebhookEvent[]): Html {
  const final = (['completed', 'partially_completed', 'failed'] as OrderStatus[]).includes(order.status);
  const delivered = events.some((event) => event.status === 'delivered');
  // Keeps polling until the order is final and its webhook delivered (or gave up trying for now).
  const done = final && (delivered || events.some((event) => event.status === 'dead'));
  return html`<section
    class="card"
    id="order-${order.id}"
    ${done ? '' : html`hx-get="/app/partner/playground/orders/${order.id}" hx-trigger="every 1s" hx-swap="outerHTML"`}
  >
    <h2>Order <a href="/app/partner/orders/${order.id}?mode=test">${order.number}</a></h2>
    <p>
      Status: <span class="status" data-status="${order.status}">${statusBadge(order.status)}</span> · ${order.quantity} × ${showMoney(order.face)} · total
      ${showMoney(order.total)}
    </p>
    <h3>Webhook</h3>
    ${
      events.length === 0
        ? html`<p class="webhook" data-webhook="none">${final ? 'Waiting for the webhook event…' : 'Sent when the order is final.'}</p>`
        : html`<ul class="webhook">
            ${events.map(
              (event) =>
                html`<li data-webhook="${event.status}">
                  ${event.type}: ${statusBadge(event.status)}${event.lastResponseStatus ? html` (your endpoint answered HTTP ${event.lastResponseStatus})` : ''}
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  queued: 'Queued for delivery.',
  test: 'A webhook.test event is on its way.',
  totp: 'Two-step sign-in is on.',
  revoked: 'The key is revoked.',
};
