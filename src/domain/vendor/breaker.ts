// The vendor breaker (docs/orders.md, Vendor operations): after VENDOR_BREAKER_FAILURES failed
// Bamboo calls (no answer, or 5xx) within VENDOR_BREAKER_WINDOW_SECONDS, placements pause for
// VENDOR_BREAKER_COOLDOWN_SECONDS instead of each order burning its retries on a vendor that is
// down; then one placement is let through as a probe (half-open). The first answer from Bamboo that
// is not a failure closes it; a failure while half-open opens it again for another cool-down.
// Orders wait in `pending` (their deadline counts: one never sent by then is released, fulfilment.ts)
// and their place jobs try again after the cool-down.
//
// Shared by every process through SharedState (Redis when configured). When Redis cannot be
// reached, each process keeps its own breaker in memory until Redis answers again (like the Bamboo
// rate limiter): a vendor outage still pauses placements, per process.
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { createMemoryState, type RateLimiter, type SharedState } from '../../shared-state/index.ts';
import type { DomainEventInput } from '../events.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerView {
  state: BreakerState;
  /** While open: when the probe may go. */
  openUntil: Date | null;
  /** When it opened (open or half-open). */
  trippedAt: Date | null;
  failures: number;
  windowSeconds: number;
  cooldownSeconds: number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number; state: 'open' | 'half_open' };

export interface VendorBreaker {
  /** Before a placement's vendor calls: may it call now, or how long to wait. */
  admit(): Promise<Admission>;
  /** Every vendor call's outcome (the Bamboo client's `onCall` hook): status, or null when no answer came. */
  onCall(call: { status: number | null }): Promise<void>;
  view(): Promise<BreakerView>;
}

export type BreakerConfig = Pick<Config, 'VENDOR_BREAKER_FAILURES' | 'VENDOR_BREAKER_WINDOW_SECONDS' | 'VENDOR_BREAKER_COOLDOWN_SECONDS'>;

const KEY = {
  /** Present while open: the time (ms) the cool-down ends; expires then. */
  open: 'vendor-breaker:open',
  /** Present from opening until a good answer closes it: the time (ms) it opened. */
  tripped: 'vendor-breaker:tripped',
  /** The half-open probe's ticket: one placement at a time. */
  probe: 'vendor-breaker:probe',
  /** Marks that an opening (by its time) was announced closed: once, whichever process sees it. */
  closed: (trippedAt: string) => `vendor-breaker:closed:${trippedAt}`,
} as const;

const TRIPPED_TTL_MS = 7 * 24 * 3600 * 1000;
/** How long to retry Redis after it failed, using the in-process breaker meanwhile. */
const SHARED_RETRY_MS = 5_000;

const isFailure = (status: number | null) => status === null || status >= 500;

export function createVendorBreaker(deps: {
  state: SharedState;
  config: BreakerConfig;
  logger: Logger;
  /** Records a `vendor.breaker` event (outbox) when it opens or closes. */
  recordEvent: (event: DomainEventInput) => Promise<void>;
  now?: () => number;
}): VendorBreaker {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const windowMs = config.VENDOR_BREAKER_WINDOW_SECONDS * 1000;
  const cooldownMs = config.VENDOR_BREAKER_COOLDOWN_SECONDS * 1000;
  const local = deps.state.kind === 'memory' ? deps.state : createMemoryState();
  const limiters = new Map<SharedState, RateLimiter>();
  const failuresOf = (state: SharedState) => {
    let limiter = limiters.get(state);
    if (!limiter) {
      limiter = state.createRateLimiter({
        name: 'vendor-breaker-failures',
        points: config.VENDOR_BREAKER_FAILURES,
        durationMs: windowMs,
        window: 'sliding',
        now,
      });
      limiters.set(state, limiter);
    }
    return limiter;
  };
  let sharedFailedAt = 0;

  /** Runs `fn` on the shared state, or on this process's own while the shared one is unreachable. */
  async function withState<T>(fn: (state: SharedState) => Promise<T>): Promise<T> {
    if (deps.state !== local && now() - sharedFailedAt >= SHARED_RETRY_MS) {
      try {
        return await fn(deps.state);
      } catch (error) {
        sharedFailedAt = now();
        logger.warn({ err: error }, 'vendor breaker: shared state unreachable; this process keeps its own for now');
      }
    }
    return fn(local);
  }

  const announce = async (state: 'open' | 'closed') => {
    try {
      await deps.recordEvent({ type: 'vendor.breaker', state, failures: config.VENDOR_BREAKER_FAILURES, windowSeconds: config.VENDOR_BREAKER_WINDOW_SECONDS });
    } catch (error) {
      logger.error({ err: error, state }, 'vendor breaker: the admins could not be told');
    }
  };

  async function open(state: SharedState, reopening: boolean): Promise<void> {
    const until = now() + cooldownMs;
    if (!(await state.kv.setIfAbsent(KEY.open, String(until), cooldownMs))) return;
    await state.kv.delete(KEY.probe);
    if (reopening) {
      logger.warn({ until: new Date(until).toISOString() }, 'vendor breaker: the probe failed; open again');
      return;
    }
    await state.kv.set(KEY.tripped, String(now()), TRIPPED_TTL_MS);
    logger.error({ until: new Date(until).toISOString() }, 'vendor breaker: open; placements pause');
    await announce('open');
  }

  return {
    async admit() {
      return withState(async (state) => {
        const openUntil = await state.kv.get(KEY.open);
        if (openUntil !== undefined) return { allowed: false, retryAfterMs: Math.max(0, Number(openUntil) - now()), state: 'open' };
        if ((await state.kv.get(KEY.tripped)) === undefined) return { allowed: true };
        // Half-open: one probe at a time; the others wait a little and look again.
        if (await state.kv.setIfAbsent(KEY.probe, String(now()), cooldownMs)) return { allowed: true };
        return { allowed: false, retryAfterMs: Math.min(cooldownMs, 5_000), state: 'half_open' };
      });
    },

    async onCall({ status }) {
      // A 429 is the rate limiter's business: Bamboo answered.
      if (status === 429) return;
      await withState(async (state) => {
        const tripped = await state.kv.get(KEY.tripped);
        if (isFailure(status)) {
          const decision = await failuresOf(state).consume('vendor');
          if (tripped !== undefined && (await state.kv.get(KEY.open)) === undefined) await open(state, true);
          else if (!decision.allowed || decision.remaining === 0) await open(state, tripped !== undefined);
          return;
        }
        if (tripped === undefined) return;
        // An answer: the vendor is back. Close, and say so once per opening.
        await state.kv.delete(KEY.open);
        await state.kv.delete(KEY.probe);
        await state.kv.delete(KEY.tripped);
        if (await state.kv.setIfAbsent(KEY.closed(tripped), '1', TRIPPED_TTL_MS)) {
          logger.info('vendor breaker: closed; placements resume');
          await announce('closed');
        }
      });
    },

    async view() {
      return withState(async (state) => {
        const [openUntil, tripped] = [await state.kv.get(KEY.open), await state.kv.get(KEY.tripped)];
        return {
          state: openUntil !== undefined ? 'open' : tripped !== undefined ? 'half_open' : 'closed',
          openUntil: openUntil === undefined ? null : new Date(Number(openUntil)),
          trippedAt: tripped === undefined ? null : new Date(Number(tripped)),
          failures: config.VENDOR_BREAKER_FAILURES,
          windowSeconds: config.VENDOR_BREAKER_WINDOW_SECONDS,
          cooldownSeconds: config.VENDOR_BREAKER_COOLDOWN_SECONDS,
        };
      });
    },
  };
}
