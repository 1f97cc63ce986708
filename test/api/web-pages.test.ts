// The web app's pages beyond sign-in (docs/web.md), over HTTP without a browser: each calls the
// domain with the signed-in person's rights and the web channel in the audit log. Money moved from a
// form is checked in the ledger, and a form sent twice moves it once.
import { beforeAll, describe, expect, it } from 'vitest';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';
import { addPartnerUser } from '../../src/domain/partner-users/partner-users.ts';
import { issueWebLoginLink } from '../../src/domain/web-access/login-links.ts';
import { setPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { webhookDeliverQueue } from '../../src/domain/webhooks/queues.ts';
import { accountRiskLimits } from '../../src/domain/orders/risk.ts';
import { readCardList, saveCardList } from '../../src/domain/pricing/card-list.ts';
import { marginBounds } from '../../src/domain/pricing/margins.ts';
import { activeSalesPauses } from '../../src/domain/vendor/sales-pauses.ts';
import { assignPricePlan, createPricePlan, listPricePlans } from '../../src/domain/pricing/pricing.ts';
import { createApiHarness } from '../support/api.ts';
import { insertProduct } from '../support/catalog.ts';
import { balance, expectLedgerConsistent, makeAccount } from '../support/money.ts';
import { signupClient, signupInput, type SignupBody } from '../support/signup.ts';
import { createWebClient } from '../support/web.ts';

const PASSWORD = 'pages test password';

describe('web pages', () => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  let admin: ReturnType<typeof createWebClient>;

  beforeAll(async () => {
    harness = await createApiHarness();
    const { token } = await issueWebLoginLink(harness.ctx.db, apiKeySecret(harness.ctx.config), accountActor(harness.admin.id, 'telegram'));
    admin = createWebClient(harness.api);
    await admin.get(`/app/login/link?token=${token}`);
    expect((await admin.post('/app/login/link', { token })).response.status).toBe(303);
  });

  async function partnerUser(role: 'developer' | 'finance') {
    const partner = await harness.makePartner();
    const email = `${role}.${partner.account.id.slice(0, 8)}@partner.example`;
    const user = await addPartnerUser(harness.ctx.db, platformActor('cli'), partner.account.id, { name: role, email, role });
    await setPartnerUserPassword(harness.ctx.db, platformActor('cli'), partner.account.id, user.id, PASSWORD);
    const web = createWebClient(harness.api);
    await web.get('/app/login');
    expect((await web.post('/app/login', { email, password: PASSWORD })).response.status).toBe(303);
    return { web, partner };
  }

  it('the network: pause and resume an agent; credit a wallet once with a reason, audited as web', async () => {
    const agent = await makeAccount(harness.ctx.db, 'agent', undefined, 'Agent <Kim>');
    const network = await admin.get('/app/admin/network');
    expect(network.response.status).toBe(200);
    expect(network.text).toContain('Agent &lt;Kim&gt;');
    const found = await admin.get('/app/admin/network?q=kim');
    expect(found.text).toContain(`/app/admin/accounts/${agent.id}`);
    expect((await admin.get('/app/admin/network?q=%25')).text).toContain('No account matches.'); // `%` is a character, not a wildcard

    const paused = await admin.post(`/app/admin/accounts/${agent.id}/status`, { status: 'paused', back: '/app/admin/network' });
    expect(paused.response.headers.get('location')).toBe('/app/admin/network?notice=paused');
    expect((await harness.ctx.db.selectFrom('accounts').select('status').where('id', '=', agent.id).executeTakeFirstOrThrow()).status).toBe('paused');
    // A `back` off the console is ignored (no open redirect).
    const resumed = await admin.post(`/app/admin/accounts/${agent.id}/status`, { status: 'active', back: 'https://evil.example/' });
    expect(resumed.response.headers.get('location')).toBe(`/app/admin/accounts/${agent.id}?notice=active`);

    const page = await admin.get(`/app/admin/accounts/${agent.id}`);
    const idempotencyKey = /name="idempotencyKey" value="([0-9a-f-]{36})"/.exec(page.text)?.[1];
    expect(idempotencyKey).toBeDefined();
    const form = { direction: 'credit', amount: '25.50', reason: 'bank transfer 42', idempotencyKey: idempotencyKey! };
    expect((await admin.post(`/app/admin/accounts/${agent.id}/adjust`, form)).response.status).toBe(303);
    expect((await admin.post(`/app/admin/accounts/${agent.id}/adjust`, form)).response.status).toBe(303); // sent twice
    expect(await balance(harness.ctx.db, agent)).toBe('25.50');
    const noReason = await admin.post(`/app/admin/accounts/${agent.id}/adjust`, { ...form, reason: ' ', idempotencyKey: crypto.randomUUID() });
    expect(noReason.response.status).toBe(422);
    const overdraw = await admin.post(`/app/admin/accounts/${agent.id}/adjust`, {
      ...form,
      direction: 'debit',
      amount: '30.00',
      idempotencyKey: crypto.randomUUID(),
    });
    expect(overdraw.response.status).toBe(402);
    expect(await balance(harness.ctx.db, agent)).toBe('25.50');
    await expectLedgerConsistent(harness.ctx.db);
    const audit = await harness.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'channel'])
      .where('actor_account_id', '=', harness.admin.id)
      .where('action', 'in', ['account.paused', 'account.resumed', 'ledger.transfer'])
      .execute();
    expect(audit.map((row) => row.action).sort()).toEqual(['account.paused', 'account.resumed', 'ledger.transfer']);
    expect(new Set(audit.map((row) => row.channel))).toEqual(new Set(['web']));
  });

  it("an account's risk limits and the agents' margin bounds are set from the console, validated by the domain and audited as web", async () => {
    const agent = await makeAccount(harness.ctx.db, 'agent');
    const page = await admin.get(`/app/admin/accounts/${agent.id}`);
    expect(page.text).toContain('Risk limits');
    const saved = await admin.post(`/app/admin/accounts/${agent.id}/limits`, { dailySpend: '250.00', dailyOrderCount: '', maxOrder: '40' });
    expect(saved.response.headers.get('location')).toBe(`/app/admin/accounts/${agent.id}?notice=limits`);
    expect(await accountRiskLimits(harness.ctx.db, platformActor('cli'), agent.id)).toMatchObject({
      source: 'account',
      dailySpend: { amount: 25_000n, currency: 'USD' },
      dailyOrderCount: null,
      maxOrder: { amount: 4_000n, currency: 'USD' },
    });
    const shown = await admin.get(`/app/admin/accounts/${agent.id}`);
    expect(shown.text).toContain('Now: set for this account.');
    expect(shown.text).toContain('value="250.00"');
    expect((await admin.post(`/app/admin/accounts/${agent.id}/limits`, { dailySpend: '-5', dailyOrderCount: '', maxOrder: '' })).response.status).toBe(422);
    expect((await admin.post(`/app/admin/accounts/${agent.id}/limits`, { dailySpend: '', dailyOrderCount: '0', maxOrder: '' })).response.status).toBe(422);

    expect((await admin.get('/app/admin/pricing')).text).toContain("Agents' margins on their sub-agents");
    expect((await admin.post('/app/admin/pricing/margin-bounds', { minBps: '100', maxBps: '1500' })).response.status).toBe(303);
    expect(await marginBounds(harness.ctx.db)).toEqual({ minBps: 100, maxBps: 1500 });
    expect((await admin.post('/app/admin/pricing/margin-bounds', { minBps: '900', maxBps: '100' })).response.status).toBe(422);
    expect((await admin.post('/app/admin/pricing/margin-bounds', { minBps: 'x', maxBps: '100' })).response.status).toBe(422);
    expect(await marginBounds(harness.ctx.db)).toEqual({ minBps: 100, maxBps: 1500 });
    const audit = await harness.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'channel'])
      .where('actor_account_id', '=', harness.admin.id)
      .where('action', 'in', ['risk_limits.set', 'pricing.margin_bounds_set'])
      .execute();
    expect(audit.map((row) => row.action).sort()).toEqual(['pricing.margin_bounds_set', 'risk_limits.set']);
    expect(new Set(audit.map((row) => row.channel))).toEqual(new Set(['web']));
  });

  it("users and roles: an admin adds a partner's user, sets the password, and removes the user (sessions end)", async () => {
    const partner = await harness.makePartner('Roles Ltd');
    expect((await admin.get(`/app/admin/accounts/${partner.sandboxId}`)).response.status).toBe(200); // a sandbox has no users
    await admin.get(`/app/admin/accounts/${partner.account.id}`);
    const added = await admin.post(`/app/admin/accounts/${partner.account.id}/users`, { name: 'Fatima', email: 'fatima@roles.example', role: 'finance' });
    expect(added.response.headers.get('location')).toBe(`/app/admin/accounts/${partner.account.id}?notice=user_added`);
    const user = await harness.ctx.db.selectFrom('partner_users').select(['id', 'role']).where('email', '=', 'fatima@roles.example').executeTakeFirstOrThrow();
    expect(user.role).toBe('finance');
    expect((await admin.post(`/app/admin/partners/${partner.account.id}/users/${user.id}/password`, { password: PASSWORD })).response.status).toBe(303);

    const fatima = createWebClient(harness.api);
    await fatima.get('/app/login');
    expect((await fatima.post('/app/login', { email: 'fatima@roles.example', password: PASSWORD })).response.status).toBe(303);
    expect((await fatima.get('/app/partner')).response.status).toBe(200);
    expect((await admin.post(`/app/admin/accounts/${partner.account.id}/users/${user.id}/remove`, {})).response.status).toBe(303);
    expect((await fatima.get('/app/partner')).response.headers.get('location')).toBe('/app/login');
    // An admin revokes the partner's live key: it stops working at once.
    const page = await admin.get(`/app/admin/accounts/${partner.account.id}`);
    const keyId = /\/keys\/([0-9a-f-]{36})\/revoke/.exec(page.text)?.[1];
    expect(keyId).toBeDefined();
    expect((await harness.call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    const [live] = await harness.ctx.db.selectFrom('api_keys').select('id').where('account_id', '=', partner.account.id).execute();
    expect((await admin.post(`/app/admin/accounts/${partner.account.id}/keys/${live!.id}/revoke`, {})).response.status).toBe(303);
    expect((await harness.call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(401);
    expect((await admin.post(`/app/admin/accounts/${partner.account.id}/keys/${crypto.randomUUID()}/revoke`, {})).response.status).toBe(404);

    const audit = await harness.ctx.db.selectFrom('audit_log').select(['action', 'channel']).where('subject_id', '=', user.id).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'partner_user.added', channel: 'web' },
      { action: 'partner_user.password_set', channel: 'web' },
      { action: 'web.signed_in', channel: 'web' },
      { action: 'partner_user.removed', channel: 'web' },
    ]);
  });

  it('signups: an admin approves one in the queue', async () => {
    const signup = await signupClient(harness);
    const created = (await (await signup(signupInput({ companyName: 'Queue & Co' }))).json()) as SignupBody;
    const queue = await admin.get('/app/admin/signups');
    expect(queue.text).toContain('Queue &amp; Co');
    expect((await admin.post(`/app/admin/signups/${created.accountId}/approve`, {})).response.headers.get('location')).toBe(
      '/app/admin/signups?notice=approved',
    );
    const row = await harness.ctx.db
      .selectFrom('partner_signups')
      .select(['status', 'decided_by'])
      .where('account_id', '=', created.accountId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'approved', decided_by: harness.admin.id });
    expect((await admin.post(`/app/admin/signups/${created.accountId}/approve`, {})).response.status).toBe(409);
  });

  it('prices: a new plan, a role default and a product discount; the card list with its face values', async () => {
    await insertProduct(harness.ctx.db, { id: 880001, minFace: 1000n, costMin: 900n });
    await saveCardList(harness.ctx.db, platformActor('cli'), [{ productId: 880001n, denominations: [1000n] }], { maxEntries: 50 });
    const prices = await admin.get('/app/admin/pricing');
    expect(prices.text).toContain('Product 880001 (880001)');
    expect(prices.text).toContain('value="10.00"');
    expect((await admin.post('/app/admin/pricing/plans', { name: 'Gold', defaultDiscountBps: '12345' })).response.status).toBe(422);
    expect((await admin.post('/app/admin/pricing/plans', { name: 'Gold', defaultDiscountBps: '250' })).response.headers.get('location')).toBe(
      '/app/admin/pricing?notice=created',
    );
    const [plan] = await listPricePlans(harness.ctx.db, platformActor('cli'));
    expect((await admin.post('/app/admin/pricing/role-default', { role: 'partner', planId: plan!.id })).response.status).toBe(303);
    expect((await admin.post('/app/admin/pricing/discount', { planId: plan!.id, productId: '880001', discountBps: '500' })).response.status).toBe(303);
    expect(await listPricePlans(harness.ctx.db, platformActor('cli'))).toEqual([
      expect.objectContaining({ name: 'Gold', defaultDiscountBps: 250, roles: ['partner'], discounts: [{ productId: '880001', discountBps: 500 }] }),
    ]);
    const audit = await harness.ctx.db.selectFrom('audit_log').select(['action', 'channel']).where('action', 'like', 'price_plan.%').orderBy('id').execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(new Set(audit.map((row) => row.channel))).toEqual(new Set(['web']));
  });

  it('the card list: add, change face values, move, remove; a stale or invalid form is refused; pause and resume a product, audited as web', async () => {
    await insertProduct(harness.ctx.db, { id: 880101, minFace: 1000n, costMin: 900n });
    await insertProduct(harness.ctx.db, { id: 880102, minFace: 500n, maxFace: 20_000n, costMin: 475n, costMax: 19_000n });
    await saveCardList(harness.ctx.db, platformActor('cli'), [], { maxEntries: 50 });
    const listed = async () => (await readCardList(harness.ctx.db)).map((entry) => ({ ...entry, productId: String(entry.productId) }));
    const edit = (fields: Record<string, string>) => admin.post('/app/admin/pricing/card-list', fields);

    await admin.get('/app/admin/pricing');
    expect((await edit({ action: 'add', productId: '880101', faces: '10' })).response.headers.get('location')).toBe(
      '/app/admin/pricing?notice=card-list#card-list',
    );
    expect((await edit({ action: 'add', productId: '880102', faces: '5 - 150' })).response.status).toBe(303);
    expect(await listed()).toEqual([
      { position: 0, productId: '880101', denominations: [1000n] },
      { position: 1, productId: '880102', range: { min: 500n, max: 15_000n } },
    ]);
    const page = await admin.get('/app/admin/pricing');
    expect(page.text).toContain('value="5.00-150.00"');
    expect(page.text).toContain('aria-label="Move up 2: Product 880102 (880102)"');

    expect((await edit({ action: 'set_faces', position: '1', productId: '880102', faces: '5, 25' })).response.status).toBe(303);
    expect((await edit({ action: 'up', position: '1', productId: '880102' })).response.status).toBe(303);
    expect((await listed()).map((entry) => entry.productId)).toEqual(['880102', '880101']);
    expect((await listed())[0]).toEqual({ position: 0, productId: '880102', denominations: [500n, 2500n] });
    // A form drawn before that move names what was at position 1 then: refused, nothing changes.
    const stale = await edit({ action: 'remove', position: '1', productId: '880102' });
    expect(stale.response.status).toBe(409);
    expect(stale.text).toContain('the card list changed in the meantime');
    // Face values the product cannot have, or that do not read as amounts, change nothing either.
    expect((await edit({ action: 'set_faces', position: '1', productId: '880101', faces: '25' })).response.status).toBe(422);
    expect((await edit({ action: 'add', productId: '880101', faces: 'ten' })).response.status).toBe(422);
    expect((await edit({ action: 'add', productId: 'x', faces: '10' })).response.status).toBe(422);
    expect((await edit({ action: 'add', productId: '999999999', faces: '10' })).response.status).toBe(404);
    expect((await edit({ action: 'remove', position: '0', productId: '880102' })).response.status).toBe(303);
    expect(await listed()).toEqual([{ position: 0, productId: '880101', denominations: [1000n] }]);

    expect((await admin.post('/app/admin/pricing/sales-pause', { productId: '880101', reason: 'supplier recall' })).response.status).toBe(303);
    expect(await activeSalesPauses(harness.ctx.db)).toEqual([expect.objectContaining({ scope: 'product', target: '880101', reason: 'supplier recall' })]);
    expect((await admin.get('/app/admin/pricing')).text).toContain('Paused: supplier recall');
    expect((await admin.post('/app/admin/pricing/sales-pause', { productId: '880101', reason: ' ' })).response.status).toBe(422);
    expect((await admin.post('/app/admin/pricing/sales-resume', { productId: '880101' })).response.status).toBe(303);
    expect(await activeSalesPauses(harness.ctx.db)).toEqual([]);

    const audit = await harness.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'channel', 'actor_account_id'])
      .where((eb) => eb.or([eb('action', '=', 'card_list.saved'), eb('action', 'like', 'sales.%')]))
      .where('channel', '=', 'web')
      .orderBy('id')
      .execute();
    expect(audit.map((row) => row.action)).toEqual([...Array<string>(5).fill('card_list.saved'), 'sales.paused', 'sales.resumed']);
    expect(new Set(audit.map((row) => row.actor_account_id))).toEqual(new Set([harness.admin.id]));
  });

  it("the catalog page's cached prices follow a price change at once", async () => {
    await insertProduct(harness.ctx.db, { id: 880201, minFace: 1000n, costMin: 900n });
    const { web, partner } = await partnerUser('developer');
    const before = await web.get('/app/partner/catalog?q=880201');
    expect(before.text).toContain('880201');
    expect(before.text).not.toContain('9.50 USD');
    const plan = await createPricePlan(harness.ctx.db, platformActor('cli'), { name: 'Five off', defaultDiscountBps: 500 });
    await assignPricePlan(harness.ctx.db, platformActor('cli'), { accountId: partner.account.id }, plan.id);
    expect((await web.get('/app/partner/catalog?q=880201')).text).toContain('9.50 USD');
  });

  it('the audit log filters by action, actor and subject', async () => {
    const agent = await makeAccount(harness.ctx.db, 'agent');
    expect((await admin.post(`/app/admin/accounts/${agent.id}/status`, { status: 'paused' })).response.status).toBe(303);
    const byAction = await admin.get('/app/admin/audit?action=account.paused&actor=');
    expect(byAction.response.status).toBe(200);
    expect(byAction.text).toContain(agent.id.slice(0, 12));
    expect(byAction.text).not.toContain('web.signed_in');
    const bySubject = await admin.get(`/app/admin/audit?subjectType=account&subjectId=${agent.id}&actor=${harness.admin.id}`);
    expect(bySubject.text).toContain('account.paused');
    expect((await admin.get('/app/admin/audit?action=nothing.like_this')).text).toContain('No entries match.');
    expect((await admin.get('/app/admin/audit?actor=not-a-uuid')).response.status).toBe(422);
    expect((await admin.get('/app/admin/audit?subjectType=account')).response.status).toBe(422);
  });

  it('operations and metrics answer; retrying with nothing failed retries nothing', async () => {
    const ops = await admin.get('/app/admin/ops');
    expect(ops.response.status).toBe(200);
    expect(ops.text).toContain('Orders needing attention');
    expect((await admin.post('/app/admin/ops/retry', {})).response.headers.get('location')).toBe('/app/admin/ops?retried=0');
    expect(ops.text).toContain('Bamboo accounts, as read');
    expect(ops.text).toContain('No sales are paused.');
    // Sales pauses from the operations page: all sales, with a reason; resumed with one button.
    expect((await admin.post('/app/admin/ops/sales-pause', { scope: 'everything', target: '', reason: 'x' })).response.status).toBe(422);
    expect((await admin.post('/app/admin/ops/sales-pause', { scope: 'all', target: '', reason: 'vendor incident' })).response.status).toBe(303);
    expect(await activeSalesPauses(harness.ctx.db)).toEqual([expect.objectContaining({ scope: 'all', target: '', reason: 'vendor incident' })]);
    expect((await admin.get('/app/admin/ops')).text).toContain('vendor incident');
    expect((await admin.post('/app/admin/ops/sales-resume', { scope: 'all', target: '' })).response.status).toBe(303);
    expect(await activeSalesPauses(harness.ctx.db)).toEqual([]);
    const audit = await harness.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'channel'])
      .where('action', 'in', ['sales.paused', 'sales.resumed'])
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    expect(audit).toEqual([
      { action: 'sales.resumed', channel: 'web' },
      { action: 'sales.paused', channel: 'web' },
    ]);
    const metrics = await admin.get('/app/admin/metrics');
    expect(metrics.response.status).toBe(200);
    expect(metrics.text).toContain('<svg');
  });

  it("partner users see what their role may; the console and other roles' pages stay closed", async () => {
    const developer = await partnerUser('developer');
    await harness.call(developer.partner.liveKey, 'GET', '/v1/wallet'); // one request to log
    await harness.ctx.requestLogs!.flush(harness.ctx.db);
    const logs = await developer.web.get('/app/partner/logs');
    expect(logs.response.status).toBe(200);
    expect(logs.text).toContain('<code>/v1/wallet</code>');
    // Without an endpoint a test event has nowhere to go; with one it is queued for delivery at once.
    await developer.web.get('/app/partner/webhooks');
    expect((await developer.web.post('/app/partner/webhooks/test', {})).response.status).toBe(404);
    expect((await developer.web.post('/app/partner/webhooks', { url: 'https://hooks.partner.example/steller' })).response.status).toBe(303);
    const webhooks = await developer.web.get('/app/partner/webhooks');
    expect(webhooks.text).toContain('Send a test event');
    expect((await developer.web.post('/app/partner/webhooks/test', {})).response.headers.get('location')).toBe('/app/partner/webhooks?mode=live&notice=test');
    const events = await harness.ctx.db
      .selectFrom('webhook_events')
      .select(['id', 'type', 'queued_at'])
      .where('account_id', '=', developer.partner.account.id)
      .execute();
    expect(events).toEqual([{ id: expect.any(String), type: 'webhook.test', queued_at: expect.any(Date) }]);
    expect(await harness.boss.findJobs(webhookDeliverQueue.name, { data: { eventId: events[0]!.id } })).toHaveLength(1);
    // The playground's polling keeps what it shows when a refresh fails (204: htmx swaps nothing).
    const lost = await developer.web.get(`/app/partner/playground/orders/${crypto.randomUUID()}`, { 'hx-request': 'true' });
    expect(lost.response.status).toBe(204);
    expect((await developer.web.get(`/app/partner/playground/orders/${crypto.randomUUID()}`)).response.status).toBe(404);
    const agent = await makeAccount(harness.ctx.db, 'agent');
    const refused = await developer.web.post(`/app/admin/accounts/${agent.id}/adjust`, {
      direction: 'credit',
      amount: '5.00',
      reason: 'x',
      idempotencyKey: crypto.randomUUID(),
    });
    expect(refused.response.status).toBe(403);
    expect(await balance(harness.ctx.db, agent)).toBe('0.00');

    const finance = await partnerUser('finance');
    expect((await finance.web.get('/app/partner/logs')).response.status).toBe(403);
    expect((await finance.web.get('/app/partner/playground')).response.status).toBe(403);
    const csv = await finance.web.get('/app/partner/transactions.csv');
    expect(csv.response.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\n')[0]).toBe('id,created_at,kind,amount,currency,transfer_id');
  });
});
