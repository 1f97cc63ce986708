// Authority lives in the domain (issue 14, part 2): every admin read and write takes the actor and
// requires an active admin. Demoting an admin pauses the account but keeps its role, so each admin
// service is called here by a demoted admin (refused: account_paused) and by an agent (refused:
// forbidden, except the services an agent may use on its own children).
//
// How this catches a new admin service without the check: the last tests read the imports of every
// admin adapter (api/v1/admin*.ts, and each bot feature guarded by isActiveAdmin) and require each
// domain function they call to be either in ADMIN_SERVICES (so it is called here by a paused admin)
// or in NOT_ADMIN_SERVICES with the reason it needs no admin check. A new admin screen or route that
// calls an unlisted function fails until the function is listed, and once listed in ADMIN_SERVICES
// it fails until it refuses a paused admin.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addAdmin, createAccount, setAccountStatus, type Account } from '../../src/domain/accounts/accounts.ts';
import { demoteAdmin, listAdmins, promoteAdmin } from '../../src/domain/accounts/admins.ts';
import { createInvite, findInvite, listInvites, revokeInvite } from '../../src/domain/accounts/invites.ts';
import { accountOverview, findAccounts, listAccounts } from '../../src/domain/accounts/listing.ts';
import { childSummaries } from '../../src/domain/accounts/network.ts';
import { accountActor, type Actor } from '../../src/domain/actor.ts';
import { apiKeySecret, issueApiKey, listApiKeys, revokeApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { creditWallet, debitWallet } from '../../src/domain/funding/manual.ts';
import { approveTopup, createTopupRequest, findTopupRequest, getTopupRequest, listPendingTopups, rejectTopup } from '../../src/domain/funding/topups.ts';
import { findOrders, orderTimeline, refundOrder, resolveOrder, retryOrder, showOrder } from '../../src/domain/orders/operator.ts';
import { accountRiskLimits, setAccountRiskLimits, setRiskLimits } from '../../src/domain/orders/risk.ts';
import { editCardList, saveCardList } from '../../src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan, listPricePlans, setProductDiscount } from '../../src/domain/pricing/pricing.ts';
import { setMarginBounds } from '../../src/domain/pricing/margins.ts';
import { closeRevenueShareMonth, previewRevenueShareMonth } from '../../src/domain/revenue-share/revenue-share.ts';
import { approveSignup, listSignups, rejectSignup, viewSignup } from '../../src/domain/signups/signups.ts';
import { platformMetrics, recentPlatformMetrics } from '../../src/domain/usage/platform-metrics.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { databaseJobControl, failedJobs, queueSummaries, retryFailedWork } from '../../src/ops/jobs.ts';
import { ordersNeedingAttention } from '../../src/ops/orders.ts';
import { vendorView } from '../../src/ops/vendor.ts';
import { listSalesPauses, pauseSales, resumeSales } from '../../src/domain/vendor/sales-pauses.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectDomainError, expectLedgerConsistent, fund, makeAccount, operator } from '../support/money.ts';

const { ctx } = await createTestContext();
const { db } = ctx;
const usd = (value: string) => parseMoney(value, 'USD');

// The issue's scenario: one admin demotes another; the demoted one keeps role admin, status paused.
const { account: keeper } = await addAdmin(db, operator, { telegramUserId: '810000001', currency: 'USD' });
const { account: demoted } = await addAdmin(db, operator, { telegramUserId: '810000002', currency: 'USD' });
await demoteAdmin(db, accountActor(keeper.id, 'telegram'), demoted.id);
const agent: Account = await makeAccount(db, 'agent', undefined, 'Authority Agent');
await fund(db, agent, '50.00');
const topup = await createTopupRequest(db, accountActor(agent.id, 'telegram'), { amount: usd('20.00'), proof: { kind: 'reference', text: 'BANK-REF-1' } });
const plan = await createPricePlan(db, operator, { name: 'Authority plan', defaultDiscountBps: 100 });
const partner = await createAccount(db, operator, { role: 'partner', name: 'Authority Partner', currency: 'USD' });
const partnerKey = await issueApiKey(db, apiKeySecret(ctx.config), operator, { accountId: partner.id, mode: 'live' });
const control = databaseJobControl(db, ctx.jobs, QUEUES);
const lastMonth = '2020-01';
// An agent may list, find and revoke the invites it made (so those services are agentMay); a demoted admin none.
const { invite } = await createInvite(db, operator, { role: 'sub_agent', parentId: agent.id });
const agentOrder = { id: '00000000-0000-4000-8000-000000000000' };

interface AdminService {
  call: (actor: Actor) => Promise<unknown>;
  /** Services an agent may also use (on its own children): the paused admin is still refused. */
  agentMay?: true;
}

/** Every admin service, keyed `<module path>#<export>`, with a call that would succeed for an active admin. */
const ADMIN_SERVICES: Record<string, AdminService> = {
  'src/domain/accounts/accounts.ts#createAccount': { call: (actor) => createAccount(db, actor, { role: 'agent', name: 'New', currency: 'USD' }) },
  'src/domain/accounts/accounts.ts#setAccountStatus': { call: (actor) => setAccountStatus(db, actor, agent.id, 'paused'), agentMay: true },
  'src/domain/accounts/accounts.ts#addAdmin': { call: (actor) => addAdmin(db, actor, { telegramUserId: '810000009', currency: 'USD' }) },
  'src/domain/accounts/admins.ts#listAdmins': { call: (actor) => listAdmins(db, actor) },
  'src/domain/accounts/admins.ts#promoteAdmin': { call: (actor) => promoteAdmin(db, actor, { telegramUserId: '810000002', currency: 'USD' }) },
  'src/domain/accounts/admins.ts#demoteAdmin': { call: (actor) => demoteAdmin(db, actor, keeper.id) },
  'src/domain/accounts/invites.ts#createInvite': { call: (actor) => createInvite(db, actor, { role: 'agent', currency: 'USD' }), agentMay: true },
  'src/domain/accounts/listing.ts#listAccounts': { call: (actor) => listAccounts(db, actor) },
  'src/domain/accounts/listing.ts#accountOverview': { call: (actor) => accountOverview(db, actor, agent.id) },
  'src/domain/accounts/network.ts#childSummaries': { call: (actor) => childSummaries(db, actor, { month: lastMonth, offset: 0, limit: 8 }), agentMay: true },
  'src/domain/audit/query.ts#queryAuditLog': { call: (actor) => queryAuditLog(db, actor, {}) },
  'src/domain/funding/manual.ts#creditWallet': {
    call: (actor) => creditWallet(db, actor, { accountId: agent.id, amount: usd('5.00'), reason: 'why', idempotencyKey: 'authority-credit' }),
  },
  'src/domain/funding/manual.ts#debitWallet': {
    call: (actor) => debitWallet(db, actor, { accountId: agent.id, amount: usd('5.00'), reason: 'why', idempotencyKey: 'authority-debit' }),
  },
  'src/domain/funding/topups.ts#listPendingTopups': { call: (actor) => listPendingTopups(db, actor) },
  'src/domain/funding/topups.ts#getTopupRequest': { call: (actor) => getTopupRequest(db, actor, topup.id) },
  'src/domain/funding/topups.ts#approveTopup': { call: (actor) => approveTopup(db, actor, topup.id) },
  'src/domain/funding/topups.ts#rejectTopup': { call: (actor) => rejectTopup(db, actor, topup.id, 'no such transfer') },
  'src/domain/pricing/pricing.ts#listPricePlans': { call: (actor) => listPricePlans(db, actor) },
  'src/domain/pricing/pricing.ts#createPricePlan': { call: (actor) => createPricePlan(db, actor, { name: 'Refused plan', defaultDiscountBps: 0 }) },
  'src/domain/pricing/pricing.ts#setProductDiscount': { call: (actor) => setProductDiscount(db, actor, { planId: plan.id, productId: 1n, discountBps: 50 }) },
  'src/domain/pricing/pricing.ts#assignPricePlan': { call: (actor) => assignPricePlan(db, actor, { role: 'agent' }, plan.id) },
  'src/domain/pricing/margins.ts#setMarginBounds': { call: (actor) => setMarginBounds(db, actor, { minBps: 0, maxBps: 100 }) },
  'src/domain/pricing/card-list.ts#saveCardList': { call: (actor) => saveCardList(db, actor, [], { maxEntries: 10 }) },
  'src/domain/pricing/card-list.ts#editCardList': {
    call: (actor) => editCardList(db, actor, { action: 'remove', position: 0, productId: 1n }, { maxEntries: 10 }),
  },
  'src/domain/orders/operator.ts#showOrder': { call: (actor) => showOrder(db, actor, 'ST-000001') },
  'src/domain/orders/operator.ts#retryOrder': { call: (actor) => retryOrder(ctx, actor, 'ST-000001') },
  'src/domain/orders/operator.ts#refundOrder': { call: (actor) => refundOrder(ctx, actor, 'ST-000001', 'test refund') },
  'src/domain/orders/operator.ts#resolveOrder': { call: (actor) => resolveOrder(ctx, actor, 'ST-000001', 'vendor_lacks', 'test decision') },
  'src/domain/orders/risk.ts#setRiskLimits': {
    call: (actor) => setRiskLimits(db, actor, { accountId: agent.id }, { dailySpend: 10_000n, dailyOrderCount: null }),
  },
  'src/domain/orders/risk.ts#accountRiskLimits': { call: (actor) => accountRiskLimits(db, actor, agent.id) },
  'src/domain/orders/risk.ts#setAccountRiskLimits': {
    call: (actor) => setAccountRiskLimits(db, actor, agent.id, { dailySpend: usd('100.00'), dailyOrderCount: null, maxOrder: null }),
  },
  'src/domain/orders/operator.ts#findOrders': { call: (actor) => findOrders(db, actor, 'ST-000001') },
  'src/domain/orders/operator.ts#orderTimeline': { call: (actor) => orderTimeline(db, actor, agentOrder.id) },
  'src/domain/accounts/listing.ts#findAccounts': { call: (actor) => findAccounts(db, actor, 'Authority') },
  'src/domain/funding/topups.ts#findTopupRequest': { call: (actor) => findTopupRequest(db, actor, topup.id.slice(0, 8)) },
  'src/domain/accounts/invites.ts#listInvites': { call: (actor) => listInvites(db, actor), agentMay: true },
  'src/domain/accounts/invites.ts#findInvite': { call: (actor) => findInvite(db, actor, invite.id), agentMay: true },
  'src/domain/accounts/invites.ts#revokeInvite': { call: (actor) => revokeInvite(db, actor, invite.id), agentMay: true },
  'src/domain/revenue-share/revenue-share.ts#previewRevenueShareMonth': { call: (actor) => previewRevenueShareMonth(db, actor, lastMonth) },
  'src/domain/revenue-share/revenue-share.ts#closeRevenueShareMonth': { call: (actor) => closeRevenueShareMonth(db, actor, lastMonth) },
  'src/domain/signups/signups.ts#listSignups': { call: (actor) => listSignups(db, actor) },
  'src/domain/signups/signups.ts#viewSignup': { call: (actor) => viewSignup(db, actor, partner.id) },
  'src/domain/signups/signups.ts#approveSignup': { call: (actor) => approveSignup(db, actor, partner.id) },
  'src/domain/signups/signups.ts#rejectSignup': { call: (actor) => rejectSignup(db, actor, partner.id, 'not a fit') },
  'src/domain/api-keys/api-keys.ts#issueApiKey': { call: (actor) => issueApiKey(db, apiKeySecret(ctx.config), actor, { accountId: partner.id, mode: 'live' }) },
  'src/domain/api-keys/api-keys.ts#listApiKeys': { call: (actor) => listApiKeys(db, actor, partner.id) },
  'src/domain/api-keys/api-keys.ts#revokeApiKey': { call: (actor) => revokeApiKey(db, actor, partnerKey.id) },
  'src/domain/usage/platform-metrics.ts#platformMetrics': { call: (actor) => platformMetrics(db, actor) },
  'src/domain/usage/platform-metrics.ts#recentPlatformMetrics': { call: (actor) => recentPlatformMetrics(db, actor, { from: '2026-01-01', to: '2026-01-31' }) },
  'src/ops/jobs.ts#queueSummaries': {
    call: (actor) =>
      queueSummaries(
        db,
        actor,
        QUEUES.map((queue) => queue.name),
      ),
  },
  'src/ops/jobs.ts#failedJobs': { call: (actor) => failedJobs(db, actor, { limit: 10 }) },
  'src/ops/jobs.ts#retryFailedWork': { call: (actor) => retryFailedWork(control, db, actor, { all: true }) },
  'src/ops/vendor.ts#vendorView': { call: (actor) => vendorView(ctx, actor) },
  'src/ops/orders.ts#ordersNeedingAttention': { call: (actor) => ordersNeedingAttention(db, actor) },
  'src/domain/vendor/sales-pauses.ts#pauseSales': { call: (actor) => pauseSales(ctx, actor, { scope: 'all', reason: 'refused anyway' }) },
  'src/domain/vendor/sales-pauses.ts#resumeSales': { call: (actor) => resumeSales(ctx, actor, { scope: 'all' }) },
  'src/domain/vendor/sales-pauses.ts#listSalesPauses': { call: (actor) => listSalesPauses(db, actor) },
};

/** Domain functions admin adapters call that are not admin services, and why they need no admin check. */
const NOT_ADMIN_SERVICES: Record<string, string> = {
  'src/domain/actor.ts#accountActor': 'builds the actor value, reads nothing',
  'src/domain/orders/risk.ts#riskLimitsJson': 'formats a view the caller read, reads nothing',
  'src/domain/accounts/invites.ts#inviteState': 'computes a state from a value, reads nothing',
  'src/domain/month.ts#monthOf': 'date arithmetic',
  'src/domain/month.ts#parseMonth': 'date arithmetic',
  'src/domain/growth/metrics.ts#resolveMetricsPeriod': 'validates query parameters, reads nothing',
  'src/domain/api-keys/api-keys.ts#apiKeySecret': 'reads configuration',
  'src/ops/jobs.ts#databaseJobControl': 'builds the job control handed to retryFailedWork, which checks the actor',
  'src/domain/pricing/pricing.ts#getProduct': 'a catalog product: public to every buyer',
  'src/domain/pricing/card-list.ts#readCardList': 'the card list every bot buyer orders from',
  'src/domain/pricing/card-list.ts#parseCardListFaces': 'reads typed face values; changes nothing',
  'src/domain/funding/topups.ts#createTopupRequest': "an agent's own request (topup.ts also serves agents); checks its actor",
  'src/domain/funding/topups.ts#assertMayRequestTopup':
    "whether an account may ask for a top-up (the agent's menu); a rule on a value, createTopupRequest checks it again",
  'src/domain/accounts/language.ts#telegramAdmins': 'who is told about a new request: active admins only',
  'src/domain/api-keys/api-keys.ts#findSandboxAccountId': 'an id, read beside listApiKeys (which checks the actor) in the same route',
};

const refusals = new Map<string, string>();

describe('every admin service refuses a demoted (paused) admin', () => {
  it('the demoted admin keeps role admin and is paused', () => {
    expect(demoted).toMatchObject({ role: 'admin' });
  });

  for (const [name, service] of Object.entries(ADMIN_SERVICES)) {
    it(`${name.split('#')[1]}: paused admin refused${service.agentMay ? '' : ', agent forbidden'}`, async () => {
      await expectDomainError(service.call(accountActor(demoted.id, 'telegram')), 'account_paused');
      if (!service.agentMay) await expectDomainError(service.call(accountActor(agent.id, 'telegram')), 'forbidden');
      refusals.set(name, 'refused');
    });
  }

  it('nothing happened for the refused actors: no audit row, no money moved, ledger consistent', async () => {
    const byRefused = await db.selectFrom('audit_log').select('action').where('actor_account_id', 'in', [demoted.id, agent.id]).execute();
    // The agent's own top-up request is the only row either of them wrote.
    expect(byRefused.map((row) => row.action)).toEqual(['topup.requested']);
    expect(await balance(db, agent)).toBe('50.00');
    expect((await db.selectFrom('topup_requests').select('status').where('id', '=', topup.id).executeTakeFirstOrThrow()).status).toBe('pending');
    await expectLedgerConsistent(db);
  });

  it('an active admin and the platform still pass the check', async () => {
    const keeperActor = accountActor(keeper.id, 'telegram');
    expect((await listAdmins(db, keeperActor)).map((admin) => admin.id)).toEqual(expect.arrayContaining([keeper.id, demoted.id]));
    expect((await getTopupRequest(db, keeperActor, topup.id)).id).toBe(topup.id);
    expect((await accountOverview(db, operator, agent.id)).balance).toEqual(usd('50.00'));
    expect((await queryAuditLog(db, operator, { action: 'admin.demoted' })).map((row) => row.actor_account_id)).toEqual([keeper.id]);
  });
});

/** The value imports of a TypeScript file from the domain (`#src/domain/…`, `#src/ops/…`), as `<path>#<name>`. */
function domainImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names: string[] = [];
  for (const match of text.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'#(src\/(?:domain|ops)\/[^']+)';/gm)) {
    for (const part of (match[1] as string).split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) names.push(`${match[2]}#${name.split(/\s+as\s+/)[0]}`);
    }
  }
  return names;
}

const root = resolve(import.meta.dirname, '../..');
const adminAdapters = [
  ...readdirSync(join(root, 'api/v1'))
    .filter((file) => file.startsWith('admin'))
    .map((file) => join(root, 'api/v1', file)),
  ...readdirSync(join(root, 'bot/features'))
    .map((file) => join(root, 'bot/features', file))
    .filter((file) => readFileSync(file, 'utf8').includes('isActiveAdmin(')),
];

describe('the list of admin services is complete', () => {
  it('finds the admin adapters', () => {
    const relative = adminAdapters.map((file) => file.slice(root.length + 1));
    expect(relative).toEqual(
      expect.arrayContaining(['api/v1/admin-accounts.ts', 'api/v1/admin-ops.ts', 'bot/features/admin.ts', 'bot/features/ops.ts', 'bot/features/topup.ts']),
    );
  });

  it('every domain function an admin adapter calls is an admin service (tested above) or listed as not one', async () => {
    const unlisted: string[] = [];
    for (const file of adminAdapters) {
      for (const name of domainImports(file)) {
        const [path, exported] = name.split('#') as [string, string];
        const module = (await import(join(root, path))) as Record<string, unknown>;
        if (typeof module[exported] !== 'function') continue; // constants and tables
        if (!(name in ADMIN_SERVICES) && !(name in NOT_ADMIN_SERVICES)) unlisted.push(`${file.slice(root.length + 1)}: ${name}`);
      }
    }
    expect(unlisted).toEqual([]);
  });

  it('every listed name is a real export', async () => {
    for (const name of [...Object.keys(ADMIN_SERVICES), ...Object.keys(NOT_ADMIN_SERVICES)]) {
      const [path, exported] = name.split('#') as [string, string];
      const module = (await import(join(root, path))) as Record<string, unknown>;
      expect(typeof module[exported], name).toBe('function');
    }
  });
});
