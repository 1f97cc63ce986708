// Rate limits on both sides: our limiter paces calls at Bamboo's published limits, a 429 (wait from
// the body text or from Retry-After) blocks the endpoint class for everyone sharing the state, and
// the simulator enforces the same limits with the observed 429 text. Time is a manual clock.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { BambooRateLimitError } from '../../../src/integrations/bamboo/errors.ts';
import { ARRIVAL_MARGIN_MS, BambooRateLimiter, PACE_SLACK_MS } from '../../../src/integrations/bamboo/rate-limits.ts';
import { ManualClock, SANDBOX_CREDENTIAL, SIM_PRODUCTS } from '../../../src/integrations/bamboo/simulator/index.ts';
import { money } from '../../../src/shared/money.ts';
import { mswServer } from '../../setup/msw.ts';
import { createFakeState, mountSimulator, simulatorClient } from '../../support/bamboo.ts';

function pacedLimiter(clock: ManualClock, state = createFakeState(clock), options: { maxWaitMs?: number } = {}) {
  const waits: number[] = [];
  const limiter = new BambooRateLimiter(state, {
    key: 'client',
    now: () => clock.now(),
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    ...options,
  });
  return { limiter, waits };
}

const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIAL.clientId}:${SANDBOX_CREDENTIAL.clientSecret}`).toString('base64')}`;
const steam = (quantity = 1) => [{ productId: SIM_PRODUCTS.steam10, quantity, faceValue: money(1000n, 'USD') }];

describe('our Bamboo rate limiter', () => {
  it('paces the catalog at one call a second, with a margin for network jitter', async () => {
    const clock = new ManualClock();
    const { limiter } = pacedLimiter(clock);
    const started = clock.now();
    for (let call = 0; call < 4; call += 1) await limiter.acquire('catalog');
    expect(clock.now() - started).toBe(3 * 1100);
  });

  it('without the gaps, the counted limit alone allows one catalog call a second (plus the arrival margin)', async () => {
    const clock = new ManualClock();
    const state = createFakeState(clock);
    const limiter = new BambooRateLimiter(state, { key: 'client', minGapMs: {}, now: () => clock.now(), sleep: async (ms) => clock.advance(ms) });
    const started = clock.now();
    for (let call = 0; call < 4; call += 1) await limiter.acquire('catalog');
    expect(clock.now() - started).toBe(3 * (1000 + ARRIVAL_MARGIN_MS));
  });

  it('keeps checkouts 500 ms apart, 2 a second, and at most 6 per product a minute', async () => {
    const clock = new ManualClock();
    const { limiter, waits } = pacedLimiter(clock, undefined, { maxWaitMs: 120_000 });
    const times: number[] = [];
    for (let order = 0; order < 7; order += 1) {
      await limiter.acquire('checkout', { productIds: [SIM_PRODUCTS.steam10] });
      times.push(clock.now());
    }
    const gaps = times.slice(1).map((at, index) => at - times[index]!);
    expect(gaps.slice(0, 5).every((gap) => gap >= 500)).toBe(true);
    // The 7th order of the same product waits for the minute to pass.
    expect(times[6]! - times[0]!).toBeGreaterThanOrEqual(60_000);
    expect(waits.length).toBeGreaterThan(0);
    // Another product is not held back by the first one's quota.
    const before = clock.now();
    clock.advance(500);
    await limiter.acquire('checkout', { productIds: [SIM_PRODUCTS.itunes100] });
    expect(clock.now() - before).toBeLessThan(1_500);
  });

  it('the planner’s turn: taken only when every window has room, a refused one spends nothing, a paced product waits its pace', async () => {
    const clock = new ManualClock();
    const { limiter } = pacedLimiter(clock);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toEqual({ taken: true });
    // The gap: the checkout rate is what waits; asked again and again, nothing is spent.
    for (let ask = 0; ask < 3; ask += 1) expect(await limiter.tryCheckout(SIM_PRODUCTS.itunes100)).toMatchObject({ taken: false, scope: 'checkout' });
    clock.advance(600);
    // Paced, a product waits for its pace (60 s / 6); unpaced, it may go again while its minute is nearly unused.
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10, { paced: true })).toMatchObject({ taken: false, scope: 'product' });
    const paced = await limiter.tryCheckout(SIM_PRODUCTS.steam10, { paced: true });
    expect(paced.taken ? 0 : paced.waitMs).toBeGreaterThan(9_000);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toEqual({ taken: true });
    // From the third of a minute on, every turn is paced: no burst that leaves the end of the minute empty.
    clock.advance(600);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toMatchObject({ taken: false, scope: 'product' });
    for (let turn = 0; turn < 4; turn += 1) {
      clock.advance(10_000 + PACE_SLACK_MS);
      expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toEqual({ taken: true });
    }
    // Six in the minute: the seventh waits for the minute, paced or not.
    clock.advance(10_000);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toMatchObject({ taken: false, scope: 'product' });
    // …and the other product's turn was never spent by the refusals.
    expect(await limiter.tryCheckout(SIM_PRODUCTS.itunes100)).toEqual({ taken: true });
  });

  it('a turn that leaves late starts the gap again when it leaves: the next checkout cannot reach Bamboo closer behind it', async () => {
    const clock = new ManualClock();
    const { limiter } = pacedLimiter(clock);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.steam10)).toEqual({ taken: true });
    // A loaded process sends its granted checkout 300 ms after the turn…
    clock.advance(300);
    await limiter.leaving('checkout');
    // …so the next turn waits a whole gap from then, not from the grant (600 ms after it).
    clock.advance(300);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.itunes100)).toMatchObject({ taken: false, scope: 'checkout' });
    clock.advance(299);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.itunes100)).toMatchObject({ taken: false, scope: 'checkout' });
    clock.advance(1);
    expect(await limiter.tryCheckout(SIM_PRODUCTS.itunes100)).toEqual({ taken: true });
    // A class without a gap (Get Order, counted per minute) is not held by a call leaving.
    await limiter.leaving('getOrder');
    await limiter.acquire('getOrder');
  });

  it('refuses to wait longer than maxWaitMs', async () => {
    const clock = new ManualClock();
    const { limiter } = pacedLimiter(clock, undefined, { maxWaitMs: 60_000 });
    for (let call = 0; call < 4; call += 1) await limiter.acquire('transactions');
    const error = await limiter.acquire('transactions').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BambooRateLimitError);
    expect((error as BambooRateLimitError).retryAfterMs).toBe(3_600_000 + ARRIVAL_MARGIN_MS);
  });
});

describe('429 from Bamboo', () => {
  it('takes the wait from the JSON body text, blocks the class, then retries', async () => {
    const clock = new ManualClock();
    const { simulator } = mountSimulator({ clock });
    // Our own limiter is relaxed (UNLIMITED), so the simulator's limit is what stops the second call.
    const client = simulatorClient({ clock });
    await client.getCategories();
    const started = clock.now();
    await client.getCategories();
    expect(clock.now() - started).toBe(1000); // "Please wait for 1 seconds"
    expect(simulator.requestCount).toBe(3); // ok, 429, ok
  });

  it('takes the wait from Retry-After when there is one', async () => {
    let calls = 0;
    mswServer.use(
      http.get('https://api.bamboocardportal.com/api/integration/v1.0/exchange-rates', () =>
        (calls += 1) === 1
          ? new HttpResponse('Too many requests', { status: 429, headers: { 'retry-after': '7' } })
          : HttpResponse.json({ baseCurrencyCode: 'USD', rates: [] }),
      ),
    );
    const clock = new ManualClock();
    const client = simulatorClient({ clock });
    const started = clock.now();
    await client.getExchangeRates();
    expect(clock.now() - started).toBe(7000);
    expect(calls).toBe(2);
  });

  it('reads a plain-text 429 and sends Retry-After when the simulator is told to', async () => {
    const { simulator } = mountSimulator({ clock: new ManualClock(), plainText429: true, retryAfterHeader: true });
    simulator.injectFault({ endpoint: 'accounts', rateLimitSeconds: 12 });
    const response = await fetch('https://api.bamboocardportal.com/api/integration/v1.0/accounts', { headers: { authorization: auth } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('12');
    expect(await response.text()).toBe('Too many requests. Please wait for 12 seconds for the next request');
  });

  it('blocks every client on the same state: a long wait becomes BambooRateLimitError without another request', async () => {
    const clock = new ManualClock();
    const { simulator } = mountSimulator({ clock });
    const state = createFakeState(clock);
    const first = simulatorClient({ clock, state });
    const second = simulatorClient({ clock, state });
    simulator.injectFault({ endpoint: 'transactions', rateLimitSeconds: 3406 });
    const error = await first.getTransactions({ startDate: '2026-11-01', endDate: '2026-11-28' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BambooRateLimitError);
    expect((error as BambooRateLimitError).retryAfterMs).toBe(3_406_000);
    const requests = simulator.requestCount;
    await expect(second.getTransactions({ startDate: '2026-11-01', endDate: '2026-11-28' })).rejects.toBeInstanceOf(BambooRateLimitError);
    expect(simulator.requestCount).toBe(requests);
    // Other endpoint classes are not affected.
    await expect(second.getAccounts()).resolves.toHaveLength(3);
  });

  it('on Place Order: rejected as retryable, and the next checkout waits out the block', async () => {
    const clock = new ManualClock();
    const { simulator } = mountSimulator({ clock });
    const client = simulatorClient({ clock });
    const requestId = crypto.randomUUID();
    simulator.injectFault({ requestId, rateLimitSeconds: 5 });
    expect(await client.placeOrder({ requestId, lines: steam() })).toMatchObject({
      kind: 'rejected',
      reason: 'RateLimited',
      retryable: true,
      retryAfterMs: 5000,
    });
    const started = clock.now();
    // The same RequestId is safe to send again: the 429 created nothing.
    expect(await client.placeOrder({ requestId, lines: steam() })).toEqual({ kind: 'accepted', requestId });
    expect(clock.now() - started).toBe(5000);
  });
});

describe('the simulator enforces the published limits', () => {
  const get = (path: string) => fetch(`https://api.bamboocardportal.com${path}`, { headers: { authorization: auth } });
  const checkout = (productId: number) =>
    fetch('https://api.bamboocardportal.com/api/integration/v1.0/orders/checkout', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        RequestId: crypto.randomUUID(),
        AccountId: 555,
        Products: [{ ProductId: productId, Quantity: 1, Value: productId === SIM_PRODUCTS.steam10 ? 10 : 100 }],
      }),
    });

  it('transactions: 4 an hour, with the wait until the oldest call ages out', async () => {
    const { clock } = mountSimulator({ clock: new ManualClock() });
    const path = '/api/Integration/v1/transactions?startDate=2026-11-01&endDate=2026-11-28';
    for (let call = 0; call < 4; call += 1) {
      expect((await get(path)).status).toBe(200);
      clock.advance(1_000);
    }
    clock.advance(190_000); // 194 s after the first call, like the observed incident
    const refused = await get(path);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ message: 'Too many requests. Please wait for 3406 seconds for the next request' });
  });

  it('catalog: 1 a second; checkout: 500 ms apart and 6 per product a minute', async () => {
    const { clock } = mountSimulator({ clock: new ManualClock() });
    expect((await get('/api/integration/v2.0/catalog?PageSize=1')).status).toBe(200);
    expect((await get('/api/integration/v2.0/catalog?PageSize=1')).status).toBe(429);
    clock.advance(1000);
    expect((await get('/api/integration/v2.0/catalog?PageSize=1')).status).toBe(200);

    expect((await checkout(SIM_PRODUCTS.steam10)).status).toBe(200);
    expect((await checkout(SIM_PRODUCTS.itunes100)).status).toBe(429); // 500 ms gap
    for (let order = 1; order < 6; order += 1) {
      clock.advance(500);
      expect((await checkout(SIM_PRODUCTS.steam10)).status).toBe(200);
    }
    clock.advance(500);
    const seventh = await checkout(SIM_PRODUCTS.steam10);
    expect(seventh.status).toBe(429);
    expect((await seventh.json()) as unknown).toEqual({ message: 'Too many requests. Please wait for 57 seconds for the next request' });
    expect((await checkout(SIM_PRODUCTS.itunes100)).status).toBe(200);
  });
});
