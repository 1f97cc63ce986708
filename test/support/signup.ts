// Self-service signups over the API harness: POST /v1/signup from a given client address (the rate
// limit counts per address), checked against the served OpenAPI document like every other call.
import type { createApiHarness } from './api.ts';
import { createOpenApiChecker, type OpenApiDocument } from './openapi.ts';

type Harness = Awaited<ReturnType<typeof createApiHarness>>;

export interface SignupBody {
  accountId: string;
  sandboxAccountId: string;
  status: string;
  stage: string;
  apiKey: { key: string; accountId: string; mode: string };
  sandboxBalance: { amount: string; currency: string };
}

let addresses = 0;
/** A fresh documentation-range address per caller, so tests do not share a rate-limit budget. */
export const nextAddress = () => `198.51.100.${(addresses += 1)}`;

let companies = 0;
export const signupInput = (overrides: Record<string, unknown> = {}) => {
  companies += 1;
  return {
    companyName: `Signup Co ${companies}`,
    email: `dev${companies}.${Date.now()}@example.com`,
    useCase: 'Gift cards as rewards in our loyalty app',
    ...overrides,
  };
};

export async function signupClient(harness: Harness) {
  const checkResponse = createOpenApiChecker((await (await harness.api.request('/openapi.json')).json()) as OpenApiDocument);
  return async function signup(body: unknown, address = nextAddress()): Promise<Response> {
    // @hono/node-server passes the socket as `incoming`; the rate limit reads the peer address from it.
    const response = await harness.api.request(
      '/v1/signup',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      { incoming: { socket: { remoteAddress: address } } },
    );
    await checkResponse('POST', '/v1/signup', response);
    return response;
  };
}
