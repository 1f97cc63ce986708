// Admin console, the network and its money (docs/web.md, Admin pages): the tree level by level with
// pause/resume, an account with its balance, credit/debit with a reason, its risk limits and
// (partners) its users' passwords, and the signup queue. The same services as the bot's admin screens and /v1/admin.
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { setAccountStatus } from '#src/domain/accounts/accounts.ts';
import { listApiKeys, revokeApiKey } from '#src/domain/api-keys/api-keys.ts';
import { accountOverview, findAccounts } from '#src/domain/accounts/listing.ts';
import { childSummaries } from '#src/domain/accounts/network.ts';
import { creditWallet, debitWallet } from '#src/domain/funding/manual.ts';
import { accountRiskLimits, setAccountRiskLimits, type AccountRiskLimits } from '#src/domain/orders/risk.ts';
import { monthOf } from '#src/domain/month.ts';
import { addPartnerUser, listPartnerUsers, PARTNER_USER_ROLES, removePartnerUser } from '#src/domain/partner-users/partner-users.ts';
import { approveSignup, listSignups, rejectSignup } from '#src/domain/signups/signups.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import { formatAmount, parseMoney, type Money } from '#src/shared/money.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { accountOf, requireKind, webActor } from './guards.ts';
import { csrfField, pageRenderer, showMoney, showTime, table } from './html.ts';
import { addUserForm } from './partner-users.ts';

const NOTICES: Record<string, string> = {
  paused: 'Account paused.',
  active: 'Account resumed.',
  credit: 'Wallet credited.',
  debit: 'Wallet debited.',
  key_revoked: 'Key revoked: it stops working at once.',
  user_added: 'User added: set their password to let them sign in.',
  user_removed: 'User removed: their keys are revoked and their sessions ended.',
  password: 'Password set. Tell the user through a channel you trust; their other sessions ended.',
  approved: 'Signup approved: the partner may issue its live key.',
  rejected: 'Signup rejected; its keys were revoked.',
  limits: 'Risk limits saved for this account.',
};

/** The roles whose accounts order cards, and so have risk limits. */
const ORDERING_ROLES = new Set(['agent', 'sub_agent', 'partner']);

/** A limit field: empty = no limit. */
const optionalAmount = z.union([z.literal(''), z.string().regex(/^\d{1,12}(\.\d{1,4})?$/)]);
const RiskLimitsForm = z.object({
  dailySpend: optionalAmount,
  dailyOrderCount: z.union([z.literal(''), z.string().regex(/^\d{1,9}$/)]),
  maxOrder: optionalAmount,
});

const PAGE_SIZE = 25;

const Adjustment = z.object({
  direction: z.enum(['credit', 'debit']),
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,4})?$/),
  reason: z.string().trim().min(1).max(500),
  // One key per form shown: a resent form cannot move the money twice.
  idempotencyKey: z.string().uuid(),
});

/** The account's risk limits (docs/orders.md, Create: risk limits), its use of them today, and the form that sets them for this account. */
function riskLimitsForm(c: Context<WebEnv>, accountId: string, limits: AccountRiskLimits) {
  const field = (value: Money | null) => (value === null ? '' : formatAmount(value));
  const from = { account: 'set for this account', role: 'the defaults of its role', none: 'none set' }[limits.source];
  return html`<form method="post" action="/app/admin/accounts/${accountId}/limits" class="card">
    ${csrfField(c.var.csrfToken)}
    <h2>Risk limits</h2>
    <p>Now: ${from}. Today (UTC): ${showMoney(limits.today.spent)} in ${limits.today.orders} orders. Empty means no limit.</p>
    <label for="dailySpend">Daily spend (${limits.account.currency})</label
    ><input id="dailySpend" name="dailySpend" inputmode="decimal" value="${field(limits.dailySpend)}" /> <label for="dailyOrderCount">Orders a day</label
    ><input id="dailyOrderCount" name="dailyOrderCount" inputmode="numeric" value="${limits.dailyOrderCount ?? ''}" />
    <label for="maxOrder">Largest order (${limits.account.currency})</label
    ><input id="maxOrder" name="maxOrder" inputmode="decimal" value="${field(limits.maxOrder)}" />
    <button type="submit">Save for this account</button>
  </form>`;
}

export function adminNetworkRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('admin'));
  const actorOf = (c: Context<WebEnv>) => webActor(accountOf(c).accountId);
  const render = pageRenderer(NOTICES);
  const statusButton = (c: Context<WebEnv>, accountId: string, status: string, back: string) =>
    html`<form method="post" action="/app/admin/accounts/${accountId}/status" class="inline">
      ${csrfField(c.var.csrfToken)}<input type="hidden" name="back" value="${back}" /><input
        type="hidden"
        name="status"
        value="${status === 'active' ? 'paused' : 'active'}"
      /><button type="submit" class="${status === 'active' ? 'secondary' : ''}">${status === 'active' ? 'Pause' : 'Resume'}</button>
    </form>`;

  // The tree one level at a time: the top level, or the children of `parent`, with balance and this month's sales.
  app.get('/network', async (c) => {
    const search = (c.req.query('q') ?? '').trim().slice(0, 100);
    const searchForm = html`<form method="get" class="inline" role="search">
      <label for="q">Find an account</label><input id="q" name="q" type="search" value="${search}" placeholder="name or id" /><button type="submit">
        Find
      </button>
    </form>`;
    if (search) {
      const found = await findAccounts(ctx.db, actorOf(c), search, 50);
      const back = `/app/admin/network?q=${encodeURIComponent(search)}`;
      return render(
        c,
        'Network',
        html`${searchForm}${table(
          `Accounts matching “${search}”`,
          ['Account', 'Role', 'Status', ''],
          found.map((account) => [
            html`<a href="/app/admin/accounts/${account.id}">${account.name}</a>`,
            html`${account.role.replace('_', '-')}`,
            html`${account.status}`,
            statusButton(c, account.id, account.status, back),
          ]),
          'No account matches.',
        )}`,
      );
    }
    const parentId = c.req.query('parent');
    const offset = Math.max(0, Number(c.req.query('offset') ?? 0) || 0);
    const { items, total } = await childSummaries(ctx.db, actorOf(c), {
      month: monthOf(new Date()).label,
      offset,
      limit: PAGE_SIZE,
      ...(parentId ? { parentId } : {}),
    });
    const parent = parentId ? (await accountOverview(ctx.db, actorOf(c), parentId)).account : undefined;
    const back = `/app/admin/network${parentId ? `?parent=${parentId}` : ''}`;
    const rows = items.map((item) => [
      html`<a href="/app/admin/accounts/${item.account.id}">${item.account.name}</a>`,
      html`${item.account.role.replace('_', '-')}`,
      html`${item.account.status}`,
      html`${showMoney(item.balance)}`,
      html`${showMoney(item.monthSales)}`,
      item.account.role === 'sub_agent' ? '' : html`<a href="/app/admin/network?parent=${item.account.id}">Children</a>`,
      statusButton(c, item.account.id, item.account.status, back),
    ]);
    return render(
      c,
      parent ? `Network: ${parent.name}` : 'Network',
      html`${searchForm}${parent ? html`<p><a href="/app/admin/network${parent.parentId ? `?parent=${parent.parentId}` : ''}">Up one level</a></p>` : ''}
      ${table(`${total} accounts; sales this month`, ['Account', 'Role', 'Status', 'Balance', 'Sales', '', ''], rows, 'No accounts here.')}
      ${offset + PAGE_SIZE < total ? html`<p><a href="${back}${parentId ? '&' : '?'}offset=${offset + PAGE_SIZE}">Next page</a></p>` : ''}`,
    );
  });

  app.get('/accounts/:id', async (c) => {
    const actor = actorOf(c);
    const { account, balance } = await accountOverview(ctx.db, actor, c.req.param('id'));
    // A partner's sandbox account is a partner too, but has no users of its own.
    const users =
      account.role === 'partner'
        ? (
            await listPartnerUsers(ctx.db, actor, account.id).catch((error: unknown) => {
              if (isDomainError(error, 'partner_users_not_allowed')) return [];
              throw error;
            })
          ).filter((user) => user.removedAt === null)
        : [];
    const keys = account.role === 'partner' || account.role === 'admin' ? await listApiKeys(ctx.db, actor, account.id) : [];
    const limits = ORDERING_ROLES.has(account.role) ? await accountRiskLimits(ctx.db, actor, account.id) : null;
    const userRows = users.map((user) => [
      html`${user.name}`,
      html`${user.email}`,
      html`${user.role}`,
      html`<form method="post" action="/app/admin/partners/${account.id}/users/${user.id}/password" class="inline">
        ${csrfField(c.var.csrfToken)}<label for="pw-${user.id}">New password</label
        ><input id="pw-${user.id}" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="200" required /><button type="submit">
          Set password
        </button>
      </form>`,
      html`<form method="post" action="/app/admin/accounts/${account.id}/users/${user.id}/remove">
        ${csrfField(c.var.csrfToken)}<button type="submit" class="secondary" aria-label="Remove ${user.email}">Remove</button>
      </form>`,
    ]);
    return render(
      c,
      account.name,
      html`<dl class="facts">
          <dt>Role</dt>
          <dd>${account.role.replace('_', '-')}</dd>
          <dt>Status</dt>
          <dd>${account.status}</dd>
          <dt>Balance</dt>
          <dd>${balance ? showMoney(balance) : '—'}</dd>
          <dt>Created</dt>
          <dd>${showTime(account.createdAt)}</dd>
        </dl>
        ${account.role === 'admin' ? '' : statusButton(c, account.id, account.status, `/app/admin/accounts/${account.id}`)}
        ${
          balance
            ? html`<form method="post" action="/app/admin/accounts/${account.id}/adjust" class="card">
                ${csrfField(c.var.csrfToken)}
                <h2>Credit or debit</h2>
                <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
                <label for="direction">Direction</label
                ><select id="direction" name="direction">
                  <option value="credit">Credit (add)</option>
                  <option value="debit">Debit (take)</option>
                </select>
                <label for="amount">Amount (${balance.currency})</label><input id="amount" name="amount" inputmode="decimal" required />
                <label for="reason">Reason (kept in the audit log)</label><input id="reason" name="reason" required maxlength="500" />
                <button type="submit">Apply</button>
              </form>`
            : ''
        }
        ${limits ? riskLimitsForm(c, account.id, limits) : ''}
        ${
          keys.length > 0
            ? table(
                'API keys (the account and its sandbox)',
                ['Key', 'Mode', 'Scope', 'Last used', 'State', ''],
                keys.map((key) => [
                  html`<code>${key.prefix}…</code>`,
                  html`${key.mode}`,
                  html`${key.scope}`,
                  showTime(key.lastUsedAt),
                  html`${key.revokedAt ? 'revoked' : key.expiresAt ? 'rotated, expiring' : 'active'}`,
                  key.revokedAt
                    ? ''
                    : html`<form method="post" action="/app/admin/accounts/${account.id}/keys/${key.id}/revoke">
                        ${csrfField(c.var.csrfToken)}<button type="submit" class="secondary" aria-label="Revoke key ${key.prefix}">Revoke</button>
                      </form>`,
                ]),
              )
            : ''
        }
        ${account.role === 'partner' ? table('Users (they sign in at /app/login with their email and this password)', ['Name', 'Email', 'Role', 'Web password', ''], userRows, 'No users yet.') : ''}
        ${account.role === 'partner' ? addUserForm(`/app/admin/accounts/${account.id}/users`, c.var.csrfToken) : ''}`,
    );
  });

  app.post('/accounts/:id/users', async (c) => {
    const form = await formOf(c);
    const role = z.enum(PARTNER_USER_ROLES).catch('developer').parse(form['role']);
    await addPartnerUser(ctx.db, actorOf(c), c.req.param('id'), { name: form['name'] ?? '', email: form['email'] ?? '', role });
    return c.redirect(`/app/admin/accounts/${c.req.param('id')}?notice=user_added`, 303);
  });

  app.post('/accounts/:id/users/:userId/remove', async (c) => {
    await removePartnerUser(ctx.db, actorOf(c), c.req.param('id'), c.req.param('userId'));
    return c.redirect(`/app/admin/accounts/${c.req.param('id')}?notice=user_removed`, 303);
  });

  app.post('/accounts/:id/keys/:keyId/revoke', async (c) => {
    const actor = actorOf(c);
    const { account } = await accountOverview(ctx.db, actor, c.req.param('id'));
    const key = (await listApiKeys(ctx.db, actor, account.id)).find((candidate) => candidate.id === c.req.param('keyId'));
    if (!key) throw new DomainError('api_key_not_found', 'no such key of this account');
    await revokeApiKey(ctx.db, actor, key.id);
    return c.redirect(`/app/admin/accounts/${account.id}?notice=key_revoked`, 303);
  });

  app.post('/accounts/:id/status', async (c) => {
    const form = await formOf(c);
    const status = form['status'] === 'paused' ? 'paused' : 'active';
    await setAccountStatus(ctx.db, actorOf(c), c.req.param('id'), status);
    const back = (form['back'] ?? '').startsWith('/app/admin/') ? (form['back'] as string) : `/app/admin/accounts/${c.req.param('id')}`;
    return c.redirect(`${back}${back.includes('?') ? '&' : '?'}notice=${status}`, 303);
  });

  app.post('/accounts/:id/limits', async (c) => {
    const actor = actorOf(c);
    const parsed = RiskLimitsForm.safeParse(await formOf(c));
    if (!parsed.success) throw new DomainError('invalid_risk_limits', 'a limit is a positive amount or order count, or empty for none');
    const { account } = await accountOverview(ctx.db, actor, c.req.param('id'));
    const amount = (value: string) => (value === '' ? null : parseMoney(value, account.currency));
    await setAccountRiskLimits(ctx.db, actor, account.id, {
      dailySpend: amount(parsed.data.dailySpend),
      dailyOrderCount: parsed.data.dailyOrderCount === '' ? null : Number(parsed.data.dailyOrderCount),
      maxOrder: amount(parsed.data.maxOrder),
    });
    return c.redirect(`/app/admin/accounts/${account.id}?notice=limits`, 303);
  });

  app.post('/accounts/:id/adjust', async (c) => {
    const actor = actorOf(c);
    const parsed = Adjustment.safeParse(await formOf(c));
    if (!parsed.success) throw new DomainError('invalid_amount', 'give an amount, a reason and try again from the account page');
    const { account, balance } = await accountOverview(ctx.db, actor, c.req.param('id'));
    if (!balance) throw new DomainError('no_wallet', `${account.name} has no wallet`);
    const input = {
      accountId: account.id,
      amount: parseMoney(parsed.data.amount, balance.currency),
      reason: parsed.data.reason,
      idempotencyKey: `web:${parsed.data.idempotencyKey}`,
    };
    await (parsed.data.direction === 'credit' ? creditWallet(ctx, actor, input) : debitWallet(ctx, actor, input));
    return c.redirect(`/app/admin/accounts/${account.id}?notice=${parsed.data.direction}`, 303);
  });

  app.get('/signups', async (c) => {
    const status = c.req.query('status') === 'all' ? undefined : 'pending';
    const cursor = c.req.query('cursor');
    const { items, nextCursor } = await listSignups(ctx.db, actorOf(c), { status, ...(cursor ? { cursor } : {}), limit: PAGE_SIZE });
    const rows = items.map((signup) => [
      html`<a href="/app/admin/accounts/${signup.accountId}">${signup.companyName}</a>`,
      html`${signup.email}`,
      html`${signup.useCase}`,
      html`${signup.status} · ${signup.stage.replaceAll('_', ' ')}`,
      showTime(signup.signedUpAt),
      signup.status === 'pending'
        ? html`<form method="post" action="/app/admin/signups/${signup.accountId}/approve" class="inline">
              ${csrfField(c.var.csrfToken)}<button type="submit">Approve</button>
            </form>
            <form method="post" action="/app/admin/signups/${signup.accountId}/reject" class="inline">
              ${csrfField(c.var.csrfToken)}<label for="why-${signup.accountId}">Reason</label
              ><input id="why-${signup.accountId}" name="reason" required maxlength="500" /><button type="submit" class="secondary">Reject</button>
            </form>`
        : '',
    ]);
    return render(
      c,
      'Signups',
      html`<p>
          ${status ? html`Pending, oldest first. <a href="/app/admin/signups?status=all">Show all</a>` : html`All signups. <a href="/app/admin/signups">Only pending</a>`}
        </p>
        ${table('Partner signups', ['Company', 'Email', 'Use case', 'State', 'Signed up', ''], rows, 'No signups waiting.')}
        ${nextCursor ? html`<p><a href="/app/admin/signups?${status ? '' : 'status=all&'}cursor=${nextCursor}">More</a></p>` : ''}`,
    );
  });

  app.post('/signups/:id/approve', async (c) => {
    await approveSignup(ctx.db, actorOf(c), c.req.param('id'));
    return c.redirect('/app/admin/signups?notice=approved', 303);
  });

  app.post('/signups/:id/reject', async (c) => {
    await rejectSignup(ctx.db, actorOf(c), c.req.param('id'), ((await formOf(c))['reason'] ?? '').trim());
    return c.redirect('/app/admin/signups?notice=rejected', 303);
  });

  return app;
}
