// The queue estimate's arithmetic (src/domain/orders/queue-estimate.ts): positions, the checkouts
// until an order's vendor order (first-fit packing of 500 cards, oldest first), the pace and the latency.
import { describe, expect, it } from 'vitest';
import { checkoutsUntilLast, DEFAULT_COMPLETION_MS, estimateQueue, type QueueFacts } from '../../src/domain/orders/queue-estimate.ts';
import { CHECKOUT_PACE_MS } from '../../src/integrations/bamboo/index.ts';

const now = new Date('2026-12-03T10:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const facts = (extra: Partial<QueueFacts>): QueueFacts => ({
  status: 'pending',
  quantity: 1,
  productWaiting: true,
  quantitiesAhead: [],
  latency: null,
  ...extra,
});

describe('checkoutsUntilLast', () => {
  it('packs orders oldest first into vendor orders of up to 500 cards, a later small order filling a gap', () => {
    expect(checkoutsUntilLast([1])).toBe(1);
    expect(checkoutsUntilLast([200, 300])).toBe(1);
    expect(checkoutsUntilLast([500, 1])).toBe(2);
    expect(checkoutsUntilLast([500, 500, 1])).toBe(3);
    // 400 goes first; 200 does not fit beside it, 100 does.
    expect(checkoutsUntilLast([400, 200, 100])).toBe(1);
    expect(checkoutsUntilLast([400, 200])).toBe(2);
  });
});

describe('estimateQueue', () => {
  it('final orders and orders waiting for an operator have no estimate', () => {
    for (const status of ['completed', 'partially_completed', 'failed', 'needs_attention'] as const) {
      expect(estimateQueue(facts({ status }), now)).toEqual({ queuePosition: null, estimatedCompletionAt: null });
    }
  });

  it('an order being bought, or whose product does not wait, is done after the latency (a default without history)', () => {
    expect(estimateQueue(facts({ status: 'processing' }), now)).toEqual({ queuePosition: null, estimatedCompletionAt: at(DEFAULT_COMPLETION_MS) });
    expect(estimateQueue(facts({ productWaiting: false, latency: { p50Ms: 2_000, p90Ms: 6_000 } }), now)).toEqual({
      queuePosition: null,
      estimatedCompletionAt: at(6_000),
    });
  });

  it('a waiting order: its position among the waiting ones, one pace per checkout until the one carrying it, plus the p90 latency', () => {
    const latency = { p50Ms: 3_000, p90Ms: 8_000 };
    expect(estimateQueue(facts({ latency }), now)).toEqual({ queuePosition: 1, estimatedCompletionAt: at(CHECKOUT_PACE_MS + 8_000) });
    // Bought in the same vendor order as the two ahead: the same time, a later position.
    expect(estimateQueue(facts({ quantitiesAhead: [2, 3], latency }), now)).toEqual({
      queuePosition: 3,
      estimatedCompletionAt: at(CHECKOUT_PACE_MS + 8_000),
    });
    expect(estimateQueue(facts({ quantitiesAhead: [500, 500], latency }), now)).toEqual({
      queuePosition: 3,
      estimatedCompletionAt: at(3 * CHECKOUT_PACE_MS + 8_000),
    });
    expect(estimateQueue(facts({ quantitiesAhead: [500], quantity: 2 }), now, 1_000)).toEqual({
      queuePosition: 2,
      estimatedCompletionAt: at(2 * 1_000 + DEFAULT_COMPLETION_MS),
    });
  });
});
