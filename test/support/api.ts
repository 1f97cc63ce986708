// The partner API over a test context: an admin with an admin key, and helpers to make partners
// with live and test keys and to call the API as them.
import { expect } from 'vitest';
import { createApi } from '../../api/index.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { accountActor, platformActor } from '../../src/domain/actor.ts';
import { addAdmin, createAccount, type Account } from '../../src/domain/accounts/accounts.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { createTestContext, type TestContext } from './context.ts';
import { createOpenApiChecker } from './openapi.ts';

export interface Partner {
  account: Account;
  liveKey: string;
  testKey: string;
  /** The sandbox account `sk_test_` keys act on. */
  sandboxId: string;
}

let sequence = 0;

export async function createApiHarness(options: Parameters<typeof createTestContext>[0] = {}) {
  const context: TestContext = await createTestContext(options);
  const { ctx } = context;
  const api = createApi({ ctx, boss: context.boss, queues: QUEUES });
  const secret = apiKeySecret(ctx.config);
  const { account: admin } = await addAdmin(ctx.db, platformActor('cli'), { telegramUserId: '900000001', currency: 'USD' });
  const adminKey = (await issueApiKey(ctx.db, secret, platformActor('cli'), { accountId: admin.id, mode: 'live' })).key;

  async function makePartner(name?: string): Promise<Partner> {
    sequence += 1;
    const operator = platformActor('cli');
    const account = await createAccount(ctx.db, operator, { role: 'partner', name: name ?? `Partner ${sequence}`, currency: 'USD' });
    const live = await issueApiKey(ctx.db, secret, operator, { accountId: account.id, mode: 'live' });
    const test = await issueApiKey(ctx.db, secret, operator, { accountId: account.id, mode: 'test' });
    return { account, liveKey: live.key, testKey: test.key, sandboxId: test.accountId };
  }

  const checkResponse = createOpenApiChecker((await (await api.request('/openapi.json')).json()) as Parameters<typeof createOpenApiChecker>[0]);

  /** A request with `Authorization: Bearer <key>` (JSON body when given); the answer is checked against the OpenAPI document. */
  async function call(key: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await api.request(path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await checkResponse(method, path, response);
    return response;
  }

  return { ...context, api, admin, adminKey, adminActor: accountActor(admin.id, 'api'), makePartner, call };
}

/** Checks a problem+json answer and returns its body. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.requestId).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/);
  return body;
}
