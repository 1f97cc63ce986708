// Partner self-service signup (POST /v1/signup), the admin's decision over the API, and the live-key
// gate: real PostgreSQL, every answer checked against the served OpenAPI document.
import { describe, expect, it } from 'vitest';
import { platformActor } from '../../src/domain/actor.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { creditWallet } from '../../src/domain/funding/manual.ts';
import { walletBalance } from '../../src/domain/ledger/ledger.ts';
import { signUpPartner } from '../../src/domain/signups/signups.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { createApiHarness, expectProblem } from '../support/api.ts';
import { queuedMessages } from '../support/bot.ts';
import { expectDomainError, expectLedgerConsistent } from '../support/money.ts';
import { nextAddress, signupClient, signupInput, type SignupBody } from '../support/signup.ts';
import { domainEventSinks } from '../../src/main.ts';

const harness = await createApiHarness({
  env: { SIGNUP_RATE_LIMIT_PER_HOUR: '3', SIGNUP_ATTEMPTS_PER_HOUR: '8', SIGNUP_SANDBOX_FUNDS: '250.00' },
  ports: { eventSinks: domainEventSinks },
});
const { ctx, call, adminKey, boss } = harness;
const { db } = ctx;
const signup = await signupClient(harness);

async function signedUp(overrides: Record<string, unknown> = {}): Promise<SignupBody> {
  const response = await signup(signupInput(overrides));
  expect(response.status).toBe(201);
  return (await response.json()) as SignupBody;
}

const auditActions = async (accountId: string) =>
  (await db.selectFrom('audit_log').select('action').where('subject_id', '=', accountId).orderBy('id').execute()).map((row) => row.action);

describe('POST /v1/signup', () => {
  it('creates a pending partner with a funded sandbox and a test key shown once; admins are alerted', async () => {
    const input = signupInput({ email: '  New.Partner@Example.COM ', companyName: '  Acme Gifts  ' });
    const response = await signup(input);
    expect(response.status).toBe(201);
    const body = (await response.json()) as SignupBody;
    expect(body).toMatchObject({ status: 'pending', stage: 'signed_up', sandboxBalance: { amount: '250.00', currency: 'USD' } });
    expect(body.apiKey.key).toMatch(/^sk_test_/);
    expect(body.apiKey.accountId).toBe(body.sandboxAccountId);

    // The key works at once, on the sandbox wallet with the sandbox funds.
    const wallet = await call(body.apiKey.key, 'GET', '/v1/wallet');
    expect(await wallet.json()).toEqual({
      accountId: body.sandboxAccountId,
      mode: 'test',
      lowBalanceThreshold: null,
      balance: { amount: '250.00', currency: 'USD' },
    });
    const onboarding = (await (await call(body.apiKey.key, 'GET', '/v1/onboarding')).json()) as {
      stage: string;
      status: string;
      stages: { stage: string; reachedAt: string | null }[];
    };
    expect(onboarding).toMatchObject({ accountId: body.accountId, status: 'pending', stage: 'signed_up' });
    expect(onboarding.stages.map((entry) => [entry.stage, entry.reachedAt !== null])).toEqual([
      ['signed_up', true],
      ['first_test_order', false],
      ['approved', false],
      ['first_live_order', false],
      ['active', false],
    ]);

    const stored = await db.selectFrom('partner_signups').selectAll().where('account_id', '=', body.accountId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ email: 'new.partner@example.com', company_name: 'Acme Gifts', status: 'pending', stage: 'signed_up' });
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', body.accountId).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ role: 'partner', name: 'Acme Gifts', status: 'active' });
    // The live wallet holds nothing: real funds wait for the approval.
    expect((await walletBalance(db, body.accountId)).amount).toBe(0n);
    // The key is stored as a hash only.
    expect(JSON.stringify(await db.selectFrom('api_keys').selectAll().where('account_id', '=', body.sandboxAccountId).execute())).not.toContain(
      body.apiKey.key,
    );

    expect(await auditActions(body.accountId)).toEqual(['account.created', 'partner.signed_up']);
    const signedUp = await db
      .selectFrom('audit_log')
      .select(['actor_account_id', 'channel', 'after'])
      .where('subject_id', '=', body.accountId)
      .where('action', '=', 'partner.signed_up')
      .executeTakeFirstOrThrow();
    expect(signedUp).toMatchObject({ actor_account_id: body.accountId, channel: 'api', after: { email: 'new.partner@example.com' } });
    // The harness's admin (Telegram user 900000001) is told, with a button to the pending list.
    expect((await queuedMessages(boss, 900000001)).at(-1)).toMatchObject({
      text: { key: 'signup-alert', vars: { company: 'Acme Gifts', email: 'new.partner@example.com', accountId: body.accountId } },
      buttons: [[{ callbackData: 'sg:list:0' }]],
    });
    await expectLedgerConsistent(db);
  });

  it('lists every failing field of bad input', async () => {
    const bad = await expectProblem(await signup({ companyName: '', email: 'not-an-email', useCase: 'short' }), 400, 'validation_failed');
    expect((bad.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['json.companyName', 'json.email', 'json.useCase']);
    const missing = await expectProblem(await signup({}), 400, 'validation_failed');
    expect((missing.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['json.companyName', 'json.email', 'json.useCase']);
    const tooLong = await expectProblem(await signup(signupInput({ companyName: 'x'.repeat(201) })), 400, 'validation_failed');
    expect((tooLong.errors as { path: string }[]).map((error) => error.path)).toEqual(['json.companyName']);
  });

  it('refuses a second signup with the same email (any case), also when two race', async () => {
    const first = signupInput();
    await signedUp({ email: first.email });
    const again = await expectProblem(await signup({ ...signupInput(), email: first.email.toUpperCase() }), 409, 'email_taken');
    expect(again.detail).toContain('already');

    const racing = signupInput();
    const rival = { ...signupInput(), email: racing.email };
    const answers = await Promise.all([signup(racing), signup(rival)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const conflict = answers.find((answer) => answer.status === 409)!;
    expect(((await conflict.json()) as { code: string }).code).toBe('email_taken');
    const rows = await db.selectFrom('partner_signups').select('account_id').where('email', '=', racing.email.toLowerCase()).execute();
    expect(rows).toHaveLength(1);
    // The loser's transaction left nothing behind: one partner account of the two names, not two.
    const accounts = await db.selectFrom('accounts').select('id').where('name', 'in', [racing.companyName, rival.companyName]).execute();
    expect(accounts.map((account) => account.id)).toEqual([rows[0]!.account_id]);
    await expectLedgerConsistent(db);
  });

  it('the unique index decides when the early check cannot see the other signup yet', async () => {
    const email = signupInput().email;
    const settings = { currency: 'USD', sandboxFunds: '1.00', apiKeySecret: apiKeySecret(ctx.config) };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const first = new Promise<void>((resolve) => (started = resolve));
    // The first signup is inserted but not committed while the second one runs.
    const winner = db.transaction().execute(async (trx) => {
      const result = await signUpPartner(trx, { companyName: 'Winner', email, useCase: 'first in line' }, settings);
      started();
      await held;
      return result;
    });
    await first;
    // The second waits on the index until the first commits, then fails cleanly. (Its expectation is
    // attached at once: it may fail before `winner` has been awaited.)
    const loserRefused = expectDomainError(signUpPartner(db, { companyName: 'Loser', email, useCase: 'second in line' }, settings), 'email_taken');
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await winner;
    await loserRefused;
    expect(await db.selectFrom('accounts').select('name').where('name', 'in', ['Winner', 'Loser']).execute()).toEqual([{ name: 'Winner' }]);
    await expectLedgerConsistent(db);
  });

  it('rate limits per client address with 429 and headers', async () => {
    const address = nextAddress();
    for (let index = 0; index < 3; index += 1) {
      const response = await signup(signupInput(), address);
      expect(response.status).toBe(201);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(2 - index));
    }
    const limited = await signup(signupInput(), address);
    await expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    // Invalid input is still told what is wrong (it spends no signup), and another address is not affected.
    await expectProblem(await signup({}, address), 400, 'validation_failed');
    expect((await signup(signupInput())).status).toBe(201);
  });

  it('spends no signup on invalid input; a higher ceiling bounds every attempt', async () => {
    const address = nextAddress();
    // Six typos: each a 400, none a 429, although the allowance is 3 signups.
    for (let index = 0; index < 6; index += 1) await expectProblem(await signup({ ...signupInput(), useCase: 'short' }, address), 400, 'validation_failed');
    expect((await signup(signupInput(), address)).status).toBe(201);
    expect((await signup(signupInput(), address)).status).toBe(201);
    // The ninth attempt passes the ceiling (8 an hour), although one signup is left.
    const limited = await signup(signupInput(), address);
    await expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('approval gates live keys and real funds', () => {
  it('refuses a live key and a credit before approval, allows them after; the partner goes live by itself', async () => {
    const partner = await signedUp();
    const testKey = partner.apiKey.key;
    await expectProblem(await call(testKey, 'POST', '/v1/keys/live'), 403, 'partner_not_approved');
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/accounts/${partner.accountId}/api-keys`, { mode: 'live' }), 403, 'partner_not_approved');
    // Nor a live key for one of its people (partner users).
    const person = (await (
      await call(adminKey, 'POST', `/v1/admin/accounts/${partner.accountId}/users`, { name: 'Dev', email: 'dev@acme.example', role: 'developer' })
    ).json()) as { id: string };
    await expectProblem(
      await call(adminKey, 'POST', `/v1/admin/accounts/${partner.accountId}/users/${person.id}/keys`, { mode: 'live' }),
      403,
      'partner_not_approved',
    );
    expect((await call(adminKey, 'POST', `/v1/admin/accounts/${partner.accountId}/users/${person.id}/keys`, { mode: 'test' })).status).toBe(201);
    await expectProblem(
      await call(
        adminKey,
        'POST',
        `/v1/admin/accounts/${partner.accountId}/credit`,
        { amount: '10.00', currency: 'USD', reason: 'prepaid' },
        { 'idempotency-key': 'early' },
      ),
      403,
      'partner_not_approved',
    );
    // The CLI's paths (account create --live, api-key create, wallet credit) go through the same domain calls.
    await expectDomainError(
      issueApiKey(db, apiKeySecret(ctx.config), platformActor('cli'), { accountId: partner.accountId, mode: 'live' }),
      'partner_not_approved',
    );
    await expectDomainError(
      creditWallet(db, platformActor('cli'), { accountId: partner.accountId, amount: parseMoney('5.00', 'USD'), reason: 'x', idempotencyKey: 'cli-early' }),
      'partner_not_approved',
    );
    // Test keys keep working and can be rotated.
    const rotated = await call(testKey, 'POST', '/v1/keys/rotate');
    expect(rotated.status).toBe(201);
    const newTestKey = ((await rotated.json()) as { key: string }).key;

    const approved = await call(adminKey, 'POST', `/v1/admin/signups/${partner.accountId}/approve`);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ status: 'approved', stage: 'approved', firstTestOrderAt: null });
    const audit = await db
      .selectFrom('audit_log')
      .select(['actor_account_id', 'after'])
      .where('subject_id', '=', partner.accountId)
      .where('action', '=', 'partner.approved')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_account_id: harness.admin.id, after: { status: 'approved', stage: 'approved', skippedStages: ['first_test_order'] } });
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/signups/${partner.accountId}/approve`), 409, 'signup_already_decided');

    const liveResponse = await call(newTestKey, 'POST', '/v1/keys/live');
    expect(liveResponse.status).toBe(201);
    const live = (await liveResponse.json()) as { id: string; key: string; mode: string; accountId: string };
    expect(live).toMatchObject({ mode: 'live', accountId: partner.accountId });
    expect(live.key).toMatch(/^sk_live_/);
    expect(await (await call(live.key, 'GET', '/v1/wallet')).json()).toMatchObject({ accountId: partner.accountId, mode: 'live', balance: { amount: '0.00' } });
    // One first live key; more come from rotation.
    await expectProblem(await call(newTestKey, 'POST', '/v1/keys/live'), 409, 'live_key_exists');
    await expectProblem(await call(live.key, 'POST', '/v1/keys/live'), 409, 'live_key_exists');
    expect((await call(live.key, 'POST', '/v1/keys/rotate')).status).toBe(201);
    const created = await db
      .selectFrom('audit_log')
      .select(['actor_account_id', 'channel', 'after'])
      .where('action', '=', 'api_key.created')
      .where('subject_id', '=', live.id)
      .executeTakeFirstOrThrow();
    expect(created).toMatchObject({ actor_account_id: partner.accountId, channel: 'api', after: { mode: 'live' } });

    const credited = await call(
      adminKey,
      'POST',
      `/v1/admin/accounts/${partner.accountId}/credit`,
      { amount: '10.00', currency: 'USD', reason: 'prepaid' },
      { 'idempotency-key': 'after' },
    );
    expect(credited.status).toBe(200);
    expect((await (await call(live.key, 'GET', '/v1/onboarding')).json()) as object).toMatchObject({ status: 'approved', stage: 'approved' });
    await expectLedgerConsistent(db);
  });

  it('operator-made partners count as approved and have no onboarding', async () => {
    const partner = await harness.makePartner();
    expect((await call(partner.testKey, 'POST', '/v1/keys/live')).status).toBe(409);
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/onboarding'), 404, 'onboarding_not_found');
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/signups/${partner.account.id}/approve`), 404, 'signup_not_found');
  });
});

describe('admin signups', () => {
  it('lists signups by status with a cursor; rejects with a reason and revokes the keys', async () => {
    const before = (await db.selectFrom('partner_signups').select('account_id').where('status', '=', 'pending').execute()).length;
    const made = [await signedUp(), await signedUp(), await signedUp()];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/admin/signups?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await call(adminKey, 'GET', query)).json()) as {
        data: { accountId: string; status: string; stage: string }[];
        nextCursor: string | null;
      };
      expect(page.data.every((signup) => signup.status === 'pending' && signup.stage === 'signed_up')).toBe(true);
      seen.push(...page.data.map((signup) => signup.accountId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(before + 3);
    expect(seen.slice(-3)).toEqual(made.map((signup) => signup.accountId));
    await expectProblem(await call(adminKey, 'GET', '/v1/admin/signups?cursor=nonsense'), 400, 'invalid_cursor');

    const target = made[0]!;
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/signups/${target.accountId}/reject`, { reason: '  ' }), 400, 'validation_failed');
    const rejected = await call(adminKey, 'POST', `/v1/admin/signups/${target.accountId}/reject`, { reason: 'not a business' });
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ signup: { status: 'rejected', rejectReason: 'not a business' }, revokedKeys: 1 });
    await expectProblem(await call(target.apiKey.key, 'GET', '/v1/wallet'), 401, 'unauthorized');
    await expectProblem(await call(adminKey, 'POST', `/v1/admin/signups/${target.accountId}/approve`), 409, 'signup_already_decided');
    await expectDomainError(
      issueApiKey(db, apiKeySecret(ctx.config), platformActor('cli'), { accountId: target.accountId, mode: 'live' }),
      'partner_not_approved',
    );
    const audit = await db
      .selectFrom('audit_log')
      .select('after')
      .where('subject_id', '=', target.accountId)
      .where('action', '=', 'partner.rejected')
      .executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ reason: 'not a business', revokedKeyIds: [expect.any(String)] });
    const rejectedList = (await (await call(adminKey, 'GET', '/v1/admin/signups?status=rejected')).json()) as { data: { accountId: string }[] };
    expect(rejectedList.data.map((signup) => signup.accountId)).toContain(target.accountId);

    // Partner keys cannot use the admin endpoints.
    await expectProblem(await call(made[1]!.apiKey.key, 'GET', '/v1/admin/signups'), 403, 'forbidden');
  });
});
