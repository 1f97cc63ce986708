// The life of an accepted order as a function of time: Created until `processingAt`, Processing
// until `completeAt`, then final, or Pending first when its fault holds it. Each order carries its
// own times, so whichever simulator instance reads it (or sweeps it) moves it on the same way, and a
// restart loses nothing. Pure: the stores (store.ts, pg-store.ts) save what this returns.
import { createHash } from 'node:crypto';
import Big from 'big.js';
import type { SimCard, SimOrder, SimOrderStatus } from './state.ts';

/** What an order becomes, and what goes back to its account (failed cards), as of `at`. */
export interface OrderUpdate {
  order: SimOrder;
  refund: Big;
  at: number;
  /** It just reached a final status: its callback is due. */
  finished: boolean;
}

const FINAL = new Set<SimOrderStatus>(['Succeeded', 'Failed', 'PartialFailed']);
const RANK: Record<SimOrderStatus, number> = { Created: 0, Processing: 1, Pending: 2, Succeeded: 3, Failed: 3, PartialFailed: 3 };

export const isFinal = (status: SimOrderStatus) => FINAL.has(status);

/** When a not-yet-final order finishes; undefined while a hold waits for `release`. */
function finishTime(order: SimOrder): number | undefined {
  const hold = order.fault.holdPendingMs;
  if (hold === undefined) return order.completeAt;
  if (order.releasedAt !== null) {
    const releasedBy = hold === 'until-released' ? order.releasedAt : Math.min(order.releasedAt, order.completeAt + hold);
    return Math.max(order.completeAt, releasedBy);
  }
  return hold === 'until-released' ? undefined : order.completeAt + hold;
}

/** When the order next changes by itself (null: final, or held until released). */
export function nextStepAt(order: SimOrder): number | null {
  if (isFinal(order.status)) return null;
  if (order.status === 'Created') return order.processingAt;
  if (order.status === 'Processing') return order.completeAt;
  return finishTime(order) ?? null;
}

/** The order as of `now`, or undefined when nothing is due. Never moves an order back. */
export function advanceOrder(order: SimOrder, now: number): OrderUpdate | undefined {
  if (isFinal(order.status)) return undefined;
  const finishAt = finishTime(order);
  if (finishAt !== undefined && now >= finishAt) return finish(order, finishAt);
  const status: SimOrderStatus = now < order.processingAt ? 'Created' : now < order.completeAt ? 'Processing' : 'Pending';
  if (RANK[status] <= RANK[order.status]) return undefined;
  const cardStatus = status === 'Created' ? 'Created' : 'Processing';
  const lines = order.lines.map((line) => ({ ...line, cards: line.cards.map((card) => ({ ...card, status: cardStatus }) satisfies SimCard) }));
  return { order: { ...order, status, lines }, refund: new Big(0), at: now, finished: false };
}

/** The final status: the fault's failed cards (the last ones) refunded, the others sold with a code. */
function finish(order: SimOrder, at: number): OrderUpdate {
  const cardCount = order.lines.reduce((sum, line) => sum + line.cards.length, 0);
  const failing =
    order.fault.outcome === 'fail' ? cardCount : order.fault.outcome === 'partial-fail' ? Math.min(order.fault.failedCards ?? 1, cardCount - 1) : 0;
  let refund = new Big(0);
  let index = 0;
  const lines = order.lines.map((line) => ({
    ...line,
    cards: line.cards.map((card): SimCard => {
      index += 1;
      if (index > cardCount - failing) {
        refund = refund.plus(line.unitCost);
        return { ...card, status: 'Failed' };
      }
      return {
        ...card,
        status: 'Sold',
        // Test data, derived from the card so every instance tells the same code.
        cardCode: createHash('sha256').update(`${card.serialNumber}:${card.id}`).digest('hex').slice(0, 32).toUpperCase(),
        pin: String(100 + (card.id % 900)),
        expiresAt: order.createdAt + 365 * 86_400_000,
      };
    }),
  }));
  const status: SimOrderStatus = failing === 0 ? 'Succeeded' : failing === cardCount ? 'Failed' : 'PartialFailed';
  const errorMessage =
    status === 'Failed'
      ? 'The order could not be fulfilled: no cards were purchased.'
      : status === 'PartialFailed'
        ? `${failing} of ${cardCount} cards could not be purchased.`
        : null;
  const total = new Big(order.total).minus(refund).toFixed(4);
  return { order: { ...order, status, lines, errorMessage, completedAt: at, total }, refund, at, finished: true };
}
