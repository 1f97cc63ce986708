// Partner onboarding from the CLI: account create prints the first key; api-key create|list|revoke.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createTestContext } from '../support/context.ts';
import { expectLedgerConsistent } from '../support/money.ts';
import { cliRunner } from '../support/cli.ts';

const { ctx, boss, database } = await createTestContext();
const api = createApi({ ctx, boss });

const steller = cliRunner(database.url);

/** The `partner.live_access_granted` events recorded (outbox jobs) for an account. */
const liveAccessEvents = async (accountId: string) =>
  (
    await sql<{ data: unknown }>`select data from pgboss.job where name = 'domain.event'
      and data->>'type' = 'partner.live_access_granted' and data->>'accountId' = ${accountId}`.execute(ctx.db)
  ).rows.map((row) => row.data);

const wallet = (key: string) =>
  api.request('/v1/wallet', { headers: { authorization: `Bearer ${key}` } }, { incoming: { socket: { remoteAddress: '10.1.2.3' } } });

describe('steller CLI (API keys)', () => {
  it('a partner from the CLI gets a sandbox key that works on a funded sandbox, as a self-signup does; credits say which wallet', async () => {
    const partner = await steller('account', 'create', '--role', 'partner', '--name', 'Acme');
    expect(partner.apiKey).toMatch(/^sk_test_/);
    expect(partner.apiKeyAccountId).not.toBe(partner.id);
    expect(partner.sandboxFunds).toEqual({ amount: '1000.00', currency: 'USD' });
    expect(await (await wallet(partner.apiKey)).json()).toMatchObject({ mode: 'test', balance: { amount: '1000.00', currency: 'USD' } });
    const credited = await steller('wallet', 'credit', '--account', partner.apiKeyAccountId, '--amount', '100.00', '--reason', 'sandbox funds');
    expect(credited).toMatchObject({ accountId: partner.apiKeyAccountId, wallet: 'sandbox', balance: { amount: '1100.00', currency: 'USD' } });
    expect(await (await wallet(partner.apiKey)).json()).toMatchObject({ mode: 'test', balance: { amount: '1100.00', currency: 'USD' } });

    const live = await steller('account', 'create', '--role', 'partner', '--name', 'Bolt', '--live');
    expect(live.apiKey).toMatch(/^sk_live_/);
    expect(live.apiKeyAccountId).toBe(live.id);
    expect(live.sandboxFunds).toBeUndefined();
    // As over the API: the partner's first live key is news (the email), recorded with the account.
    expect(await liveAccessEvents(live.id)).toEqual([
      { type: 'partner.live_access_granted', accountId: live.id, keyPrefix: live.apiKey.slice(0, 12), issuedBy: 'admin' },
    ]);
    expect(await liveAccessEvents(partner.id)).toEqual([]);
    expect(await steller('wallet', 'credit', '--account', live.id, '--amount', '5.00', '--reason', 'live funds')).toMatchObject({ wallet: 'live' });
    const agent = await steller('account', 'create', '--role', 'agent', '--name', 'No keys');
    expect(agent.apiKey).toBeUndefined();
    await expectLedgerConsistent(ctx.db);
  });

  it('issues, lists and revokes keys', async () => {
    const partner = await steller('account', 'create', '--role', 'partner', '--name', 'Corp');
    const issued = await steller('api-key', 'create', '--account', partner.id, '--ip-allow', '10.0.0.0/8, 192.0.2.1');
    expect(issued.ipAllowlist).toEqual(['10.0.0.0/8', '192.0.2.1/32']);
    expect(issued.key).toMatch(/^sk_live_/);
    expect((await wallet(issued.key)).status).toBe(200);
    expect(await liveAccessEvents(partner.id)).toEqual([
      { type: 'partner.live_access_granted', accountId: partner.id, keyPrefix: issued.prefix, issuedBy: 'admin' },
    ]);
    // A second live key is not news.
    await steller('api-key', 'create', '--account', partner.id);
    expect(await liveAccessEvents(partner.id)).toHaveLength(1);
    const listed = await steller('api-key', 'list', '--account', partner.id);
    expect(listed.map((key: { mode: string }) => key.mode).sort()).toEqual(['live', 'live', 'test']);
    expect(JSON.stringify(listed)).not.toContain(issued.key);
    await steller('api-key', 'revoke', issued.id);
    expect((await wallet(issued.key)).status).toBe(401);
  });
});
