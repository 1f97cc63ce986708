// Test helpers for the Bamboo integration: the simulator mounted through msw on both hosts, a client
// wired to it, and a SharedState whose time is a fake clock so rate-limit waits cost no real time.
import { http } from 'msw';
import { BambooClient, type BambooClientOptions } from '../../src/integrations/bamboo/client.ts';
import { BAMBOO_LIMITS, BambooRateLimiter, type BambooRateLimiterOptions, type EndpointClass } from '../../src/integrations/bamboo/rate-limits.ts';
import { BambooSimulator, ManualClock, SANDBOX_CREDENTIAL, SIMULATOR_HOSTS, type SimulatorOptions } from '../../src/integrations/bamboo/simulator/index.ts';
import { generateCatalog } from '../../src/integrations/bamboo/simulator/catalog.ts';
import { createSlidingWindowLimiter } from '../../src/shared-state/sliding-window.ts';
import type { KeyValueStore, RateLimiter, RateLimiterOptions, SharedState } from '../../src/shared-state/types.ts';
import { mswServer } from '../setup/msw.ts';

// Generating the large catalog takes a moment: do it once per file and copy it per simulator.
let catalogTemplate: string | undefined;
function freshCatalog() {
  catalogTemplate ??= JSON.stringify(generateCatalog());
  return JSON.parse(catalogTemplate) as ReturnType<typeof generateCatalog>;
}

/** A simulator on a manual clock, answering every request to either Bamboo host through msw. */
export function mountSimulator(options: SimulatorOptions = {}): { simulator: BambooSimulator; clock: ManualClock } {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const simulator = new BambooSimulator({ catalog: freshCatalog(), sleep: async () => {}, ...options, clock });
  mswServer.use(...SIMULATOR_HOSTS.map((host) => http.all(`https://${host}/*`, ({ request }) => simulator.handle(request))));
  return { simulator, clock };
}

/** Limits high enough that tests never wait, for tests about something else. */
export const UNLIMITED = Object.fromEntries(Object.keys(BAMBOO_LIMITS).map((endpoint) => [endpoint, { points: 10_000, durationMs: 1000 }])) as Record<
  EndpointClass,
  { points: number; durationMs: number }
>;

/**
 * A client of the simulator's sandbox credentials. Its limiter runs on `clock` (a fresh manual clock
 * by default) and its waits advance that clock, so pacing costs no real time.
 */
export function simulatorClient(
  options: Partial<BambooClientOptions> & { clock?: ManualClock; state?: SharedState; limiterOptions?: Partial<BambooRateLimiterOptions> } = {},
): BambooClient {
  const { clock = new ManualClock(), state = createFakeState(clock), limiterOptions, ...clientOptions } = options;
  const limiter = new BambooRateLimiter(state, {
    key: SANDBOX_CREDENTIAL.clientId,
    limits: UNLIMITED,
    minGapMs: {},
    checkoutPerProduct: { points: 10_000, durationMs: 60_000 },
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
    ...limiterOptions,
  });
  return new BambooClient({
    baseUrl: 'https://api.bamboocardportal.com',
    clientId: SANDBOX_CREDENTIAL.clientId,
    clientSecret: SANDBOX_CREDENTIAL.clientSecret,
    accountId: 555,
    limiter,
    ...clientOptions,
  });
}

/**
 * `real`, except that the planner's turn (`tryCheckout`) is given only while `isOpen(productId)`:
 * a test closes and opens a product's checkout turns by hand.
 */
export function gatedVendor(real: BambooClient, isOpen: (productId: number) => boolean): BambooClient {
  const vendor = Object.create(real) as BambooClient;
  vendor.tryCheckout = async (productId, options) =>
    isOpen(productId) ? real.tryCheckout(productId, options) : { taken: false, waitMs: 5_000, scope: 'product' };
  vendor.placeOrder = (request, options) => real.placeOrder(request, options);
  vendor.lookupOrder = (requestId) => real.lookupOrder(requestId);
  return vendor;
}

/**
 * SharedState on a fake clock: fixed- and sliding-window limiters and TTLs read `clock.now()`.
 * Behaves like the memory implementation, so pacing logic can be tested without sleeping.
 */
export function createFakeState(clock: { now(): number }): SharedState {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= clock.now()) entries.delete(key);
    return entries.get(key);
  };
  const kv: KeyValueStore = {
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: ttlMs ? clock.now() + ttlMs : Infinity });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: clock.now() + ttlMs });
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
  };
  const windows = new Map<string, { used: number; resetAt: number; blockedUntil: number }>();
  const slidingLimiters = new Map<string, RateLimiter>();
  const createRateLimiter = ({ name, points, durationMs, window }: RateLimiterOptions): RateLimiter => {
    if (window === 'sliding') {
      // Same name, same counters, as in the memory and Redis implementations.
      const id = `${name}:${points}:${durationMs}`;
      if (!slidingLimiters.has(id)) slidingLimiters.set(id, createSlidingWindowLimiter({ points, durationMs, now: () => clock.now() }));
      return slidingLimiters.get(id)!;
    }
    const windowOf = (key: string) => {
      const id = `${name}:${key}`;
      let window = windows.get(id);
      if (!window || (window.resetAt <= clock.now() && window.blockedUntil <= clock.now())) {
        window = { used: 0, resetAt: clock.now() + durationMs, blockedUntil: 0 };
        windows.set(id, window);
      }
      return window;
    };
    return {
      async consume(key, cost = 1) {
        const window = windowOf(key);
        if (window.blockedUntil > clock.now()) return { allowed: false, remaining: 0, retryAfterMs: window.blockedUntil - clock.now() };
        if (window.used + cost > points) return { allowed: false, remaining: 0, retryAfterMs: window.resetAt - clock.now() };
        window.used += cost;
        return { allowed: true, remaining: points - window.used, retryAfterMs: 0 };
      },
      async block(key, ms) {
        windowOf(key).blockedUntil = clock.now() + ms;
      },
    };
  };
  return { kind: 'memory', kv, locks: { acquire: async () => undefined }, createRateLimiter, ping: async () => {}, close: async () => {} };
}
