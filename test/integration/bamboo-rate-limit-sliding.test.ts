// Sustained load at Bamboo's limits draws no 429 from a vendor that counts in sliding windows.
// Two limiter instances (two processes, in effect: two Redis connections, or one in-process state)
// with several callers each run flat out on a virtual clock for minutes of vendor time. Every
// departure reaches "Bamboo" up to 99 ms later (network jitter), where a sliding-window counter of
// the published limits answers each arrival. We check every window, not only clock-aligned ones.
import { afterAll, describe, expect, it } from 'vitest';
import { BAMBOO_LIMITS, BambooRateLimiter, CHECKOUT_GAP_MS, CHECKOUT_PER_PRODUCT, type EndpointClass } from '../../src/integrations/bamboo/rate-limits.ts';
import { createMemoryState, createRedisState, type SharedState } from '../../src/shared-state/index.ts';
import { testRedisPrefix } from '../support/db.ts';

/** Time moves only when every caller sleeps: then to the earliest wake-up. Real I/O (Redis) in between is waited for. */
class VirtualTime {
  #now = Date.parse('2026-12-01T00:00:00Z');
  #sleepers: { at: number; wake: () => void }[] = [];

  readonly now = () => this.#now;
  readonly sleep = (ms: number) => new Promise<void>((wake) => this.#sleepers.push({ at: this.#now + ms, wake }));

  async run(callers: (() => Promise<void>)[]): Promise<void> {
    let live = callers.length;
    let failure: unknown;
    const all = callers.map((caller) =>
      caller().then(
        () => void (live -= 1),
        (error: unknown) => {
          failure ??= error;
          live -= 1;
        },
      ),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (live === 0) break;
      if (this.#sleepers.length < live) continue; // someone is still working (or waiting on Redis)
      this.#sleepers.sort((a, b) => a.at - b.at);
      this.#now = Math.max(this.#now, this.#sleepers[0]!.at);
      const due = this.#sleepers.filter((sleeper) => sleeper.at <= this.#now);
      this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.at > this.#now);
      for (const sleeper of due) sleeper.wake();
    }
    await Promise.all(all);
    if (failure) throw failure;
  }
}

/** A deterministic jitter source (mulberry32). */
function jitterSource(seed: number, maxMs: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * (maxMs + 1));
  };
}

/**
 * The vendor's side: a sliding-window counter that answers each arrival in order. Strict on the
 * edge: a call exactly `durationMs` after an earlier one still counts that one.
 */
class SlidingWindowVendor {
  readonly #accepted = new Map<string, number[]>();
  rejected = 0;
  readonly limits: Record<string, { points: number; durationMs: number }>;
  constructor(limits: Record<string, { points: number; durationMs: number }>) {
    this.limits = limits;
  }

  /** One arrival touching the given counters (e.g. checkout and its product's); 429 when any is full. */
  arrive(at: number, counters: string[]): 200 | 429 {
    const full = counters.some((counter) => {
      const { points, durationMs } = this.limits[counter.split('#')[0]!]!;
      return (this.#accepted.get(counter) ?? []).filter((time) => time >= at - durationMs).length >= points;
    });
    if (full) {
      this.rejected += 1;
      return 429;
    }
    for (const counter of counters) this.#accepted.set(counter, [...(this.#accepted.get(counter) ?? []), at]);
    return 200;
  }
}

/** The most calls in any closed window [t, t + windowMs], over every start, not only aligned ones. */
function mostInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! <= sorted[start]! + windowMs) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}

interface Call {
  departure: number;
  arrival: number;
  productId?: number;
}

/** Two limiters × `callersEach` callers, calling `endpoint` flat out for `forMs` of virtual time. */
async function runAtTheLimit(
  states: [SharedState, SharedState],
  options: { endpoint: EndpointClass; forMs: number; callersEach: number; products?: number[] },
): Promise<Call[]> {
  const time = new VirtualTime();
  const key = `client-${crypto.randomUUID()}`;
  const limiters = states.map((state) => new BambooRateLimiter(state, { key, now: time.now, sleep: time.sleep, maxWaitMs: 3_600_000 }));
  const jitter = jitterSource(42, 99);
  const calls: Call[] = [];
  const end = time.now() + options.forMs;
  let next = 0;
  const callers = limiters.flatMap((limiter) =>
    Array.from({ length: options.callersEach }, () => async () => {
      while (time.now() < end) {
        const productId = options.products?.[(next += 1) % options.products.length];
        await limiter.acquire(options.endpoint, productId === undefined ? {} : { productIds: [productId] });
        calls.push({ departure: time.now(), arrival: time.now() + jitter(), ...(productId === undefined ? {} : { productId }) });
      }
    }),
  );
  await time.run(callers);
  return calls;
}

/** Replays the calls in arrival order against the vendor's sliding windows; returns how many got 429. */
function vendor429s(calls: Call[], endpoint: EndpointClass): number {
  const vendor = new SlidingWindowVendor({ [endpoint]: BAMBOO_LIMITS[endpoint], product: CHECKOUT_PER_PRODUCT });
  for (const call of [...calls].sort((a, b) => a.arrival - b.arrival)) {
    vendor.arrive(call.arrival, call.productId === undefined ? [endpoint] : [endpoint, `product#${call.productId}`]);
  }
  return vendor.rejected;
}

function slidingLimiterTests(open: () => [SharedState, SharedState]) {
  const [first, second] = open();
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('Get Order: 120 a minute in every window, about 120 a minute sustained, no 429', async () => {
    const calls = await runAtTheLimit([first, second], { endpoint: 'getOrder', forMs: 5 * 60_000, callersEach: 3 });
    const { points, durationMs } = BAMBOO_LIMITS.getOrder;
    expect(
      mostInAnyWindow(
        calls.map((call) => call.departure),
        durationMs,
      ),
    ).toBe(points);
    expect(
      mostInAnyWindow(
        calls.map((call) => call.arrival),
        durationMs,
      ),
    ).toBeLessThanOrEqual(points);
    expect(calls.length).toBeGreaterThanOrEqual(5 * points); // at the limit, not below it (the first minute is a burst)
    expect(vendor429s(calls, 'getOrder')).toBe(0);
  });

  it('checkout: 2 a second with 500 ms between arrivals, 6 per product a minute, no 429', async () => {
    // 24 products: 6 a minute each would allow 144 a minute, so the checkout limits bind, not the products'.
    const products = Array.from({ length: 24 }, (_, index) => 101 + index);
    const calls = await runAtTheLimit([first, second], { endpoint: 'checkout', forMs: 3 * 60_000, callersEach: 3, products });
    const arrivals = calls.map((call) => call.arrival).sort((a, b) => a - b);
    expect(mostInAnyWindow(arrivals, BAMBOO_LIMITS.checkout.durationMs)).toBeLessThanOrEqual(BAMBOO_LIMITS.checkout.points);
    expect(Math.min(...arrivals.slice(1).map((at, index) => at - arrivals[index]!))).toBeGreaterThanOrEqual(CHECKOUT_GAP_MS);
    for (const productId of products) {
      const ofProduct = calls.filter((call) => call.productId === productId).map((call) => call.arrival);
      expect(mostInAnyWindow(ofProduct, CHECKOUT_PER_PRODUCT.durationMs), `product ${productId}`).toBeLessThanOrEqual(CHECKOUT_PER_PRODUCT.points);
    }
    // 2 per 1.1 s with 600 ms gaps: about 109 a minute.
    expect(calls.length).toBeGreaterThanOrEqual(3 * 100);
    expect(vendor429s(calls, 'checkout')).toBe(0);
  });

  it('a one-a-second class (catalog): one per second in every window, no 429', async () => {
    const calls = await runAtTheLimit([first, second], { endpoint: 'catalog', forMs: 60_000, callersEach: 2 });
    expect(
      mostInAnyWindow(
        calls.map((call) => call.arrival),
        BAMBOO_LIMITS.catalog.durationMs,
      ),
    ).toBe(1);
    expect(calls.length).toBeGreaterThanOrEqual(54);
    expect(vendor429s(calls, 'catalog')).toBe(0);
  });

  it('the checker itself: calls paced by fixed windows draw 429s from the sliding-window vendor', () => {
    // 120 at the end of one fixed minute and 120 at the start of the next (what drew Bamboo's 429s).
    const burst = (from: number) => Array.from({ length: 120 }, (_, index) => ({ departure: from + index, arrival: from + index }));
    const calls = [...burst(59_000), ...burst(60_000)];
    expect(
      mostInAnyWindow(
        calls.map((call) => call.departure),
        60_000,
      ),
    ).toBe(240);
    expect(vendor429s(calls, 'getOrder')).toBe(120);
  });
}

describe.runIf(process.env.REDIS_URL)('Bamboo limiter at its limits, two processes on one Redis', () => {
  slidingLimiterTests(() => {
    const prefix = testRedisPrefix('bamboo-sliding');
    return [createRedisState(process.env.REDIS_URL!, prefix), createRedisState(process.env.REDIS_URL!, prefix)];
  });
});

describe('Bamboo limiter at its limits, two limiters in one process (no Redis)', () => {
  slidingLimiterTests(() => {
    const state = createMemoryState();
    return [state, { ...state, close: async () => {} }];
  });
});
