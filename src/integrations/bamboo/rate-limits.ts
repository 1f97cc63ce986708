// Bamboo's published limits (docs/bamboo.md#vendor-facts-our-code-relies-on), enforced on our side before each call and shared
// by every process through SharedState (Redis when configured). Bamboo counts per client, so the
// limiter key is the client id. Bamboo counts in sliding windows, so we do too: at most N calls in
// any window, not per clock-aligned window (fixed windows let 2 × N through around an edge, and
// Bamboo answered that with 429). A 429 from Bamboo blocks the whole endpoint class for the wait it
// names. The "other APIs: 1 request/second" limit is applied per endpoint. While Redis is
// unreachable, each process paces itself in process to a share of the limits, so an outage neither
// stops the orders nor sends Bamboo a storm of calls it answers with 429.
import { createMemoryState } from '../../shared-state/memory.ts';
import type { RateLimiter, SharedState } from '../../shared-state/types.ts';
import { isDependencyUnavailable } from '../../shared/unavailable.ts';
import { BambooRateLimitError } from './errors.ts';

export const BAMBOO_LIMITS = {
  catalog: { points: 1, durationMs: 1_000 },
  categories: { points: 1, durationMs: 1_000 },
  accounts: { points: 1, durationMs: 1_000 },
  checkout: { points: 2, durationMs: 1_000 },
  getOrder: { points: 120, durationMs: 60_000 },
  exchangeRates: { points: 20, durationMs: 60_000 },
  transactions: { points: 4, durationMs: 3_600_000 },
  ordersReport: { points: 1, durationMs: 1_000 },
  notification: { points: 1, durationMs: 1_000 },
} as const satisfies Record<string, { points: number; durationMs: number }>;

export type EndpointClass = keyof typeof BAMBOO_LIMITS;

/** Place Order extras: a minimum gap between any two checkouts, and at most 6 per product a minute. */
export const CHECKOUT_GAP_MS = 500;
export const CHECKOUT_PER_PRODUCT = { points: 6, durationMs: 60_000 } as const;

/**
 * Bamboo counts when a request arrives, we count when it leaves: network jitter can bring calls
 * paced exactly at the limit closer together there. So every window we count is this much longer
 * than Bamboo's, and every minimum gap this much wider (tested with up to 99 ms of jitter).
 */
export const ARRIVAL_MARGIN_MS = 100;

/** Minimum gaps between two calls of a class, on top of the counted limits. */
export const MIN_GAP_MS: Partial<Record<EndpointClass, number>> = {
  checkout: CHECKOUT_GAP_MS + ARRIVAL_MARGIN_MS,
  catalog: 1_000 + ARRIVAL_MARGIN_MS,
  categories: 1_000 + ARRIVAL_MARGIN_MS,
  accounts: 1_000 + ARRIVAL_MARGIN_MS,
  ordersReport: 1_000 + ARRIVAL_MARGIN_MS,
  notification: 1_000 + ARRIVAL_MARGIN_MS,
};

export interface BambooRateLimiterOptions {
  /** Bamboo's limits count per client (credential pair): use the client id. */
  key: string;
  /** Longest a single call waits for the limiter before BambooRateLimitError (default 60 s). */
  maxWaitMs?: number;
  /** Replaces Bamboo's limits (e.g. a benchmark measuring our side only). */
  limits?: Partial<Record<EndpointClass, { points: number; durationMs: number }>>;
  /** Replaces MIN_GAP_MS (tests: 0 for no gaps). */
  minGapMs?: Partial<Record<EndpointClass, number>>;
  checkoutPerProduct?: { points: number; durationMs: number };
  /**
   * While a product has orders waiting, at most one checkout of it this often (`tryCheckout` with
   * `paced`; default: the product's minute spread evenly, 60 s / 6 = 10 s, plus `PACE_SLACK_MS`;
   * none when that is under a second, as in tests), so a busy product's orders wait about one pace for a vendor order
   * instead of the rest of a minute after a burst of six.
   */
  checkoutProductPaceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A fake clock (tests); the shared windows then count on it too. */
  now?: () => number;
  /**
   * While the shared state (Redis) is unreachable, each process paces itself in process to 1/N of
   * the limits, as if N processes called Bamboo at once. Default 2.
   */
  processesWithoutSharedState?: number;
}

/** Added to the product's pace (a minute / 6): slack for late arrivals at Bamboo. */
export const PACE_SLACK_MS = 250;

/** A paced product's gap between checkouts: its minute spread evenly, plus the slack. */
const paceMsOf = (perProduct: { points: number; durationMs: number }) => Math.ceil(perProduct.durationMs / perProduct.points) + PACE_SLACK_MS;

/** Bamboo's paced product gets a checkout every 10.25 s (the queue estimate counts on it). */
export const CHECKOUT_PACE_MS = paceMsOf(CHECKOUT_PER_PRODUCT);

/** After the shared state failed, how long a limiter paces in process before it asks the shared state again. */
export const SHARED_STATE_RETRY_MS = 5_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The windows of one place that counts calls: the shared state, or this process. */
interface Windows {
  limiters: Record<EndpointClass, RateLimiter>;
  /** A minimum gap G is a sliding window of one call per G. */
  gaps: Partial<Record<EndpointClass, RateLimiter>>;
  perProduct: RateLimiter;
  /** How many checkouts of one product `perProduct` allows per window (this share of the limit). */
  perProductPoints: number;
  /** One paced checkout per product per pace (undefined: no pace). */
  productPace: RateLimiter | undefined;
}

/** What the planner may do now about a checkout of one product (`BambooRateLimiter.tryCheckout`). */
export type CheckoutTurn = { taken: true } | { taken: false; waitMs: number; scope: 'product' | 'checkout' };

export class BambooRateLimiter {
  readonly #key: string;
  readonly #maxWaitMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #shared: Windows;
  /** Used while the shared state is unreachable: 1/N of each limit, counted in this process. */
  readonly #local: Windows;
  readonly #gapMs: Partial<Record<EndpointClass, number>>;
  readonly #processesWithoutSharedState: number;
  #sharedDownUntil = 0;

  constructor(state: SharedState, options: BambooRateLimiterOptions) {
    this.#key = options.key;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#processesWithoutSharedState = options.processesWithoutSharedState ?? 2;
    this.#gapMs = options.minGapMs ?? MIN_GAP_MS;
    this.#shared = windows(state, options, 1);
    this.#local = state.kind === 'memory' ? this.#shared : windows(createMemoryState(), options, this.#processesWithoutSharedState);
  }

  /**
   * Waits until a call to `endpoint` is allowed (for checkout: also the gap and each product's
   * quota), then takes its place. Throws BambooRateLimitError when that would take longer than
   * `maxWaitMs` (default from the options).
   */
  async acquire(endpoint: EndpointClass, options: { productIds?: readonly number[]; maxWaitMs?: number } = {}): Promise<void> {
    const deadline = this.#now() + (options.maxWaitMs ?? this.#maxWaitMs);
    for (;;) {
      const waitMs = await this.#tryAcquire(endpoint, options.productIds ?? []);
      if (waitMs === 0) return;
      if (this.#now() + waitMs > deadline) throw new BambooRateLimitError(endpoint, waitMs);
      await this.#sleep(waitMs);
    }
  }

  /**
   * The planner's question (docs/orders.md, Coalescing): may a checkout of `productId` go now? If
   * so the turn is taken (gap, checkout rate and the product's minute counted, as `acquire` would,
   * and the product's pace started) and the caller sends Place Order with `turnTaken`. `paced`
   * (the product has orders waiting) also waits for the product's pace: a busy product's six a
   * minute are spread out, not spent in a burst that leaves its queue waiting the rest of the minute. If not, nothing is spent:
   * the product's windows are looked at first without counting, so a product not yet due costs no
   * checkout slot; `scope` says whether the product or the checkout rate is what makes it wait.
   */
  async tryCheckout(productId: number, options: { paced?: boolean } = {}): Promise<CheckoutTurn> {
    const paced = options.paced === true;
    return this.#withSharedState(
      () => tryCheckout(this.#shared, this.#key, productId, paced),
      () => tryCheckout(this.#local, this.#key, productId, paced),
    );
  }

  /**
   * The call granted earlier leaves now: its class's minimum gap starts again from this moment. The
   * gap was counted when the turn was granted, but a loaded process can send it a few hundred ms
   * later (a transaction commits in between), while the next call, granted a gap after the first,
   * leaves at once: both would reach Bamboo closer than the gap (seen: 352 ms between two checkouts
   * at 10 orders/s). Never shortens a longer block.
   */
  async leaving(endpoint: EndpointClass): Promise<void> {
    const gapMs = this.#gapMs[endpoint];
    if (!gapMs) return;
    await this.#withSharedState(
      async () => this.#shared.gaps[endpoint]?.block(this.#key, gapMs),
      async () => this.#local.gaps[endpoint]?.block(this.#key, gapMs * (this.#local === this.#shared ? 1 : this.#processesWithoutSharedState)),
    );
  }

  /** After a 429: nobody calls this endpoint class until `ms` have passed (rounded up to whole seconds). */
  async block(endpoint: EndpointClass, ms: number): Promise<void> {
    // Bamboo names whole seconds ("wait for N seconds"); rounding up never calls a moment too early.
    const blockMs = Math.max(1, Math.ceil(ms / 1000)) * 1000;
    await this.#local.limiters[endpoint].block(this.#key, blockMs);
    if (this.#local !== this.#shared)
      await this.#withSharedState(
        () => this.#shared.limiters[endpoint].block(this.#key, blockMs),
        async () => undefined,
      );
  }

  /** 0 when the call may go now; otherwise how long to wait before trying again. */
  async #tryAcquire(endpoint: EndpointClass, productIds: readonly number[]): Promise<number> {
    return this.#withSharedState(
      () => tryAcquire(this.#shared, this.#key, endpoint, productIds),
      () => tryAcquire(this.#local, this.#key, endpoint, productIds),
    );
  }

  /** Runs `shared`; while the shared state is unreachable (and for a few seconds after it failed), `local` instead. */
  async #withSharedState<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.#local === this.#shared || this.#now() < this.#sharedDownUntil) return local();
    try {
      return await shared();
    } catch (error) {
      if (!isDependencyUnavailable(error)) throw error;
      this.#sharedDownUntil = this.#now() + SHARED_STATE_RETRY_MS;
      return local();
    }
  }
}

/**
 * The counted windows and gaps of every endpoint class on `state`, at 1/`processes` of each limit:
 * half the calls per window for 2 (a window of one call gets twice as long), so that many processes
 * pacing themselves apart never pass the limit together, not even in a burst.
 */
function windows(state: SharedState, options: BambooRateLimiterOptions, processes: number): Windows {
  // Without a fake clock the Redis windows count on Redis's clock: one clock for every process.
  const sliding = (name: string, limit: { points: number; durationMs: number }, marginMs = ARRIVAL_MARGIN_MS) => {
    const points = Math.max(1, Math.floor(limit.points / processes));
    const durationMs = Math.ceil((limit.durationMs * processes * points) / limit.points) + marginMs;
    return state.createRateLimiter({ name, points, durationMs, window: 'sliding', ...(options.now ? { now: options.now } : {}) });
  };
  const limits = { ...BAMBOO_LIMITS, ...options.limits };
  const perProduct = options.checkoutPerProduct ?? CHECKOUT_PER_PRODUCT;
  // A pace exactly 1/6 of the minute puts every seventh checkout on the window's edge, where an
  // arrival a little late (a loaded machine, measured up to ~250 ms) meets a 429: a quarter second more.
  const paceMs = options.checkoutProductPaceMs ?? paceMsOf(perProduct);
  return {
    limiters: Object.fromEntries(Object.entries(limits).map(([endpoint, limit]) => [endpoint, sliding(`bamboo:${endpoint}`, limit)])) as Record<
      EndpointClass,
      RateLimiter
    >,
    gaps: Object.fromEntries(
      Object.entries(options.minGapMs ?? MIN_GAP_MS)
        .filter(([, gapMs]) => gapMs > 0)
        .map(([endpoint, gapMs]) => [endpoint, sliding(`bamboo:gap:${endpoint}`, { points: 1, durationMs: gapMs }, 0)]),
    ),
    perProduct: sliding('bamboo:checkout-product', perProduct),
    perProductPoints: Math.max(1, Math.floor(perProduct.points / processes)),
    productPace: paceMs >= 1_000 ? sliding('bamboo:checkout-product-pace', { points: 1, durationMs: paceMs }, 0) : undefined,
  };
}

async function tryCheckout(windows: Windows, key: string, productId: number, paced: boolean): Promise<CheckoutTurn> {
  // Cost 0 counts nothing: it says whether one more call would fit, and when it will.
  const minute = await windows.perProduct.consume(`${key}:${productId}`, 0);
  if (!minute.allowed || minute.remaining === 0) return { taken: false, waitMs: Math.max(1, minute.retryAfterMs), scope: 'product' };
  // Unpaced only while the product's minute is nearly unused: a burst spends slots a busy product
  // then misses at the end of its minute.
  if (windows.productPace && (paced || minute.remaining < windows.perProductPoints - 1)) {
    const pace = await windows.productPace.consume(`${key}:${productId}`, 0);
    if (!pace.allowed || pace.remaining === 0) return { taken: false, waitMs: Math.max(1, pace.retryAfterMs), scope: 'product' };
  }
  const waitMs = await tryAcquire(windows, key, 'checkout', [productId]);
  if (waitMs > 0) return { taken: false, waitMs, scope: 'checkout' };
  // Every turn starts the product's pace (refused when one is running: that unpaced turn is counted by the product's window anyway).
  await windows.productPace?.consume(`${key}:${productId}`);
  return { taken: true };
}

/** 0 when the call may go now on these windows; otherwise how long to wait before trying again. */
async function tryAcquire(windows: Windows, key: string, endpoint: EndpointClass, productIds: readonly number[]): Promise<number> {
  const gap = windows.gaps[endpoint];
  if (gap) {
    // The gap first: losing the race costs nothing, and the counted quotas are not spent.
    const decision = await gap.consume(key);
    if (!decision.allowed) return decision.retryAfterMs;
  }
  const decision = await windows.limiters[endpoint].consume(key);
  if (!decision.allowed) return decision.retryAfterMs;
  for (const productId of new Set(productIds)) {
    const product = await windows.perProduct.consume(`${key}:${productId}`);
    if (!product.allowed) return product.retryAfterMs;
  }
  return 0;
}

/**
 * How long Bamboo asks us to wait after a 429: the Retry-After header (seconds or an HTTP date),
 * else "wait (for) N second(s)" in the body text. undefined when neither says.
 */
export function parseRetryAfterMs(headers: Headers, bodyText: string, now = Date.now()): number | undefined {
  const header = headers.get('retry-after')?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const match = /wait\s+(?:for\s+)?(\d+)\s+seconds?/i.exec(bodyText);
  return match ? Number(match[1]) * 1000 : undefined;
}
