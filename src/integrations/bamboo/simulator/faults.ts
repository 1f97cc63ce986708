// Faults tests ask for: per product (how its orders are fulfilled) and per request (a delay, a 5xx
// before or after the order is committed, a hang, a 429), consumed by the requests they match, and
// the orders held Pending until released.
import type { SimEndpoint } from './http.ts';
import type { ProductFault } from './state.ts';

/** A fault for the next matching request(s). */
export interface RequestFault {
  endpoint?: SimEndpoint;
  /** Checkout or Get Order with this RequestId. */
  requestId?: string;
  /** Answer after this many ms (simulator's sleep). */
  delayMs?: number;
  /** Answer with this 5xx. With `afterCommit` a checkout creates the order first (the ambiguous case). */
  status?: 500 | 502 | 503 | 504;
  afterCommit?: boolean;
  /** Never answer (until the caller gives up and aborts); with `afterCommit` a checkout creates the order first. */
  hang?: boolean;
  /** Answer 429 asking to wait this many seconds. */
  rateLimitSeconds?: number;
  /** Fulfilment fault for the order this checkout creates. */
  order?: ProductFault;
  /** How many requests this applies to (default 1). */
  times?: number;
}

export class SimulatorFaults {
  readonly #requestFaults: RequestFault[] = [];
  readonly #productFaults = new Map<number, ProductFault>();
  readonly #released = new Set<string>();

  setProductFault(productId: number, fault: ProductFault | undefined): void {
    if (fault) this.#productFaults.set(productId, fault);
    else this.#productFaults.delete(productId);
  }

  /** The fault of the first of these products that has one. */
  productFaultOf(productIds: number[]): ProductFault | undefined {
    return productIds.map((id) => this.#productFaults.get(id)).find(Boolean);
  }

  inject(fault: RequestFault): void {
    this.#requestFaults.push({ times: 1, ...fault });
  }

  /** The next queued fault for a request before its body is read: one naming a RequestId matches only Get Order. */
  takeForRequest(endpoint: SimEndpoint, getOrderRequestId: string | undefined): RequestFault | undefined {
    return this.#consume(
      (fault) =>
        (!fault.endpoint || fault.endpoint === endpoint) && (!fault.requestId || (getOrderRequestId !== undefined && fault.requestId === getOrderRequestId)),
    );
  }

  /** The next queued fault for a checkout with this RequestId (known once the body is read). */
  takeForCheckout(requestId: string): RequestFault | undefined {
    return this.#consume((fault) => fault.requestId === requestId && (!fault.endpoint || fault.endpoint === 'checkout'));
  }

  release(requestId: string): void {
    this.#released.add(requestId);
  }

  isReleased(requestId: string): boolean {
    return this.#released.has(requestId);
  }

  #consume(matches: (fault: RequestFault) => boolean): RequestFault | undefined {
    const index = this.#requestFaults.findIndex(matches);
    if (index < 0) return undefined;
    const fault = this.#requestFaults[index]!;
    if ((fault.times = (fault.times ?? 1) - 1) <= 0) this.#requestFaults.splice(index, 1);
    return fault;
  }
}

/**
 * The fault triggers partners with a test key choose through an order's `referenceId` (docs/api.md,
 * Sandbox): the reference's first word (up to a space or `/`), so `sim:fail/42` and `sim:fail/43`
 * are two orders with the same trigger. `order` shapes fulfilment; `firstAnswer` is what the first
 * checkout of the order gets (a retry with the same RequestId then goes through).
 */
export interface FaultTrigger {
  order?: ProductFault;
  firstAnswer?: Omit<RequestFault, 'order' | 'times' | 'endpoint' | 'requestId'>;
}

export const FAULT_TRIGGERS = [
  'sim:fail',
  'sim:partial',
  'sim:delay=<seconds>',
  'sim:pending-past-deadline',
  'sim:429',
  'sim:5xx-then-ok',
  'sim:timeout-after-commit',
] as const;

export function parseFaultTrigger(reference: string | undefined): FaultTrigger | undefined {
  const word = reference?.trim().split(/[\s/]/, 1)[0]?.toLowerCase() ?? '';
  if (!word.startsWith('sim:')) return undefined;
  const delay = /^sim:delay=(\d{1,4})$/.exec(word);
  if (delay && Number(delay[1]) <= 3_600) return { order: { fulfilAfterMs: Number(delay[1]) * 1_000 } };
  switch (word) {
    case 'sim:fail':
      return { order: { outcome: 'fail' } };
    case 'sim:partial':
      return { order: { outcome: 'partial-fail', failedCards: 1 } };
    case 'sim:pending-past-deadline':
      return { order: { holdPendingMs: 'until-released' } };
    case 'sim:429':
      return { firstAnswer: { rateLimitSeconds: 2 } };
    case 'sim:5xx-then-ok':
      return { firstAnswer: { status: 503 } };
    case 'sim:timeout-after-commit':
      return { firstAnswer: { hang: true, afterCommit: true } };
    default:
      return undefined;
  }
}
