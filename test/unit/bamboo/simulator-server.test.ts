// The simulator as a vendor others reach: Bamboo's published limits as sliding windows (2
// checkouts a second at least 500 ms apart, 6 orders per product a minute, 120 Get Order a minute,
// 1 a second for the rest) with the observed 429 text; the `--latency` spec; and the mount that
// `npm start` serves beside the api.
import { describe, expect, it } from 'vitest';
import { SIMULATOR_PATH_PREFIX, underSimulatorPath } from '../../../src/integrations/bamboo/index.ts';
import {
  BambooSimulator,
  ManualClock,
  MemorySimulatorStore,
  parseLatency,
  SANDBOX_CREDENTIAL,
  SIM_PRODUCTS,
} from '../../../src/integrations/bamboo/simulator/index.ts';

const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIAL.clientId}:${SANDBOX_CREDENTIAL.clientSecret}`).toString('base64')}`;
const BASE = 'https://api.bamboocardportal.com/api/integration/v1.0';

function limited() {
  const clock = new ManualClock();
  const simulator = new BambooSimulator({ clock, rateLimits: true });
  const get = (path: string) => simulator.handle(new Request(`${BASE}${path}`, { headers: { authorization: auth } }));
  const checkout = (productId: number = SIM_PRODUCTS.steam10, requestId: string = crypto.randomUUID()) =>
    simulator.handle(
      new Request(`${BASE}/orders/checkout`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          RequestId: requestId,
          AccountId: 555,
          Products: [{ ProductId: productId, Quantity: 1, Value: productId === SIM_PRODUCTS.range ? 5 : 10 }],
        }),
      }),
    );
  return { clock, simulator, get, checkout };
}

const waitText = (seconds: number) => ({ message: `Too many requests. Please wait for ${seconds} seconds for the next request` });

describe('simulator limits (--limits real)', () => {
  it('checkout: at least 500 ms apart, 2 a second', async () => {
    const { clock, checkout } = limited();
    expect((await checkout()).status).toBe(200);
    clock.advance(499);
    const tooSoon = await checkout();
    expect(tooSoon.status).toBe(429);
    expect(await tooSoon.json()).toEqual(waitText(1));
    clock.advance(1);
    expect((await checkout(SIM_PRODUCTS.range)).status).toBe(200);
    // Two in the last second (the refused one does not count): the third waits for the window.
    clock.advance(499);
    expect((await checkout(SIM_PRODUCTS.range)).status).toBe(429);
    clock.advance(1);
    expect((await checkout(SIM_PRODUCTS.range)).status).toBe(200);
  });

  it('checkout: 6 orders of one product a minute, counted in a sliding window', async () => {
    const { clock, checkout } = limited();
    for (let order = 0; order < 6; order += 1) {
      expect((await checkout()).status).toBe(200);
      clock.advance(1_000);
    }
    const seventh = await checkout();
    expect(seventh.status).toBe(429);
    // The first of the six ages out 60 s after it was placed: 54 s from now.
    expect(await seventh.json()).toEqual(waitText(54));
    expect((await checkout(SIM_PRODUCTS.range)).status).toBe(200); // another product is free
    clock.advance(54_000);
    expect((await checkout()).status).toBe(200);
  });

  it('Get Order: 120 a minute; the other endpoints 1 a second', async () => {
    const { clock, get } = limited();
    for (let call = 0; call < 120; call += 1) expect((await get(`/orders/${crypto.randomUUID()}`)).status).toBe(400); // OrderNotFound
    const over = await get(`/orders/${crypto.randomUUID()}`);
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual(waitText(60));
    expect((await get('/accounts')).status).toBe(200);
    clock.advance(999);
    expect((await get('/accounts')).status).toBe(429);
    clock.advance(1);
    expect((await get('/accounts')).status).toBe(200);
  });
});

describe('simulator server options', () => {
  it('--latency: a fixed number of ms or a range', () => {
    expect(parseLatency('0')).toEqual({ minMs: 0, maxMs: 0 });
    expect(parseLatency('120')).toEqual({ minMs: 120, maxMs: 120 });
    expect(parseLatency('50-250')).toEqual({ minMs: 50, maxMs: 250 });
    expect(parseLatency('250-50')).toBeUndefined();
    expect(parseLatency('fast')).toBeUndefined();
  });

  it('npm start serves the simulator beside the api, under its own path', async () => {
    const api = async () => new Response('api');
    const simulator = new BambooSimulator({ hosts: 'any', rateLimits: false });
    const fetch = underSimulatorPath(api, () => simulator);
    const accounts = await fetch(
      new Request(`http://127.0.0.1:3000${SIMULATOR_PATH_PREFIX}/api/integration/v1.0/accounts`, { headers: { authorization: auth } }),
    );
    expect(((await accounts.json()) as { accounts: { id: number }[] }).accounts.map((account) => account.id)).toEqual([555, 556, 557]);
    expect(await (await fetch(new Request('http://127.0.0.1:3000/v1/orders'))).text()).toBe('api');
    expect(await (await fetch(new Request(`http://127.0.0.1:3000${SIMULATOR_PATH_PREFIX}x/accounts`))).text()).toBe('api');
  });

  it('a store that was away at the first request is tried again at the next', async () => {
    const store = new MemorySimulatorStore();
    const ensureAccounts = store.ensureAccounts.bind(store);
    let calls = 0;
    store.ensureAccounts = async (credentials) => {
      calls += 1;
      if (calls === 1) throw new Error('connection refused');
      return ensureAccounts(credentials);
    };
    const simulator = new BambooSimulator({ store, rateLimits: false });
    const accounts = () => simulator.handle(new Request(`${BASE}/accounts`, { headers: { authorization: auth } }));
    await expect(accounts()).rejects.toThrow('connection refused');
    expect((await accounts()).status).toBe(200);
  });
});
