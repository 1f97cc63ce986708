// The life of a simulated order: validated in Bamboo's documented order (§9.4), accepted with stock
// and balance taken at once, then Created → Processing → (Pending) → Succeeded / Failed /
// PartialFailed on the simulator's clock, failed cards refunded, the callback sent. Get Order reads
// it back in the wire format.
import { createHash, randomUUID } from 'node:crypto';
import Big from 'big.js';
import { currencyExponent } from '../../../shared/money.ts';
import { jsonDecimal } from '../json.ts';
import type { CallbackSender } from './callbacks.ts';
import { crossRate, unitPrice, type SimBrand, type SimProduct } from './catalog.ts';
import type { SimulatorClock } from './clock.ts';
import type { SimulatorFaults } from './faults.ts';
import { bambooTimestamp, decimalOut, json, reason } from './http.ts';
import type { ProductFault, SimOrder, SimOrderLine, SimulatorCredential, SimulatorState } from './state.ts';

export interface FulfilmentTiming {
  /** Created → Processing after this long, final after `completeAfterMs` (defaults 200 ms and 1 s). */
  processingAfterMs?: number;
  completeAfterMs?: number;
}

export class SimulatorOrders {
  readonly #state: SimulatorState;
  readonly #clock: SimulatorClock;
  readonly #faults: SimulatorFaults;
  readonly #callbacks: CallbackSender;
  readonly #timing: FulfilmentTiming;

  constructor(deps: { state: SimulatorState; clock: SimulatorClock; faults: SimulatorFaults; callbacks: CallbackSender; timing: FulfilmentTiming }) {
    this.#state = deps.state;
    this.#clock = deps.clock;
    this.#faults = deps.faults;
    this.#callbacks = deps.callbacks;
    this.#timing = deps.timing;
  }

  /** Validates in the documented order (§9.4); a reason code, or the new order. */
  place(
    credential: SimulatorCredential,
    requestId: string,
    accountId: number,
    lines: Record<string, unknown>[],
    requestFault: ProductFault | undefined,
  ): string | SimOrder {
    if (credential.enabled === false) return 'UserNotEnabled';
    if (credential.catalogAssigned === false) return 'ClientCatalogNotExist';
    if (lines.length === 0) return 'NoProducts';
    const orderKey = `${credential.clientId}:${requestId}`;
    if (this.#state.orders.has(orderKey)) return 'OrderAlreadyExists';
    const account = this.#state.accounts.get(accountId);
    if (!account || !account.isActive || account.credential.clientId !== credential.clientId) return 'WrongAccount';

    const resolved: { brand: SimBrand; product: SimProduct; value: Big; quantity: number }[] = [];
    for (const line of lines) {
      const entry = this.#state.products.get(line.productid as number);
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
    const wanted = new Map<number, number>();
    for (const { product, quantity } of resolved) wanted.set(product.id, (wanted.get(product.id) ?? 0) + quantity);
    for (const [productId, quantity] of wanted) {
      const count = this.#state.products.get(productId)!.product.count;
      if (count !== null && count < quantity) return 'ProductIsOutOfStock';
    }
    const orderLines: SimOrderLine[] = resolved.map(({ brand, product, value, quantity }) => {
      const rate = crossRate(brand.currencyCode, account.currency) ?? new Big(1);
      return {
        brand,
        product,
        faceValue: value.toFixed(),
        quantity,
        unitCost: unitPrice(product, value.toFixed()).times(rate).round(4, Big.roundHalfUp),
        cards: [],
      };
    });
    const cost = orderLines.reduce((sum, line) => sum.plus(line.unitCost.times(line.quantity)), new Big(0));
    if (cost.gt(account.balance)) return 'InsufficientBalance';

    // Accepted: stock and balance move now, cards come later.
    for (const [productId, quantity] of wanted) {
      const product = this.#state.products.get(productId)!.product;
      if (product.count !== null) product.count -= quantity;
    }
    account.balance = account.balance.minus(cost);
    const now = this.#clock.now();
    const fault = requestFault ?? this.#faults.productFaultOf(orderLines) ?? {};
    const order: SimOrder = {
      orderId: this.#state.nextOrderId(),
      requestId,
      credential,
      accountId,
      currency: account.currency,
      status: 'Created',
      createdAt: now,
      completedAt: null,
      total: cost,
      errorMessage: null,
      lines: orderLines,
      fault,
    };
    for (const line of orderLines) {
      line.cards = Array.from({ length: line.quantity }, () => ({
        id: this.#state.nextCardId(),
        serialNumber: randomUUID(),
        cardCode: null,
        pin: null,
        expiresAt: null,
        status: 'Created' as const,
      }));
    }
    this.#state.orders.set(orderKey, order);
    this.#state.record('Order', order, cost.times(-1), account, this.#clock.now());
    this.#scheduleFulfilment(order);
    return order;
  }

  /** Lets an order held with `holdPendingMs: 'until-released'` finish. */
  release(requestId: string): void {
    this.#faults.release(requestId);
    for (const order of this.#state.orders.values()) if (order.requestId === requestId && order.status === 'Pending') this.#finish(order);
  }

  /** Get Order: the order with its cards, or OrderNotFound (a 404 when `notFoundAs404`). */
  getOrder(credential: SimulatorCredential, requestId: string, notFoundAs404: boolean): Response {
    const order = this.#state.orders.get(`${credential.clientId}:${requestId}`);
    if (!order) return notFoundAs404 ? json({ message: 'Not found' }, 404) : reason('OrderNotFound');
    return json({
      orderId: order.orderId,
      requestId: order.requestId,
      items: order.lines.map((line) => ({
        brandCode: null,
        productId: line.product.id,
        productFaceValue: jsonDecimal(line.faceValue),
        quantity: line.quantity,
        pictureUrl: line.brand.logoUrl,
        countryCode: line.brand.countryCode,
        currencyCode: line.brand.currencyCode,
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
      total: decimalOut(order.total),
      errorMessage: order.errorMessage,
      orderType: order.credential.sandbox ? 'Sandbox' : 'Production',
      currency: order.currency,
    });
  }

  #scheduleFulfilment(order: SimOrder): void {
    const processingAfter = this.#timing.processingAfterMs ?? 200;
    const completeAfter = order.fault.fulfilAfterMs ?? this.#timing.completeAfterMs ?? 1_000;
    this.#clock.schedule(processingAfter, () => {
      order.status = 'Processing';
      for (const card of order.lines.flatMap((line) => line.cards)) card.status = 'Processing';
    });
    this.#clock.schedule(Math.max(completeAfter, processingAfter), () => {
      const hold = order.fault.holdPendingMs;
      if (hold === undefined || this.#faults.isReleased(order.requestId)) return this.#finish(order);
      order.status = 'Pending';
      if (hold !== 'until-released') this.#clock.schedule(hold, () => this.#finish(order));
    });
  }

  #finish(order: SimOrder): void {
    if (['Succeeded', 'Failed', 'PartialFailed'].includes(order.status)) return;
    const cards = order.lines.flatMap((line) => line.cards.map((card) => ({ line, card })));
    const failing =
      order.fault.outcome === 'fail' ? cards.length : order.fault.outcome === 'partial-fail' ? Math.min(order.fault.failedCards ?? 1, cards.length - 1) : 0;
    let refund = new Big(0);
    cards.forEach(({ line, card }, index) => {
      if (index >= cards.length - failing) {
        card.status = 'Failed';
        refund = refund.plus(line.unitCost);
        return;
      }
      card.status = 'Sold';
      card.cardCode = createHash('sha256').update(`${card.serialNumber}:${card.id}`).digest('hex').slice(0, 32).toUpperCase();
      card.pin = String(100 + (card.id % 900));
      card.expiresAt = order.createdAt + 365 * 86_400_000;
    });
    order.completedAt = this.#clock.now();
    if (failing === 0) order.status = 'Succeeded';
    else if (failing === cards.length) {
      order.status = 'Failed';
      order.errorMessage = 'The order could not be fulfilled: no cards were purchased.';
    } else {
      order.status = 'PartialFailed';
      order.errorMessage = `${failing} of ${cards.length} cards could not be purchased.`;
    }
    if (refund.gt(0)) {
      const account = this.#state.accounts.get(order.accountId)!;
      account.balance = account.balance.plus(refund);
      order.total = order.total.minus(refund);
      this.#state.record('Refund', order, refund, account, this.#clock.now());
    }
    this.#callbacks.send(order, this.#state.notification.get(order.credential.clientId));
  }
}
