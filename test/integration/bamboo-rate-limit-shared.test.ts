// Bamboo's limits count per client across all our processes, so the limiter lives in Redis: two
// limiter instances on two Redis connections (two processes, in effect) share one quota, the
// checkout gap and any 429 block. Without REDIS_URL the same holds inside one process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BambooRateLimitError } from '../../src/integrations/bamboo/errors.ts';
import { BambooRateLimiter } from '../../src/integrations/bamboo/rate-limits.ts';
import { ManualClock } from '../../src/integrations/bamboo/simulator/index.ts';
import { createMemoryState, createRedisState, type SharedState } from '../../src/shared-state/index.ts';
import { mountSimulator, simulatorClient, UNLIMITED } from '../support/bamboo.ts';
import { testRedisPrefix } from '../support/db.ts';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as BambooRateLimitError,
  );

function sharedLimiterTests(open: () => [SharedState, SharedState]) {
  let first: SharedState;
  let second: SharedState;
  beforeAll(() => {
    [first, second] = open();
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('shares one catalog quota (1 a second) between two instances', async () => {
    const key = `catalog-${crypto.randomUUID()}`;
    await new BambooRateLimiter(first, { key }).acquire('catalog');
    const error = await refusal(new BambooRateLimiter(second, { key }).acquire('catalog', { maxWaitMs: 0 }));
    expect(error).toBeInstanceOf(BambooRateLimitError);
    expect(error!.retryAfterMs).toBeGreaterThan(0);
    expect(error!.retryAfterMs).toBeLessThanOrEqual(1100);
  });

  it('shares the 500 ms gap between checkouts', async () => {
    const key = `gap-${crypto.randomUUID()}`;
    await new BambooRateLimiter(first, { key }).acquire('checkout', { productIds: [1] });
    const error = await refusal(new BambooRateLimiter(second, { key }).acquire('checkout', { productIds: [2], maxWaitMs: 0 }));
    expect(error!.retryAfterMs).toBeLessThanOrEqual(600);
  });

  it('a 429 seen by one instance blocks the endpoint class for the other, which then sends nothing', async () => {
    const { simulator } = mountSimulator({ clock: new ManualClock() });
    const key = `blocked-${crypto.randomUUID()}`;
    const limiterOptions = {
      key,
      limits: UNLIMITED,
      maxWaitMs: 1000,
      now: Date.now,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    };
    const one = simulatorClient({ state: first, limiterOptions });
    const other = simulatorClient({ state: second, limiterOptions });
    simulator.injectFault({ endpoint: 'exchangeRates', rateLimitSeconds: 30 });
    expect(await refusal(one.getExchangeRates())).toBeInstanceOf(BambooRateLimitError);
    const requests = simulator.requestCount;
    const error = await refusal(other.getExchangeRates());
    expect(error).toBeInstanceOf(BambooRateLimitError);
    expect(error!.retryAfterMs).toBeGreaterThan(25_000);
    expect(simulator.requestCount).toBe(requests);
    await expect(other.getAccounts()).resolves.toHaveLength(3);
  });
}

describe.runIf(process.env.REDIS_URL)('Bamboo rate limiter shared through Redis', () => {
  sharedLimiterTests(() => {
    const prefix = testRedisPrefix('bamboo-limiter');
    return [createRedisState(process.env.REDIS_URL!, prefix), createRedisState(process.env.REDIS_URL!, prefix)];
  });
});

describe('Bamboo rate limiter shared in one process (no Redis)', () => {
  sharedLimiterTests(() => {
    const state = createMemoryState();
    return [state, { ...state, close: async () => {} }];
  });
});
