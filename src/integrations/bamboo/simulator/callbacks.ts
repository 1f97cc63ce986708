// Completion callbacks: when an order reaches a final status, POST it to the client's notification
// URL (the sandbox one for sandbox credentials), and remember what was sent and how it went. The
// instance whose change finished the order sends it, once (orders.ts).
import type { SimulatorClock } from './clock.ts';
import { bambooTimestamp } from './http.ts';
import type { NotificationSettings, SimOrder } from './state.ts';

export interface CallbackRecord {
  url: string;
  body: Record<string, unknown>;
  status?: number;
  error?: string;
}

export interface CallbackOptions {
  /** Sends the completion callbacks (default global fetch). */
  callbackFetch?: (request: Request) => Promise<Response>;
  /** Status text in callbacks: the docs example is lowercase ("succeeded"). */
  callbackStatusCase?: 'lower' | 'pascal';
}

export class CallbackSender {
  /** Every callback sent, in order. */
  readonly records: CallbackRecord[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #clock: SimulatorClock;
  readonly #options: CallbackOptions;

  constructor(clock: SimulatorClock, options: CallbackOptions) {
    this.#clock = clock;
    this.#options = options;
  }

  /** Sends the callback of a finished order, when its client set a URL. */
  send(order: SimOrder, settings: NotificationSettings | undefined): void {
    const url = order.sandbox ? settings?.notificationUrlSandbox || settings?.notificationUrl : settings?.notificationUrl;
    if (!settings || !url) return;
    const status = this.#options.callbackStatusCase === 'pascal' ? order.status : order.status.toLowerCase();
    const body = {
      orderId: order.orderId,
      status,
      totalCards: order.lines.reduce((sum, line) => sum + line.quantity, 0),
      createdOn: bambooTimestamp(order.createdAt),
      completedOn: bambooTimestamp(order.completedAt ?? this.#clock.now()),
      secretKey: settings.secretKey,
      requestId: order.requestId,
    };
    const record: CallbackRecord = { url, body };
    this.records.push(record);
    const send = this.#options.callbackFetch ?? ((callback: Request) => fetch(callback));
    const pending = send(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
      .then((response) => {
        record.status = response.status;
      })
      .catch((error: unknown) => {
        record.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => this.#pending.delete(pending));
    this.#pending.add(pending);
  }

  /** Waits for callbacks in flight. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
