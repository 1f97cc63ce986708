// Redis away: the Bamboo limiter keeps the orders moving at a share of the limits, counted in process
// (two processes pacing themselves apart stay within Bamboo's limits together), and goes back to the
// shared windows once Redis answers again.
import { describe, expect, it } from 'vitest';
import { BambooRateLimiter, SHARED_STATE_RETRY_MS } from '../../../src/integrations/bamboo/rate-limits.ts';
import { createMemoryState, type RateLimiter, type SharedState } from '../../../src/shared-state/index.ts';

/** A shared state that can be cut like an unreachable Redis; counts the calls that reached it. */
function cuttableState() {
  const inner = createMemoryState();
  const control = { down: false, reached: 0 };
  const unreachable = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
  const state: SharedState = {
    ...inner,
    kind: 'redis',
    createRateLimiter(options): RateLimiter {
      const limiter = inner.createRateLimiter(options);
      return {
        consume: (key, points) => (control.down ? unreachable() : ((control.reached += 1), limiter.consume(key, points))),
        block: (key, ms) => (control.down ? unreachable() : limiter.block(key, ms)),
      };
    },
  };
  return { state, control };
}

/** The most calls within any window of `windowMs` (every window, not only aligned ones). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last += 1) {
    while (times[last]! - times[first]! >= windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('the Bamboo limiter without its shared state', () => {
  it('paces each process to half of the limits in process, then uses the shared windows again', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const { state, control } = cuttableState();
    const processes = [1, 2].map(() => new BambooRateLimiter(state, { key: 'client', now: clock.now, sleep: clock.sleep, maxWaitMs: 600_000 }));
    const calls: number[] = [];

    control.down = true;
    const end = now + 5 * 60_000;
    // Two processes take turns flat out for five minutes of vendor time (each on its own clock
    // share: the clock moves when either waits).
    while (now < end) {
      for (const limiter of processes) {
        await limiter.acquire('getOrder');
        calls.push(now);
      }
    }
    // Together within Bamboo's 120 Get Order a minute in every window, and still moving orders.
    expect(busiestWindow(calls, 60_000)).toBeLessThanOrEqual(120);
    expect(calls.length).toBeGreaterThan(500);
    expect(control.reached).toBe(0);

    control.down = false;
    now += SHARED_STATE_RETRY_MS;
    await processes[0]!.acquire('getOrder');
    expect(control.reached).toBeGreaterThan(0);
  });

  it('a process alone gets half of each limit, a one-a-second class one call every two seconds', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const { state, control } = cuttableState();
    control.down = true;
    const limiter = new BambooRateLimiter(state, { key: 'client', now: () => now, sleep: async (ms) => void (now += ms) });
    const times: number[] = [];
    for (let call = 0; call < 20; call += 1) {
      await limiter.acquire('catalog');
      times.push(now);
    }
    const gaps = times.slice(1).map((at, index) => at - times[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2_000);
  });

  it('with no shared state configured (one process) the full limits apply', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const limiter = new BambooRateLimiter(createMemoryState(), { key: 'client', now: () => now, sleep: async (ms) => void (now += ms) });
    const start = now;
    for (let call = 0; call < 120; call += 1) await limiter.acquire('getOrder');
    expect(now - start).toBe(0);
  });
});
