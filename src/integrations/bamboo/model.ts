// What the Bamboo client returns: the wire shapes mapped to our vocabulary. Amounts become Money
// (minor units, half-up from Bamboo's 4+ decimals, via parseMoney only); rates stay decimal strings.
import type { z } from 'zod';
import { MoneyError, parseMoney, type Money } from '../../shared/money.ts';
import type {
  wireAccounts,
  wireBrand,
  wireCard,
  wireCatalogPage,
  wireExchangeRates,
  wireOrder,
  wireOrdersReport,
  wireProduct,
  wireTransactions,
} from './wire.ts';

export const ORDER_FINAL_STATUSES = ['Succeeded', 'Failed', 'PartialFailed'] as const;
export type FinalOrderStatus = (typeof ORDER_FINAL_STATUSES)[number];
/** Known statuses plus anything Bamboo may add (e.g. the undocumented `CheckingOut`): non-final. */
export type OrderStatus = 'Created' | 'Processing' | 'Pending' | FinalOrderStatus | (string & {});

/** Final statuses matched case-insensitively (the callback example uses "succeeded"). */
export function finalStatus(status: string): FinalOrderStatus | undefined {
  return ORDER_FINAL_STATUSES.find((known) => known.toLowerCase() === status.trim().toLowerCase());
}

export const REASON_CODES = [
  'WrongAccount',
  'InsufficientBalance',
  'InvalidProductIds',
  'InvalidProduct',
  'InvalidDenomination',
  'NoProducts',
  'OrderAlreadyExists',
  'ClientCatalogNotExist',
  'OrderNotFound',
  'CardsLimitExceeded',
  'ProductIsOutOfStock',
  'ClientPriceInvalid',
  'UserNotEnabled',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const isReasonCode = (value: string): value is ReasonCode => (REASON_CODES as readonly string[]).includes(value);

/**
 * The reason codes that mean Place Order did not create the order. Not `OrderAlreadyExists` (the
 * RequestId may be our own earlier attempt that went through) nor `OrderNotFound` (not a checkout
 * answer): those, and any other 400 text, leave the outcome unknown.
 */
export type CheckoutRejection = Exclude<ReasonCode, 'OrderAlreadyExists' | 'OrderNotFound'>;
export const CHECKOUT_REJECTIONS: readonly CheckoutRejection[] = REASON_CODES.filter(
  (code): code is CheckoutRejection => code !== 'OrderAlreadyExists' && code !== 'OrderNotFound',
);

export const isCheckoutRejection = (value: string): value is CheckoutRejection => (CHECKOUT_REJECTIONS as readonly string[]).includes(value);

const toMoney = (value: string, currency: string): Money => parseMoney(value, currency.toUpperCase(), 'half-up');

export interface CatalogProduct {
  id: number;
  name: string;
  /** Face value bounds in the brand's currency; equal for a fixed denomination. */
  faceValue: { min: Money; max: Money };
  /** Our cost range (Bamboo's client price) in its own currency. */
  price: { min: Money; max: Money };
  /** null: unlimited; 0: out of stock. */
  stock: number | null;
  modifiedAt: Date | null;
}

export interface CatalogBrand {
  internalId: string | null;
  name: string;
  countryCode: string;
  currencyCode: string;
  description: string | null;
  disclaimer: string | null;
  redemptionInstructions: string | null;
  terms: string | null;
  logoUrl: string | null;
  modifiedAt: Date | null;
  categories: { id: number; name: string; description: string | null }[];
  products: CatalogProduct[];
}

export interface CatalogPage {
  pageIndex: number;
  pageSize: number;
  /** Total matching brands (not products) over all pages. */
  totalBrands: number;
  brands: CatalogBrand[];
  /** Products left out because an amount or currency could not be read (we cannot price them). */
  skipped: { productId: number; reason: string }[];
}

function mapProduct(product: z.output<typeof wireProduct>, brandCurrency: string): CatalogProduct {
  return {
    id: product.id,
    name: product.name,
    faceValue: { min: toMoney(product.minFaceValue, brandCurrency), max: toMoney(product.maxFaceValue, brandCurrency) },
    price: { min: toMoney(product.price.min, product.price.currencyCode), max: toMoney(product.price.max, product.price.currencyCode) },
    stock: product.count,
    modifiedAt: product.modifiedDate,
  };
}

function mapBrand(brand: z.output<typeof wireBrand>, skipped: CatalogPage['skipped']): CatalogBrand {
  const { products, modifiedDate, ...rest } = brand;
  const mapped: CatalogProduct[] = [];
  for (const product of products) {
    try {
      mapped.push(mapProduct(product, brand.currencyCode));
    } catch (error) {
      // One odd product must not sink the page; it is reported instead.
      if (!(error instanceof MoneyError)) throw error;
      skipped.push({ productId: product.id, reason: error.message });
    }
  }
  return { ...rest, modifiedAt: modifiedDate, products: mapped };
}

export function mapCatalogPage(page: z.output<typeof wireCatalogPage>): CatalogPage {
  const skipped: CatalogPage['skipped'] = [];
  const brands = page.items.map((brand) => mapBrand(brand, skipped));
  return { pageIndex: page.pageIndex, pageSize: page.pageSize, totalBrands: page.count, brands, skipped };
}

export interface Account {
  id: number;
  balance: Money;
  isActive: boolean;
  sandboxMode: boolean;
}

export function mapAccounts(body: z.output<typeof wireAccounts>): Account[] {
  return body.accounts.map((account) => ({
    id: account.id,
    balance: toMoney(account.balance, account.currency),
    isActive: account.isActive,
    sandboxMode: account.sandboxMode,
  }));
}

/** A card as Bamboo sends it. `cardCode` and `pin` are secrets: the logger redacts these keys. */
export interface Card {
  id: number;
  serialNumber: string | null;
  cardCode: string | null;
  pin: string | null;
  expiresAt: Date | null;
  /** Only `Sold` cards carry usable codes. */
  status: string;
}

export interface OrderItem {
  productId: number;
  brandCode: string | null;
  faceValue: Money;
  quantity: number;
  countryCode: string | null;
  status: string | null;
  cards: Card[];
}

export interface VendorOrder {
  orderId: number;
  requestId: string;
  status: OrderStatus;
  /** Succeeded, Failed or PartialFailed; undefined while Bamboo is still working (or says something new). */
  final: FinalOrderStatus | undefined;
  createdAt: Date | null;
  /** What Bamboo charged, in the account currency. */
  total: Money;
  errorMessage: string | null;
  orderType: string | null;
  items: OrderItem[];
}

const REDACTED = '[redacted]';

/**
 * Cards hide their code and PIN from JSON.stringify (so pino, at any depth) and from util.inspect
 * (console.log): the fields themselves are read directly, for encryption at rest.
 */
function mapCard(card: z.output<typeof wireCard>): Card {
  const visible = (value: string | null) => (value === null ? null : REDACTED);
  return Object.defineProperties(
    {
      id: card.id,
      serialNumber: card.serialNumber,
      cardCode: card.cardCode,
      pin: card.pin,
      expiresAt: card.expirationDate,
      status: card.status,
    },
    {
      toJSON: {
        enumerable: false,
        value(this: Card) {
          return { ...this, cardCode: visible(this.cardCode), pin: visible(this.pin) };
        },
      },
      [Symbol.for('nodejs.util.inspect.custom')]: {
        enumerable: false,
        value(this: Card) {
          return { ...this, cardCode: visible(this.cardCode), pin: visible(this.pin) };
        },
      },
    },
  );
}

export function mapOrder(order: z.output<typeof wireOrder>): VendorOrder {
  return {
    orderId: order.orderId,
    requestId: order.requestId,
    status: order.status,
    final: finalStatus(order.status),
    createdAt: order.createdDate,
    total: toMoney(order.total, order.currency),
    errorMessage: order.errorMessage,
    orderType: order.orderType,
    items: order.items.map((item) => ({
      productId: item.productId,
      brandCode: item.brandCode,
      faceValue: toMoney(item.productFaceValue, item.currencyCode),
      quantity: item.quantity,
      countryCode: item.countryCode,
      status: item.status,
      cards: item.cards.map(mapCard),
    })),
  };
}

export interface ExchangeRates {
  baseCurrency: string;
  /** 1 unit of baseCurrency = rate units of currency; exact decimal strings. */
  rates: { currency: string; rate: string }[];
}

export const mapExchangeRates = (body: z.output<typeof wireExchangeRates>): ExchangeRates => ({
  baseCurrency: body.baseCurrencyCode,
  rates: body.rates.map((rate) => ({ currency: rate.currencyCode, rate: rate.value })),
});

/** Ledger amounts are informational: one we cannot read becomes null rather than failing the call. */
function amountOrNull(amount: { value: string; currencyCode: string | null } | null | undefined): Money | null {
  if (!amount?.currencyCode) return null;
  try {
    return toMoney(amount.value, amount.currencyCode);
  } catch (error) {
    if (error instanceof MoneyError) return null;
    throw error;
  }
}

export interface VendorTransaction {
  transactionId: string;
  transactionType: string;
  orderId: number | null;
  requestId: string | null;
  orderNumber: string | null;
  amount: Money | null;
  balanceAfter: Money | null;
  transactionDate: Date | null;
  items: { productName: string | null; quantity: number | null; clientPrice: Money | null; exchangeRate: string | null }[];
}

export function mapTransactions(body: z.output<typeof wireTransactions>): VendorTransaction[] {
  return body.clients.flatMap((client) =>
    client.transactions.map((txn) => ({
      transactionId: txn.transactionId,
      transactionType: txn.transactionType,
      orderId: txn.orderId ?? null,
      requestId: txn.requestId,
      orderNumber: txn.orderNumber,
      amount: amountOrNull(txn.transactionAmount),
      balanceAfter: amountOrNull(txn.availableBalance),
      transactionDate: txn.transactionDate,
      items: txn.orderItems.map((item) => ({
        productName: item.productName,
        quantity: item.quantity ?? null,
        clientPrice: amountOrNull(item.clientPrice),
        exchangeRate: item.clientExchangeRate?.exchangeRate ?? null,
      })),
    })),
  );
}

export interface OrdersReportRow {
  orderNumber: string;
  orderDate: Date | null;
  /** Our RequestId. */
  requestId: string | null;
  channel: string | null;
  productName: string | null;
  denomination: string | null;
  quantity: number;
  unitPrice: Money;
  total: Money;
  status: string;
}

export const mapOrdersReport = (rows: z.output<typeof wireOrdersReport>): OrdersReportRow[] =>
  rows.map((row) => ({
    orderNumber: row.orderNumber,
    orderDate: row.orderDate,
    requestId: row.clientReferenceNumber,
    channel: row.channel,
    productName: row.productName,
    denomination: row.denomination,
    quantity: row.quantity,
    unitPrice: toMoney(row.unitPrice, row.accountCurrency),
    total: toMoney(row.total, row.accountCurrency),
    status: row.status,
  }));

export interface NotificationSettings {
  notificationUrl: string | null;
  notificationUrlSandbox: string | null;
  secretKey: string | null;
}

/** Outcome of Place Order (docs/bamboo.md#vendor-facts-our-code-relies-on). */
export type PlaceOrderResult =
  | { kind: 'accepted'; requestId: string }
  /** Bamboo definitely did not create the order. `retryable`: the same RequestId may be sent again later (429). */
  | {
      kind: 'rejected';
      reason: CheckoutRejection | 'Unauthorized' | 'Forbidden' | 'RateLimited';
      message: string;
      retryable: boolean;
      retryAfterMs?: number;
    }
  /** We cannot tell: resolve with getOrder(requestId), never by placing a second order. */
  | { kind: 'unknown'; cause: string };

/**
 * What Get Order told us. `not_found` is only Bamboo's parsed `OrderNotFound` answer; anything else
 * that is not an order (another 404 such as a proxy's HTML page, a timeout, a 5xx, a 429, a body we
 * cannot read) is `unknown`: ask again later, conclude nothing.
 */
export type OrderLookup =
  | { kind: 'found'; order: VendorOrder }
  | { kind: 'not_found' }
  | { kind: 'unknown'; cause: string; /** Set when Bamboo asked us to wait (429). */ retryAfterMs?: number };

export interface PlaceOrderLine {
  productId: number;
  quantity: number;
  /** Face value (denomination) in the product's currency; sent as Bamboo's `Value`. */
  faceValue: Money;
}
