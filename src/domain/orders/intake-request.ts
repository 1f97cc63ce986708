// One order create as the intake carries it (src/domain/orders/intake.ts): the input, the checks
// that need no database (who orders, quantity, reference, a product id the database can take) and
// what the caller's configuration decides (deadline, order fee).
import type { AppContext } from '../../context.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import type { Order } from './orders.ts';

export const MAX_QUANTITY = 500;
/** Client references (the API's Idempotency-Key / referenceId) are kept up to this length. */
export const MAX_REFERENCE_LENGTH = 255;
const MAX_INT8 = 2n ** 63n - 1n;

export interface CreateOrderInput {
  buyerId: string;
  actor: Actor;
  /** The buyer's own reference for this order (bot: the confirmation's id; API: Idempotency-Key / clientReference). */
  clientReference: string;
  productId: bigint | number;
  /** Denomination in the product's currency. */
  face: Money;
  quantity: number;
  /** Refuse when the total would be higher (partners' maxPrice / expectedTotal), in the wallet currency. */
  maxTotal?: Money;
}

export type OrderIntakeContext = Pick<AppContext, 'db' | 'jobs' | 'config' | 'state' | 'logger' | 'events'>;

/** One create as a batch carries it: the input and what its caller's configuration decides. */
export interface IntakeRequest {
  input: CreateOrderInput;
  fingerprint: string;
  deadlineSeconds: number;
  orderFee: { amount: string; currency: string };
}

/** An intake's answer; `spentToday` (the buyer's day including this order) only for a new order. */
export interface IntakeResult {
  order: Order;
  created: boolean;
  spentToday?: bigint;
}

/** Checks what needs no database (who orders, quantity, reference) and fixes the request. */
export function intakeRequest(ctx: OrderIntakeContext, input: CreateOrderInput): IntakeRequest {
  if (input.actor.accountId !== input.buyerId) throw new DomainError('forbidden', 'orders are placed by the buyer itself');
  const maxQuantity = input.actor.channel === 'telegram' ? ctx.config.BOT_MAX_QUANTITY : MAX_QUANTITY;
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > maxQuantity) {
    throw new DomainError('invalid_quantity', `the quantity must be 1 to ${maxQuantity}`, { max: maxQuantity });
  }
  if (input.clientReference.length < 1 || input.clientReference.length > MAX_REFERENCE_LENGTH) {
    throw new DomainError('invalid_reference', `a client reference of 1 to ${MAX_REFERENCE_LENGTH} characters is required`);
  }
  // Checked here, not by the batch's read: an id the database cannot take would fail the whole batch.
  const productId = typeof input.productId === 'bigint' || Number.isSafeInteger(input.productId) ? BigInt(input.productId) : -1n;
  if (productId < 1n || productId > MAX_INT8)
    throw new DomainError('product_not_found', `no product ${input.productId}`, { productId: String(input.productId) });
  return {
    input,
    fingerprint: JSON.stringify([
      String(input.productId),
      input.face.currency,
      String(input.face.amount),
      input.quantity,
      input.maxTotal ? formatMoney(input.maxTotal) : null,
    ]),
    deadlineSeconds: ctx.config.ORDER_DEADLINE_SECONDS,
    orderFee: { amount: ctx.config.ORDER_FEE, currency: ctx.config.SETTLEMENT_CURRENCY },
  };
}

/** The refusal of a reference already used for a different order (or cart: `details.cartId`). */
export const referenceConflict = (reference: string, details: { orderId: string } | { cartId: string }) =>
  new DomainError('idempotency_conflict', `reference ${reference} was already used for a different order`, details);

export const conflictOf = (input: CreateOrderInput, orderId: string) => referenceConflict(input.clientReference, { orderId });
