import { describe, expect, it, onTestFinished } from 'vitest';
import { createApi } from '../../api/index.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { createAccount, setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { apiKeySecret, authenticateApiKey, hashApiKey, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { createRedisState } from '../../src/shared-state/index.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { testRedisPrefix } from '../support/db.ts';

const harness = await createApiHarness();
const { ctx, call } = harness;

describe('API keys and authentication', () => {
  it('stores only an HMAC of the key, with the visible prefix', async () => {
    const partner = await harness.makePartner();
    expect(partner.liveKey).toMatch(/^sk_live_[A-Za-z0-9_-]{32}$/);
    expect(partner.testKey).toMatch(/^sk_test_[A-Za-z0-9_-]{32}$/);
    const rows = await ctx.db.selectFrom('api_keys').selectAll().where('account_id', 'in', [partner.account.id, partner.sandboxId]).execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(partner.liveKey.slice(12));
      expect(JSON.stringify(row)).not.toContain(partner.testKey.slice(12));
    }
    const live = rows.find((row) => row.mode === 'live');
    expect(live?.prefix).toBe(partner.liveKey.slice(0, 12));
    expect(live?.key_hash).toBe(hashApiKey(apiKeySecret(ctx.config), partner.liveKey));
  });

  it('accepts Bearer and x-api-key, and records the last use', async () => {
    const partner = await harness.makePartner();
    expect((await call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    const viaHeader = await harness.api.request('/v1/wallet', { headers: { 'x-api-key': partner.liveKey } });
    expect(viaHeader.status).toBe(200);
    const row = await ctx.db.selectFrom('api_keys').select('last_used_at').where('account_id', '=', partner.account.id).executeTakeFirstOrThrow();
    expect(row.last_used_at).toBeInstanceOf(Date);
  });

  it('answers 401 problem+json for a missing, malformed or unknown key', async () => {
    const missing = await expectProblem(await call(null, 'GET', '/v1/wallet'), 401, 'unauthorized');
    expect(missing.detail).toContain('Authorization');
    await expectProblem(await call('nonsense', 'GET', '/v1/wallet'), 401, 'unauthorized');
    await expectProblem(await call(`sk_live_${'A'.repeat(32)}`, 'GET', '/v1/wallet'), 401, 'unauthorized');
    await expectProblem(await harness.api.request('/v1/wallet', { headers: { authorization: 'Basic abc' } }), 401, 'unauthorized');
    expect((await call(null, 'GET', '/v1/wallet')).headers.get('www-authenticate')).toBe('Bearer');
  });

  it('an unknown /v1 route is 404 problem+json for a known key', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/nothing-here'), 404, 'not_found');
  });

  it('an admin revokes a key: it stops at once, the other keys keep working', async () => {
    const partner = await harness.makePartner();
    const keys = await call(harness.adminKey, 'GET', `/v1/admin/accounts/${partner.account.id}/api-keys`);
    const { data } = (await keys.json()) as { data: { id: string; mode: string; prefix: string }[] };
    const live = data.find((key) => key.mode === 'live');
    expect(live?.prefix).toBe(partner.liveKey.slice(0, 12));
    const revoked = await call(harness.adminKey, 'POST', `/v1/admin/api-keys/${live?.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/wallet'), 401, 'unauthorized');
    expect((await call(partner.testKey, 'GET', '/v1/wallet')).status).toBe(200);
    const audit = await ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'api_key.revoked')
      .where('subject_id', '=', live?.id ?? '')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('rotation: a new key now, the old one valid for the grace period, then refused', async () => {
    const partner = await harness.makePartner();
    const rotated = await call(partner.liveKey, 'POST', '/v1/keys/rotate');
    expect(rotated.status).toBe(201);
    const issued = (await rotated.json()) as { key: string; mode: string; accountId: string };
    expect(issued.key).toMatch(/^sk_live_/);
    expect(issued.accountId).toBe(partner.account.id);
    expect((await call(issued.key, 'GET', '/v1/wallet')).status).toBe(200);
    expect((await call(partner.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
    // Rotating the old key again is refused: the new key is the one to rotate.
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/keys/rotate'), 409, 'api_key_already_rotated');
    const secret = apiKeySecret(ctx.config);
    const graceEnd = Date.now() + ctx.config.API_KEY_ROTATION_GRACE_SECONDS * 1000;
    await expect(authenticateApiKey(ctx.db, secret, partner.liveKey, { now: new Date(graceEnd - 60_000) })).resolves.toMatchObject({
      accountId: partner.account.id,
    });
    await expect(authenticateApiKey(ctx.db, secret, partner.liveKey, { now: new Date(graceEnd + 60_000) })).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(authenticateApiKey(ctx.db, secret, issued.key, { now: new Date(graceEnd + 60_000) })).resolves.toMatchObject({ mode: 'live' });
    const listed = (await (await call(issued.key, 'GET', '/v1/keys')).json()) as { data: { prefix: string; expiresAt: string | null; mode: string }[] };
    expect(listed.data.map((key) => [key.prefix, key.expiresAt === null])).toEqual([
      [issued.key.slice(0, 12), true],
      [partner.liveKey.slice(0, 12), false],
    ]);
    expect(JSON.stringify(listed)).not.toContain(issued.key);
  });

  it('a paused partner gets 403 on live and test keys; resumed, it works again', async () => {
    const partner = await harness.makePartner();
    await setAccountStatus(ctx.db, platformActor('cli'), partner.account.id, 'paused');
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/wallet'), 403, 'account_paused');
    await expectProblem(await call(partner.testKey, 'GET', '/v1/wallet'), 403, 'account_paused');
    await setAccountStatus(ctx.db, platformActor('cli'), partner.account.id, 'active');
    expect((await call(partner.testKey, 'GET', '/v1/wallet')).status).toBe(200);
  });

  it('partner keys cannot use admin endpoints, admin keys cannot use partner endpoints', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/admin/accounts'), 403, 'forbidden');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/wallet'), 403, 'forbidden');
  });

  it('a key with an IP allowlist works only from those addresses (and keeps it when rotated)', async () => {
    const partner = await harness.makePartner();
    const issued = await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/api-keys`, {
      mode: 'live',
      ipAllowlist: ['203.0.113.0/24', '2001:db8::1'],
    });
    expect(issued.status).toBe(201);
    const { key, ipAllowlist } = (await issued.json()) as { key: string; ipAllowlist: string[] };
    expect(ipAllowlist).toEqual(['203.0.113.0/24', '2001:db8::1/128']);
    const from = (address: string | undefined, path = '/v1/wallet', method = 'GET') =>
      harness.api.request(path, { method, headers: { authorization: `Bearer ${key}` } }, address ? { incoming: { socket: { remoteAddress: address } } } : {});
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('::ffff:203.0.113.9')).status).toBe(200);
    expect((await from('2001:db8::1')).status).toBe(200);
    await expectProblem(await from('198.51.100.1'), 403, 'ip_not_allowed');
    await expectProblem(await from(undefined), 403, 'ip_not_allowed');
    const rotated = (await (await from('203.0.113.7', '/v1/keys/rotate', 'POST')).json()) as { ipAllowlist: string[] };
    expect(rotated.ipAllowlist).toEqual(['203.0.113.0/24', '2001:db8::1/128']);
    await expectProblem(
      await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/api-keys`, { mode: 'live', ipAllowlist: ['10.0.0.0/33'] }),
      422,
      'invalid_ip_allowlist',
    );
  });

  it('concurrent first test keys of a partner share one sandbox account', async () => {
    const partner = await createAccount(ctx.db, platformActor('cli'), { role: 'partner', name: 'Racer', currency: 'USD' });
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => issueApiKey(ctx.db, apiKeySecret(ctx.config), platformActor('cli'), { accountId: partner.id, mode: 'test' })),
    );
    expect(new Set(keys.map((key) => key.accountId)).size).toBe(1);
    const links = await ctx.db.selectFrom('api_sandbox_accounts').selectAll().where('partner_id', '=', partner.id).execute();
    expect(links).toEqual([expect.objectContaining({ sandbox_account_id: keys[0]?.accountId })]);
  });

  it('test keys cannot be issued for a sandbox, nor for agents', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.sandboxId}/api-keys`, { mode: 'live' }), 422, 'api_key_not_allowed');
    const agent = await call(harness.adminKey, 'POST', '/v1/admin/accounts', { role: 'agent', name: 'Agent A' });
    const { account } = (await agent.json()) as { account: { id: string } };
    await expectProblem(await call(harness.adminKey, 'POST', `/v1/admin/accounts/${account.id}/api-keys`, { mode: 'live' }), 422, 'api_key_not_allowed');
  });
});

describe.runIf(process.env.REDIS_URL)('rate limits shared by API processes through Redis', async () => {
  const shared = await createApiHarness({ redis: true, env: { API_RATE_LIMIT_PER_MINUTE: '2' } });

  it('two API instances with their own Redis connections count one budget per key', async () => {
    const otherState = createRedisState(process.env.REDIS_URL as string, testRedisPrefix('ctx'));
    onTestFinished(() => otherState.close());
    const otherProcess = createApi({ ctx: { ...shared.ctx, state: otherState }, boss: shared.boss });
    const partner = await shared.makePartner();
    const headers = { authorization: `Bearer ${partner.liveKey}` };
    expect((await shared.api.request('/v1/wallet', { headers })).status).toBe(200);
    expect((await otherProcess.request('/v1/wallet', { headers })).status).toBe(200);
    await expectProblem(await shared.api.request('/v1/wallet', { headers }), 429, 'rate_limited');
    await expectProblem(await otherProcess.request('/v1/wallet', { headers }), 429, 'rate_limited');
  });
});

describe('rate limits per key', async () => {
  const limited = await createApiHarness({ redis: true, env: { API_RATE_LIMIT_PER_MINUTE: '3', API_WRITE_RATE_LIMIT_PER_MINUTE: '1' } });

  it('counts per key with RateLimit headers and answers 429 with Retry-After', async () => {
    const first = await limited.makePartner();
    const second = await limited.makePartner();
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await limited.call(first.liveKey, 'GET', '/v1/wallet'));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]?.headers.get('RateLimit-Limit')).toBe('3');
    expect(answers[0]?.headers.get('RateLimit-Remaining')).toBe('2');
    expect(Number(answers[3]?.headers.get('Retry-After'))).toBeGreaterThan(0);
    await expectProblem(answers[3] as Response, 429, 'rate_limited');
    // Another key of the same partner has its own budget.
    expect((await limited.call(first.testKey, 'GET', '/v1/wallet')).status).toBe(200);
    expect((await limited.call(second.liveKey, 'GET', '/v1/wallet')).status).toBe(200);
  });

  it('writes have their own budget', async () => {
    const partner = await limited.makePartner();
    const put = () => limited.call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'https://partner.example/hooks' });
    const first = await put();
    expect(first.status).toBe(200);
    expect(first.headers.get('RateLimit-Limit')).toBe('1');
    await expectProblem(await put(), 429, 'rate_limited');
    // Reads still have theirs.
    expect((await limited.call(partner.liveKey, 'GET', '/v1/webhook-endpoint')).status).toBe(200);
  });
});

describe('client addresses: failed authentication limits and TRUST_PROXY', async () => {
  const edge = await createApiHarness({ env: { API_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '10.0.0.0/8, 2001:db8:ffff::/48' } });
  const request = (key: string, peer: string, forwardedFor?: string) =>
    edge.api.request(
      '/v1/wallet',
      { headers: { authorization: `Bearer ${key}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) } },
      { incoming: { socket: { remoteAddress: peer } } },
    );

  it('a burst of bad keys from one address ends in 429 with Retry-After; other addresses keep their budget', async () => {
    const bad = 'sk_live_notakeynotakeynotakeynotakeyxx';
    for (let index = 0; index < 3; index += 1) await expectProblem(await request(bad, '198.51.100.20'), 401, 'unauthorized');
    const limited = await request(bad, '198.51.100.20');
    await expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectProblem(await request(bad, '198.51.100.21'), 401, 'unauthorized');
    // A good key is not a failure and spends nothing.
    const partner = await edge.makePartner();
    for (let index = 0; index < 4; index += 1) expect((await request(partner.liveKey, '198.51.100.22')).status).toBe(200);
  });

  it('behind a trusted proxy the limit counts the forwarded client, not the proxy', async () => {
    const bad = 'sk_live_stillnotakeystillnotakeystillno';
    for (let index = 0; index < 3; index += 1) await expectProblem(await request(bad, '10.0.0.5', '203.0.113.50'), 401, 'unauthorized');
    await expectProblem(await request(bad, '10.0.0.5', '203.0.113.50'), 429, 'rate_limited');
    // Another client through the same proxy has its own budget.
    await expectProblem(await request(bad, '10.0.0.5', '203.0.113.51'), 401, 'unauthorized');
  });

  it('X-Forwarded-For gives the client address only when the peer is a trusted proxy', async () => {
    const partner = await edge.makePartner();
    const issued = await edge.call(edge.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/api-keys`, {
      mode: 'live',
      ipAllowlist: ['203.0.113.0/24'],
    });
    const { key } = (await issued.json()) as { key: string };
    // Through trusted proxies (one hop, two hops, IPv4-mapped and IPv6 peers): the client is allowed.
    expect((await request(key, '10.0.0.5', '203.0.113.7')).status).toBe(200);
    expect((await request(key, '::ffff:10.0.0.5', '203.0.113.7, 10.9.9.9')).status).toBe(200);
    expect((await request(key, '2001:db8:ffff::1', '203.0.113.7')).status).toBe(200);
    // What the client itself put further left is not believed.
    await expectProblem(await request(key, '10.0.0.5', '203.0.113.7, 198.51.100.1'), 403, 'ip_not_allowed');
    // From a peer that is no trusted proxy, the header is ignored.
    await expectProblem(await request(key, '198.51.100.1', '203.0.113.7'), 403, 'ip_not_allowed');
  });

  it("without TRUST_PROXY (the default) nobody's X-Forwarded-For is believed", async () => {
    expect(harness.ctx.config.TRUST_PROXY).toEqual([]);
    const partner = await harness.makePartner();
    const issued = await call(harness.adminKey, 'POST', `/v1/admin/accounts/${partner.account.id}/api-keys`, { mode: 'live', ipAllowlist: ['203.0.113.0/24'] });
    const { key } = (await issued.json()) as { key: string };
    const response = await harness.api.request(
      '/v1/wallet',
      { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '203.0.113.7' } },
      { incoming: { socket: { remoteAddress: '10.0.0.5' } } },
    );
    await expectProblem(response, 403, 'ip_not_allowed');
  });
});
