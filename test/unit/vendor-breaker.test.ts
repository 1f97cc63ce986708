// The vendor breaker across processes (two breakers on one Redis, as two workers), its half-open
// probe (one at a time; a failed probe opens it again without a second announcement; an answer
// closes it, announced once), and a Redis that cannot be reached (each process keeps its own).
import { describe, expect, it } from 'vitest';
import type { DomainEventInput } from '../../src/domain/events.ts';
import { createVendorBreaker } from '../../src/domain/vendor/breaker.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryState, createRedisState, type SharedState } from '../../src/shared-state/index.ts';
import { testRedisPrefix } from '../support/db.ts';

const config = { VENDOR_BREAKER_FAILURES: 3, VENDOR_BREAKER_WINDOW_SECONDS: 30, VENDOR_BREAKER_COOLDOWN_SECONDS: 1 };
const logger = createLogger({ level: 'silent', pretty: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function breakerOn(state: SharedState, told: DomainEventInput[]) {
  return createVendorBreaker({ state, config, logger, recordEvent: async (event) => void told.push(event) });
}

describe('the vendor breaker', () => {
  it.runIf(process.env.REDIS_URL)('is shared by two processes through Redis: failures add up, one opens it, one probe, told once each way', async () => {
    const prefix = testRedisPrefix('breaker');
    const [stateA, stateB] = [createRedisState(process.env.REDIS_URL!, prefix), createRedisState(process.env.REDIS_URL!, prefix)];
    const told: DomainEventInput[] = [];
    const [a, b] = [breakerOn(stateA, told), breakerOn(stateB, told)];
    try {
      await a.onCall({ status: 502 });
      await b.onCall({ status: null });
      await b.onCall({ status: 429 }); // the rate limiter's business, not a failure
      expect(await a.admit()).toEqual({ allowed: true });
      await a.onCall({ status: 503 });
      expect(await b.admit()).toMatchObject({ allowed: false, state: 'open' });
      expect((await b.view()).state).toBe('open');

      await sleep(1_100);
      // Half-open: one probe, whichever process asks first; the other waits.
      expect(await b.admit()).toEqual({ allowed: true });
      expect(await a.admit()).toMatchObject({ allowed: false, state: 'half_open' });
      // The probe fails: open again for a cool-down, not announced again.
      await b.onCall({ status: 500 });
      expect(await a.admit()).toMatchObject({ allowed: false, state: 'open' });

      await sleep(1_100);
      expect(await a.admit()).toEqual({ allowed: true });
      await a.onCall({ status: 200 });
      await b.onCall({ status: 200 });
      expect(await b.admit()).toEqual({ allowed: true });
      expect((await a.view()).state).toBe('closed');
      expect(told.map((event) => (event as { state: string }).state)).toEqual(['open', 'closed']);
    } finally {
      await stateA.close();
      await stateB.close();
    }
  });

  it('keeps working in process while its Redis cannot be reached', async () => {
    const inner = createMemoryState();
    const unreachable = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
    const down: SharedState = {
      ...inner,
      kind: 'redis',
      kv: { get: unreachable, set: unreachable, setIfAbsent: unreachable, delete: unreachable },
      createRateLimiter: () => ({ consume: unreachable, block: unreachable }),
    };
    const told: DomainEventInput[] = [];
    const breaker = breakerOn(down, told);
    for (let call = 0; call < 3; call += 1) await breaker.onCall({ status: 504 });
    expect(await breaker.admit()).toMatchObject({ allowed: false, state: 'open' });
    expect(told).toEqual([{ type: 'vendor.breaker', state: 'open', failures: 3, windowSeconds: 30 }]);
  });
});
