// The orders of the simulator: checkout validated in Bamboo's documented order (§9.4) and accepted
// atomically by the store (balance taken, order kept, duplicate RequestIds refused); then the order
// moves on with time (lifecycle.ts) whenever it is read or swept, failed cards refunded, the
// callback sent by whichever instance finished it. Get Order reads it back in the wire format.
import { randomUUID } from 'node:crypto';
import Big from 'big.js';
import { currencyExponent } from '../../../shared/money.ts';
import { jsonDecimal } from '../json.ts';
import type { CallbackSender } from './callbacks.ts';
import { crossRate, unitPrice, type SimBrand, type SimProduct } from './catalog.ts';
import type { SimulatorClock } from './clock.ts';
import type { SimulatorFaults } from './faults.ts';
import { bambooTimestamp, decimalOut, json, reason } from './http.ts';
import { advanceOrder, type OrderUpdate } from './lifecycle.ts';
import type { ProductFault, SimOrder, SimOrderLine, SimulatorCredential } from './state.ts';
import type { OrderKey, SimulatorStore } from './store.ts';

export interface FulfilmentTiming {
  /** Created → Processing after this long, final after `completeAfterMs` (defaults 200 ms and 1 s). */
  processingAfterMs?: number;
  completeAfterMs?: number;
}

export class SimulatorOrders {
  readonly #store: SimulatorStore;
  readonly #products: Map<number, { brand: SimBrand; product: SimProduct }>;
  readonly #clock: SimulatorClock;
  readonly #faults: SimulatorFaults;
  readonly #callbacks: CallbackSender;
  readonly #timing: FulfilmentTiming;
  /** Sweeps started by the clock, awaited by `idle`. */
  readonly #sweeps = new Set<Promise<void>>();

  constructor(deps: {
    store: SimulatorStore;
    products: Map<number, { brand: SimBrand; product: SimProduct }>;
    clock: SimulatorClock;
    faults: SimulatorFaults;
    callbacks: CallbackSender;
    timing: FulfilmentTiming;
  }) {
    this.#store = deps.store;
    this.#products = deps.products;
    this.#clock = deps.clock;
    this.#faults = deps.faults;
    this.#callbacks = deps.callbacks;
    this.#timing = deps.timing;
  }

  /** Validates in the documented order (§9.4); a reason code, or the new order. */
  async place(
    credential: SimulatorCredential,
    requestId: string,
    accountId: number,
    lines: Record<string, unknown>[],
    requestFault: ProductFault | undefined,
  ): Promise<string | SimOrder> {
    if (credential.enabled === false) return 'UserNotEnabled';
    if (credential.catalogAssigned === false) return 'ClientCatalogNotExist';
    if (lines.length === 0) return 'NoProducts';
    if (await this.#store.order({ clientId: credential.clientId, requestId })) return 'OrderAlreadyExists';
    const account = (await this.#store.accounts(credential.clientId)).find((candidate) => candidate.id === accountId);
    if (!account || !account.isActive) return 'WrongAccount';

    const resolved: { brand: SimBrand; product: SimProduct; value: Big; quantity: number }[] = [];
    for (const line of lines) {
      const entry = this.#products.get(line.productid as number);
      if (!entry) return 'InvalidProductIds';
      resolved.push({ ...entry, value: new Big(String(line.value)), quantity: line.quantity as number });
    }
    for (const { product } of resolved) if (product.disabled) return 'InvalidProduct';
    for (const { product } of resolved) if (product.noClientPrice) return 'ClientPriceInvalid';
    for (const { brand, product, value } of resolved) {
      const decimals = value.toFixed().split('.')[1]?.length ?? 0;
      if (value.lt(product.minFaceValue) || value.gt(product.maxFaceValue) || decimals > currencyExponent(brand.currencyCode)) return 'InvalidDenomination';
    }
    if (resolved.reduce((sum, line) => sum + line.quantity, 0) > 500) return 'CardsLimitExceeded';
    // Stock lives with the catalog, in this instance's memory (docs/bamboo.md, "The simulator").
    const wanted = new Map<number, number>();
    for (const { product, quantity } of resolved) wanted.set(product.id, (wanted.get(product.id) ?? 0) + quantity);
    for (const [productId, quantity] of wanted) {
      const count = this.#products.get(productId)!.product.count;
      if (count !== null && count < quantity) return 'ProductIsOutOfStock';
    }

    const now = this.#clock.now();
    const processingAfter = this.#timing.processingAfterMs ?? 200;
    const fault = requestFault ?? this.#faults.productFaultOf(resolved.map(({ product }) => product.id)) ?? {};
    const completeAfter = Math.max(fault.fulfilAfterMs ?? this.#timing.completeAfterMs ?? 1_000, processingAfter);
    const ids = await this.#store.nextIds(resolved.reduce((sum, line) => sum + line.quantity, 0));
    let nextCard = 0;
    const orderLines: SimOrderLine[] = resolved.map(({ brand, product, value, quantity }) => ({
      productId: product.id,
      productName: product.name,
      discount: product.discount,
      brandName: brand.name,
      countryCode: brand.countryCode,
      currencyCode: brand.currencyCode,
      logoUrl: brand.logoUrl,
      faceValue: value.toFixed(),
      quantity,
      unitCost: unitPrice(product, value.toFixed())
        .times(crossRate(brand.currencyCode, account.currency) ?? new Big(1))
        .round(4, Big.roundHalfUp)
        .toFixed(4),
      cards: Array.from({ length: quantity }, () => ({
        id: ids.cardIds[nextCard++]!,
        serialNumber: randomUUID(),
        cardCode: null,
        pin: null,
        expiresAt: null,
        status: 'Created' as const,
      })),
    }));
    const order: SimOrder = {
      orderId: ids.orderId,
      requestId,
      clientId: credential.clientId,
      sandbox: credential.sandbox,
      accountId,
      currency: account.currency,
      status: 'Created',
      createdAt: now,
      processingAt: now + processingAfter,
      completeAt: now + completeAfter,
      releasedAt: this.#faults.isReleased(requestId) ? now : null,
      completedAt: null,
      total: orderLines.reduce((sum, line) => sum.plus(new Big(line.unitCost).times(line.quantity)), new Big(0)).toFixed(4),
      errorMessage: null,
      fault,
      lines: orderLines,
    };
    const refused = await this.#store.insertOrder(order);
    if (refused) return refused;
    for (const [productId, quantity] of wanted) {
      const product = this.#products.get(productId)!.product;
      if (product.count !== null) product.count -= quantity;
    }
    // Prompt steps (and callbacks) while this process lives; reads and the sweep cover the rest.
    this.#sweepAt(order.processingAt - now);
    this.#sweepAt(order.completeAt - now);
    if (typeof fault.holdPendingMs === 'number') this.#sweepAt(order.completeAt + fault.holdPendingMs - now);
    return order;
  }

  /** Lets an order held with `holdPendingMs: 'until-released'` finish (now, when it is Pending). */
  async release(requestId: string): Promise<void> {
    this.#faults.release(requestId);
    const now = this.#clock.now();
    for (const key of await this.#store.orderKeys(requestId)) {
      await this.#advance(key, (order) => (order.releasedAt === null ? advanceOrder({ ...order, releasedAt: now }, now) : undefined));
    }
  }

  /** The order with every step due by now applied; undefined when there is none. */
  async current(key: OrderKey): Promise<SimOrder | undefined> {
    const now = this.#clock.now();
    const order = await this.#store.order(key);
    if (!order || !advanceOrder(order, now)) return order;
    return (await this.#advance(key, (stored) => advanceOrder(stored, now)))?.order;
  }

  /** Applies the steps due by now to every order (a few hundred a run), sending the callbacks. */
  async sweep(): Promise<void> {
    const now = this.#clock.now();
    for (;;) {
      const due = await this.#store.dueOrders(now, 200);
      for (const key of due) await this.#advance(key, (order) => advanceOrder(order, now));
      if (due.length < 200) return;
    }
  }

  /** Waits for sweeps and callbacks in flight (tests). */
  async idle(): Promise<void> {
    while (this.#sweeps.size > 0) await Promise.all([...this.#sweeps]);
    await this.#callbacks.idle();
  }

  /** Get Order: the order with its cards, or OrderNotFound (a 404 when `notFoundAs404`). */
  async getOrder(credential: SimulatorCredential, requestId: string, notFoundAs404: boolean): Promise<Response> {
    const order = await this.current({ clientId: credential.clientId, requestId });
    if (!order) return notFoundAs404 ? json({ message: 'Not found' }, 404) : reason('OrderNotFound');
    return json({
      orderId: order.orderId,
      requestId: order.requestId,
      items: order.lines.map((line) => ({
        brandCode: null,
        productId: line.productId,
        productFaceValue: jsonDecimal(line.faceValue),
        quantity: line.quantity,
        pictureUrl: line.logoUrl,
        countryCode: line.countryCode,
        currencyCode: line.currencyCode,
        cards: line.cards.map((card) => ({
          id: card.id,
          serialNumber: card.serialNumber,
          cardCode: card.cardCode,
          pin: card.pin,
          expirationDate: card.expiresAt === null ? null : bambooTimestamp(card.expiresAt),
          status: card.status,
        })),
      })),
      status: order.status,
      createdDate: bambooTimestamp(order.createdAt),
      total: decimalOut(new Big(order.total)),
      errorMessage: order.errorMessage,
      orderType: order.sandbox ? 'Sandbox' : 'Production',
      currency: order.currency,
    });
  }

  /** One change under the store's lock; the instance whose change finished the order sends the callback. */
  async #advance(key: OrderKey, change: (order: SimOrder) => OrderUpdate | undefined) {
    const result = await this.#store.updateOrder(key, change);
    if (result?.update?.finished) this.#callbacks.send(result.order, await this.#store.notification(result.order.clientId));
    return result;
  }

  #sweepAt(delayMs: number): void {
    this.#clock.schedule(delayMs, () => {
      const sweep = this.sweep()
        .catch(() => undefined) // a later read or sweep does it
        .finally(() => this.#sweeps.delete(sweep));
      this.#sweeps.add(sweep);
    });
  }
}
