// Bamboo's published rate limits as the simulator enforces them: sliding windows per client and
// endpoint (docs/bamboo.md#vendor-facts-our-code-relies-on), and for checkout 2 a second, 500 ms
// apart and 6 orders per product a minute. Answers are whole seconds to wait, as in Bamboo's 429
// text (seconds until the oldest call in the window ages out). The vendor's numbers are written out
// here, apart from our client's limiter (../rate-limits.ts), so tuning the client never moves the
// vendor it is tested against. Windows are per simulator instance (in memory): one standalone
// server is one window; processes sharing the database each keep their own.
import type { SimulatorClock } from './clock.ts';
import type { SimEndpoint } from './http.ts';

type Limit = { points: number; durationMs: number };

const perSecond = (points: number): Limit => ({ points, durationMs: 1_000 });
const perMinute = (points: number): Limit => ({ points, durationMs: 60_000 });
const perHour = (points: number): Limit => ({ points, durationMs: 3_600_000 });

/** Published limits per endpoint; v2 checkout shares the checkout windows. */
const SIM_LIMITS: Record<Exclude<SimEndpoint, 'checkout' | 'checkoutV2' | 'unknown'>, Limit> = {
  catalogV1: perHour(2),
  getOrder: perMinute(120),
  exchangeRates: perMinute(20),
  transactions: perHour(4),
  // "All other APIs": 1 a second.
  catalog: perSecond(1),
  categories: perSecond(1),
  accounts: perSecond(1),
  ordersReport: perSecond(1),
  notification: perSecond(1),
  brands: perSecond(1),
  stock: perSecond(1),
  countries: perSecond(1),
};
const CHECKOUT = perSecond(2);
const CHECKOUT_GAP_MS = 500;
const CHECKOUT_PER_PRODUCT = perMinute(6);

export class SimulatorRateLimits {
  readonly #clock: SimulatorClock;
  readonly #enabled: boolean;
  readonly #windows = new Map<string, number[]>();
  readonly #lastCheckout = new Map<string, number>();

  /** `enabled: false` lets everything through (fast unit tests). */
  constructor(clock: SimulatorClock, enabled: boolean) {
    this.#clock = clock;
    this.#enabled = enabled;
  }

  /** Counts a call to a non-checkout endpoint; seconds to wait when over its limit. */
  takeEndpoint(clientId: string, endpoint: keyof typeof SIM_LIMITS): number | undefined {
    return this.#take(`${clientId}:${endpoint}`, SIM_LIMITS[endpoint]);
  }

  /** Counts a checkout of these products; seconds to wait when too soon or too many. */
  takeCheckout(clientId: string, productIds: number[]): number | undefined {
    if (!this.#enabled) return undefined;
    const now = this.#clock.now();
    const last = this.#lastCheckout.get(clientId);
    if (last !== undefined && now - last < CHECKOUT_GAP_MS) return 1;
    for (const productId of new Set(productIds)) {
      const wait = this.#take(`${clientId}:checkout:${productId}`, CHECKOUT_PER_PRODUCT, false);
      if (wait !== undefined) return wait;
    }
    const wait = this.#take(`${clientId}:checkout`, CHECKOUT);
    if (wait !== undefined) return wait;
    this.#lastCheckout.set(clientId, now);
    return undefined;
  }

  /** Only orders count toward "6 orders for the same product per minute". */
  countOrder(clientId: string, productIds: number[]): void {
    for (const productId of new Set(productIds)) {
      const key = `${clientId}:checkout:${productId}`;
      this.#windows.set(key, [...(this.#windows.get(key) ?? []), this.#clock.now()]);
    }
  }

  /** Sliding window: undefined when allowed (and counted), else whole seconds to wait. */
  #take(key: string, limit: Limit, record = true): number | undefined {
    if (!this.#enabled) return undefined;
    const now = this.#clock.now();
    const window = (this.#windows.get(key) ?? []).filter((at) => at > now - limit.durationMs);
    this.#windows.set(key, window);
    if (window.length >= limit.points) return Math.max(1, Math.ceil((window[0]! + limit.durationMs - now) / 1000));
    if (record) window.push(now);
    return undefined;
  }
}
