// Partner users and key scopes (issue 8): the scope matrix of api/middleware/scopes.ts (each route
// declares its permission with defineRoute) enforced on real routes, user management by the owner
// key and by admins, revocation on removal, rotation keeping the scope, cross-tenant isolation.
// Every answer is checked against the OpenAPI document.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { declaredAccess, SCOPE_PERMISSIONS } from '../../api/middleware/scopes.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { expectLedgerConsistent } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;

interface User {
  id: string;
  accountId: string;
  name: string;
  email: string;
  role: 'developer' | 'finance';
  removedAt: string | null;
}
interface IssuedKey {
  id: string;
  key: string;
  accountId: string;
  mode: 'live' | 'test';
  scope: string;
  userId: string | null;
}

let emails = 0;

async function addUser(partner: Partner, role: User['role'], key = partner.liveKey): Promise<User> {
  emails += 1;
  const response = await call(key, 'POST', '/v1/users', { name: `Person ${emails}`, email: `person${emails}@example.com`, role });
  expect(response.status).toBe(201);
  return (await response.json()) as User;
}

async function userKey(partner: Partner, user: User, key = partner.liveKey): Promise<IssuedKey> {
  const response = await call(key, 'POST', `/v1/users/${user.id}/keys`);
  expect(response.status).toBe(201);
  return (await response.json()) as IssuedKey;
}

/** A partner with some money, a developer and a finance user, each with a live key. */
async function partnerWithUsers() {
  const partner = await harness.makePartner();
  const credited = await call(
    harness.adminKey,
    'POST',
    `/v1/admin/accounts/${partner.account.id}/credit`,
    { amount: '25.00', currency: 'USD', reason: 'test funding' },
    {
      'idempotency-key': `fund-${partner.account.id}`,
    },
  );
  expect(credited.status).toBe(200);
  const developer = await addUser(partner, 'developer');
  const finance = await addUser(partner, 'finance');
  return { partner, developer, finance, developerKey: (await userKey(partner, developer)).key, financeKey: (await userKey(partner, finance)).key };
}

async function expectScopeRefusal(response: Response, permission: string) {
  const body = await expectProblem(response, 403, 'insufficient_scope');
  expect(body.permission).toBe(permission);
}

const WEBHOOK = { url: 'https://partner.example/hooks' };

describe('key scopes', () => {
  it('finance key: wallet, transactions and their CSV export, usage, catalog and order reads; not webhooks, orders or users', async () => {
    const { financeKey } = await partnerWithUsers();
    const wallet = await call(financeKey, 'GET', '/v1/wallet');
    expect(wallet.status).toBe(200);
    expect(await wallet.json()).toMatchObject({ mode: 'live', balance: { amount: '25.00', currency: 'USD' } });
    expect((await call(financeKey, 'GET', '/v1/transactions')).status).toBe(200);
    const csv = await call(financeKey, 'GET', '/v1/transactions?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\n')[1]).toContain('manual_credit,25.00,USD');
    expect((await call(financeKey, 'GET', '/v1/usage')).status).toBe(200);
    expect((await call(financeKey, 'GET', '/v1/catalog')).status).toBe(200);
    expect((await call(financeKey, 'GET', '/v1/orders')).status).toBe(200);

    await expectScopeRefusal(await call(financeKey, 'PUT', '/v1/webhook-endpoint', WEBHOOK), 'webhooks:write');
    await expectScopeRefusal(await call(financeKey, 'GET', '/v1/webhook-endpoint'), 'webhooks:read');
    await expectScopeRefusal(await call(financeKey, 'GET', '/v1/webhook-events'), 'webhooks:read');
    await expectScopeRefusal(await call(financeKey, 'GET', '/v1/request-logs'), 'request_logs:read');
    await expectScopeRefusal(
      await call(financeKey, 'POST', '/v1/orders', { productId: '1', faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1 }),
      'orders:write',
    );
    await expectScopeRefusal(await call(financeKey, 'GET', '/v1/users'), 'users:manage');
    // Nothing was changed by the refused calls.
    expect(await ctx.db.selectFrom('webhook_endpoints').select('account_id').execute()).toEqual([]);
    await expectLedgerConsistent(ctx.db);
  });

  it('developer key: webhooks, catalog, orders, usage; not the wallet, transactions or their export', async () => {
    const { partner, developerKey } = await partnerWithUsers();
    const endpoint = await call(developerKey, 'PUT', '/v1/webhook-endpoint', WEBHOOK);
    expect(endpoint.status).toBe(200);
    expect(await endpoint.json()).toMatchObject({ url: WEBHOOK.url, secret: expect.stringMatching(/^whsec_/) });
    expect((await call(developerKey, 'GET', '/v1/webhook-endpoint')).status).toBe(200);
    expect((await call(developerKey, 'GET', '/v1/webhook-events')).status).toBe(200);
    expect((await call(developerKey, 'GET', '/v1/catalog')).status).toBe(200);
    expect((await call(developerKey, 'GET', '/v1/orders')).status).toBe(200);
    expect((await call(developerKey, 'GET', '/v1/usage')).status).toBe(200);
    expect((await call(developerKey, 'GET', '/v1/request-logs')).status).toBe(200);
    // The endpoint belongs to the partner: the owner key sees what the developer set.
    expect(await (await call(partner.liveKey, 'GET', '/v1/webhook-endpoint')).json()).toMatchObject({ url: WEBHOOK.url });

    await expectScopeRefusal(await call(developerKey, 'GET', '/v1/transactions?format=csv'), 'transactions:export');
    await expectScopeRefusal(await call(developerKey, 'GET', '/v1/transactions', undefined, { accept: 'text/csv' }), 'transactions:export');
    await expectScopeRefusal(await call(developerKey, 'GET', '/v1/transactions'), 'transactions:read');
    await expectScopeRefusal(await call(developerKey, 'GET', '/v1/wallet'), 'wallet:read');
    await expectScopeRefusal(await call(developerKey, 'POST', '/v1/users', { name: 'X', email: 'x@example.com', role: 'finance' }), 'users:manage');
    // HEAD is a GET: refused too (HEAD is not in the OpenAPI document, so it goes around `call`).
    const head = await harness.api.request('/v1/wallet', { method: 'HEAD', headers: { authorization: `Bearer ${developerKey}` } });
    expect(head.status).toBe(403);
  });

  it('owner key: everything', async () => {
    const { partner } = await partnerWithUsers();
    expect((await call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    expect((await call(partner.liveKey, 'GET', '/v1/transactions?format=csv')).status).toBe(200);
    expect((await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', WEBHOOK)).status).toBe(200);
    expect((await call(partner.liveKey, 'GET', '/v1/users')).status).toBe(200);
    expect((await call(partner.liveKey, 'GET', '/v1/keys')).status).toBe(200);
  });

  it('an unknown route is 404 for a scoped key, not 403; admin routes stay 403 forbidden for partner keys', async () => {
    const { financeKey, developerKey } = await partnerWithUsers();
    await expectProblem(await call(financeKey, 'GET', '/v1/no-such-thing'), 404, 'not_found');
    // A method the path does not have (not in the OpenAPI document, so it goes around `call`).
    await expectProblem(await harness.api.request('/v1/wallet', { method: 'DELETE', headers: { authorization: `Bearer ${developerKey}` } }), 404, 'not_found');
    await expectProblem(await call(financeKey, 'GET', '/v1/admin/accounts'), 403, 'forbidden');
  });

  it('every documented partner route has a permission (admin routes: an admin key), and each scope only names known permissions', async () => {
    const document = (await (await harness.api.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const declared = declaredAccess(harness.api);
    const wrong: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method.toUpperCase()} ${path}`;
        // Public routes (no key, e.g. signup) have no scope to check.
        const expected = !operation.security || operation.security.length === 0 ? 'public' : path.startsWith('/v1/admin/') ? 'admin' : 'a permission';
        const access = declared.get(route);
        const actual = access === undefined ? 'nothing' : access === 'public' || access === 'admin' ? access : 'a permission';
        if (actual !== expected) wrong.push(`${route} declares ${actual}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    expect([...SCOPE_PERMISSIONS.developer].filter((permission) => !SCOPE_PERMISSIONS.owner.has(permission))).toEqual([]);
    expect([...SCOPE_PERMISSIONS.finance].filter((permission) => !SCOPE_PERMISSIONS.owner.has(permission))).toEqual([]);
    // A manager may do what an owner key may (decision 0016).
    expect([...SCOPE_PERMISSIONS.manager]).toEqual([...SCOPE_PERMISSIONS.owner]);
  });

  it('keys made before partner users are owner keys (the column default)', async () => {
    const partner = await harness.makePartner();
    await sql`insert into api_keys (account_id, mode, prefix, key_hash) values (${partner.account.id}, 'live', 'sk_live_old', 'legacy-hash')`.execute(ctx.db);
    const legacy = await ctx.db.selectFrom('api_keys').select(['scope', 'partner_user_id']).where('key_hash', '=', 'legacy-hash').executeTakeFirstOrThrow();
    expect(legacy).toEqual({ scope: 'owner', partner_user_id: null });
    // A scope without a user (or the reverse) cannot be stored.
    await expect(sql`update api_keys set scope = 'finance' where key_hash = 'legacy-hash'`.execute(ctx.db)).rejects.toThrow(/api_keys_scope_user/);
  });
});

describe('user management by the owner key', () => {
  it("adds, lists, issues keys in the calling key's mode, removes; every change audited", async () => {
    const partner = await harness.makePartner();
    const developer = await addUser(partner, 'developer');
    expect(developer).toMatchObject({ accountId: partner.account.id, role: 'developer', removedAt: null });
    // A test (sandbox) owner key manages the same people; their key is a sandbox key.
    const finance = await addUser(partner, 'finance', partner.testKey);
    expect(finance.accountId).toBe(partner.account.id);
    const list = (await (await call(partner.liveKey, 'GET', '/v1/users')).json()) as { data: User[] };
    expect(list.data.map((user) => user.id).sort()).toEqual([developer.id, finance.id].sort());

    const live = await userKey(partner, developer);
    expect(live).toMatchObject({
      mode: 'live',
      accountId: partner.account.id,
      scope: 'developer',
      userId: developer.id,
      key: expect.stringMatching(/^sk_live_/),
    });
    const test = await userKey(partner, finance, partner.testKey);
    expect(test).toMatchObject({ mode: 'test', accountId: partner.sandboxId, scope: 'finance', userId: finance.id, key: expect.stringMatching(/^sk_test_/) });
    const sandboxWallet = await (await call(test.key, 'GET', '/v1/wallet')).json();
    expect(sandboxWallet).toMatchObject({ accountId: partner.sandboxId, mode: 'test' });

    // The owner sees every key with its scope; a user key only its own.
    const ownerKeys = (await (await call(partner.liveKey, 'GET', '/v1/keys')).json()) as { data: IssuedKey[] };
    expect(ownerKeys.data.map((key) => key.scope).sort()).toEqual(['developer', 'owner']);
    const developerKeys = (await (await call(live.key, 'GET', '/v1/keys')).json()) as { data: IssuedKey[] };
    expect(developerKeys.data.map((key) => key.id)).toEqual([live.id]);

    const removed = await call(partner.liveKey, 'DELETE', `/v1/users/${developer.id}`);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as User).removedAt).not.toBeNull();

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'subject_id', 'actor_account_id', 'channel'])
      .where('subject_id', 'in', [developer.id, finance.id, live.id, test.id])
      .orderBy('id')
      .execute();
    expect(audit.map((row) => [row.action, row.subject_id])).toEqual([
      ['partner_user.added', developer.id],
      ['partner_user.added', finance.id],
      ['api_key.created', live.id],
      ['api_key.created', test.id],
      ['partner_user.removed', developer.id],
    ]);
    expect(audit.every((row) => row.actor_account_id === partner.account.id && row.channel === 'api')).toBe(true);
  });

  it("a removed user's keys are 401 at once (live and test); the user can be added again", async () => {
    const partner = await harness.makePartner();
    const developer = await addUser(partner, 'developer');
    const live = await userKey(partner, developer);
    const test = await userKey(partner, developer, partner.testKey);
    expect((await call(live.key, 'GET', '/v1/catalog')).status).toBe(200);
    expect((await call(partner.liveKey, 'DELETE', `/v1/users/${developer.id}`)).status).toBe(200);
    await expectProblem(await call(live.key, 'GET', '/v1/catalog'), 401, 'unauthorized');
    await expectProblem(await call(test.key, 'GET', '/v1/catalog'), 401, 'unauthorized');
    const removal = await ctx.db
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'partner_user.removed')
      .where('subject_id', '=', developer.id)
      .executeTakeFirstOrThrow();
    expect((removal.after as { revokedKeyIds: string[] }).revokedKeyIds.sort()).toEqual([live.id, test.id].sort());
    // Removing twice changes nothing; a removed user gets no new key.
    expect((await call(partner.liveKey, 'DELETE', `/v1/users/${developer.id}`)).status).toBe(200);
    await expectProblem(await call(partner.liveKey, 'POST', `/v1/users/${developer.id}/keys`), 409, 'partner_user_removed');
    const again = await call(partner.liveKey, 'POST', '/v1/users', { name: developer.name, email: developer.email, role: 'finance' });
    expect(again.status).toBe(201);
  });

  it('refuses a duplicate email (any case) and bad input', async () => {
    const partner = await harness.makePartner();
    const user = await addUser(partner, 'finance');
    await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/users', { name: 'Twin', email: user.email.toUpperCase(), role: 'developer' }),
      409,
      'partner_user_exists',
    );
    const invalid = await expectProblem(
      await call(partner.liveKey, 'POST', '/v1/users', { name: '', email: 'not-an-email', role: 'owner' }),
      400,
      'validation_failed',
    );
    expect((invalid.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['json.email', 'json.name', 'json.role']);
    await expectProblem(await call(partner.liveKey, 'DELETE', '/v1/users/not-a-uuid'), 400, 'validation_failed');
  });

  it('a user key rotates only itself and keeps its scope and user', async () => {
    const { partner, finance, financeKey } = await partnerWithUsers();
    const rotated = await call(financeKey, 'POST', '/v1/keys/rotate');
    expect(rotated.status).toBe(201);
    const fresh = (await rotated.json()) as IssuedKey;
    expect(fresh).toMatchObject({ scope: 'finance', userId: finance.id, mode: 'live', accountId: partner.account.id });
    await expectScopeRefusal(await call(fresh.key, 'PUT', '/v1/webhook-endpoint', WEBHOOK), 'webhooks:write');
    expect((await call(fresh.key, 'GET', '/v1/wallet')).status).toBe(200);
    // The owner key was not touched: it has no expiry.
    const keys = await ctx.db
      .selectFrom('api_keys')
      .select(['scope', 'expires_at'])
      .where('account_id', '=', partner.account.id)
      .where('scope', '=', 'owner')
      .execute();
    expect(keys.map((key) => key.expires_at)).toEqual([null]);
  });

  it("a user key revokes only its user's keys; the owner key any key of its account; audited, at once", async () => {
    const { partner, developer, developerKey, financeKey } = await partnerWithUsers();
    const second = await userKey(partner, developer);
    const listed = (await (await call(financeKey, 'GET', '/v1/keys')).json()) as { data: IssuedKey[] };
    const financeKeyId = listed.data[0]!.id;
    // Another user's key, or another partner's, is not found for a user key.
    await expectProblem(await call(developerKey, 'POST', `/v1/keys/${financeKeyId}/revoke`), 404, 'api_key_not_found');
    const other = await harness.makePartner();
    const otherKeys = await ctx.db.selectFrom('api_keys').select('id').where('account_id', '=', other.account.id).execute();
    await expectProblem(await call(partner.liveKey, 'POST', `/v1/keys/${otherKeys[0]!.id}/revoke`), 404, 'api_key_not_found');

    const revoked = await call(developerKey, 'POST', `/v1/keys/${second.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    await expectProblem(await call(second.key, 'GET', '/v1/catalog'), 401, 'unauthorized');
    expect((await call(developerKey, 'POST', `/v1/keys/${second.id}/revoke`)).status).toBe(200); // twice: nothing changes

    expect((await call(partner.liveKey, 'POST', `/v1/keys/${financeKeyId}/revoke`)).status).toBe(200);
    await expectProblem(await call(financeKey, 'GET', '/v1/wallet'), 401, 'unauthorized');
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['subject_id', 'actor_account_id', 'channel'])
      .where('action', '=', 'api_key.revoked')
      .where('subject_id', 'in', [second.id, financeKeyId])
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit.every((row) => row.actor_account_id === partner.account.id && row.channel === 'api')).toBe(true);
  });
});

describe('cross-tenant isolation', () => {
  it("partner A's owner cannot see, remove or issue keys for partner B's users (404)", async () => {
    const a = await harness.makePartner();
    const b = await harness.makePartner();
    const bUser = await addUser(b, 'developer');
    const aList = (await (await call(a.liveKey, 'GET', '/v1/users')).json()) as { data: User[] };
    expect(aList.data).toEqual([]);
    await expectProblem(await call(a.liveKey, 'DELETE', `/v1/users/${bUser.id}`), 404, 'partner_user_not_found');
    await expectProblem(await call(a.liveKey, 'POST', `/v1/users/${bUser.id}/keys`), 404, 'partner_user_not_found');
    const still = await ctx.db.selectFrom('partner_users').select('removed_at').where('id', '=', bUser.id).executeTakeFirstOrThrow();
    expect(still.removed_at).toBeNull();
    expect(await ctx.db.selectFrom('api_keys').select('id').where('partner_user_id', '=', bUser.id).execute()).toEqual([]);
  });
});

describe('user management by an admin', () => {
  it("lists, adds, issues keys and removes a partner's users; partner keys cannot use these routes", async () => {
    const partner = await harness.makePartner();
    const base = `/v1/admin/accounts/${partner.account.id}/users`;
    const added = await call(harness.adminKey, 'POST', base, { name: 'Fin', email: 'fin@example.com', role: 'finance' });
    expect(added.status).toBe(201);
    const user = (await added.json()) as User;
    const list = (await (await call(harness.adminKey, 'GET', base)).json()) as { data: User[] };
    expect(list.data.map((entry) => entry.id)).toEqual([user.id]);

    const test = await call(harness.adminKey, 'POST', `${base}/${user.id}/keys`, { mode: 'test' });
    expect(test.status).toBe(201);
    const testKey = (await test.json()) as IssuedKey;
    expect(testKey).toMatchObject({ mode: 'test', accountId: partner.sandboxId, scope: 'finance', userId: user.id });
    expect((await call(testKey.key, 'GET', '/v1/wallet')).status).toBe(200);
    await expectScopeRefusal(await call(testKey.key, 'PUT', '/v1/webhook-endpoint', WEBHOOK), 'webhooks:write');

    // The partner's own keys (any scope) are refused on admin routes.
    await expectProblem(await call(partner.liveKey, 'GET', base), 403, 'forbidden');
    await expectProblem(await call(testKey.key, 'GET', base), 403, 'forbidden');

    expect((await call(harness.adminKey, 'DELETE', `${base}/${user.id}`)).status).toBe(200);
    await expectProblem(await call(testKey.key, 'GET', '/v1/wallet'), 401, 'unauthorized');
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_account_id'])
      .where('subject_id', 'in', [user.id, testKey.id])
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'partner_user.added', actor_account_id: harness.admin.id },
      { action: 'api_key.created', actor_account_id: harness.admin.id },
      { action: 'partner_user.removed', actor_account_id: harness.admin.id },
    ]);
  });

  it("refuses users on accounts that are not partners, and another partner's user id under an account", async () => {
    const a = await harness.makePartner();
    const b = await harness.makePartner();
    const bUser = await addUser(b, 'developer');
    await expectProblem(
      await call(harness.adminKey, 'POST', `/v1/admin/accounts/${a.sandboxId}/users`, { name: 'S', email: 's@example.com', role: 'finance' }),
      422,
      'partner_users_not_allowed',
    );
    await expectProblem(
      await call(harness.adminKey, 'POST', `/v1/admin/accounts/${harness.admin.id}/users`, { name: 'S', email: 's@example.com', role: 'finance' }),
      422,
      'partner_users_not_allowed',
    );
    await expectProblem(await call(harness.adminKey, 'DELETE', `/v1/admin/accounts/${a.account.id}/users/${bUser.id}`), 404, 'partner_user_not_found');
  });
});
