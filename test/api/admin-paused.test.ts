// The admin key of a demoted admin (role admin, paused) opens no admin endpoint: 403 account_paused,
// nothing read, nothing written (issue 14, part 2). The key middleware refuses paused accounts, and
// each admin service refuses them again (test/integration/admin-authority.test.ts).
import { describe, expect, it } from 'vitest';
import { addAdmin } from '../../src/domain/accounts/accounts.ts';
import { demoteAdmin, promoteAdmin } from '../../src/domain/accounts/admins.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { balance, expectLedgerConsistent, fund } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, call, adminActor } = harness;
const { account: demoted } = await addAdmin(ctx.db, platformActor('cli'), { telegramUserId: '920000001', currency: 'USD' });
const demotedKey = (await issueApiKey(ctx.db, apiKeySecret(ctx.config), platformActor('cli'), { accountId: demoted.id, mode: 'live' })).key;
await demoteAdmin(ctx.db, adminActor, demoted.id);
const partner = await harness.makePartner('Untouched Partner');
await fund(ctx.db, partner.account, '30.00');

describe('a demoted admin on the REST API', () => {
  it('is refused on every admin endpoint, reads and writes alike', async () => {
    const requests: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', '/v1/admin/accounts'],
      ['GET', '/v1/admin/audit-log'],
      ['GET', '/v1/admin/metrics'],
      ['GET', `/v1/admin/accounts/${partner.account.id}/api-keys`],
      ['POST', `/v1/admin/accounts/${partner.account.id}/credit`, { amount: '5.00', currency: 'USD', reason: 'refused' }, { 'idempotency-key': 'paused-1' }],
      ['POST', `/v1/admin/accounts/${partner.account.id}/pause`],
      ['GET', '/v1/admin/price-plans'],
      ['GET', '/v1/admin/card-list'],
      ['GET', '/v1/admin/signups'],
      ['GET', '/v1/admin/ops/queues'],
      ['GET', '/v1/admin/ops/failed'],
      ['POST', '/v1/admin/ops/retry', { queue: 'order.place', all: true }],
      ['GET', '/v1/admin/ops/vendor'],
    ];
    for (const [method, path, body, headers] of requests) {
      const answer = await expectProblem(await call(demotedKey, method, path, body, headers), 403, 'account_paused');
      expect(JSON.stringify(answer), path).not.toContain('Untouched Partner');
    }
  });

  it('changed nothing', async () => {
    expect(await ctx.db.selectFrom('audit_log').select('action').where('actor_account_id', '=', demoted.id).execute()).toEqual([]);
    expect(await balance(ctx.db, partner.account)).toBe('30.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('the same key works again once its admin is promoted again', async () => {
    await promoteAdmin(ctx.db, adminActor, { telegramUserId: '920000001', currency: 'USD' });
    expect((await call(demotedKey, 'GET', '/v1/admin/ops/queues')).status).toBe(200);
  });
});
