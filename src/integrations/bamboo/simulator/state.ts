// What the simulator remembers, as plain data a store can keep (store.ts): the credentials it knows
// (fixed, in code), the accounts they own with their balances, orders with their cards, the
// transactions ledger and each client's notification settings. Ids start where Bamboo's samples are.
import type Big from 'big.js';

export interface SimulatorCredential {
  clientId: string;
  clientSecret: string;
  clientName: string;
  sandbox: boolean;
  /** false: every order is refused with UserNotEnabled. */
  enabled?: boolean;
  /** false: every order is refused with ClientCatalogNotExist. */
  catalogAssigned?: boolean;
  /** false: every call gets 403 (IP not whitelisted). */
  ipAllowed?: boolean;
  /** The accounts as they start; a persistent store keeps their balances from then on. */
  accounts: { id: number; currency: string; balance: string; isActive: boolean }[];
}

export const SANDBOX_CREDENTIAL: SimulatorCredential = {
  clientId: 'STELLER---CLIENT-SANDBOX',
  clientSecret: 'simulator-sandbox-secret',
  clientName: 'Steller Agency - Testing',
  sandbox: true,
  accounts: [
    { id: 555, currency: 'USD', balance: '100828.4848', isActive: true },
    { id: 556, currency: 'EUR', balance: '5000', isActive: true },
    { id: 557, currency: 'USD', balance: '1000', isActive: false },
  ],
};

export const LIVE_CREDENTIAL: SimulatorCredential = {
  clientId: 'STELLER---CLIENT',
  clientSecret: 'simulator-live-secret',
  clientName: 'Steller Agency',
  sandbox: false,
  accounts: [{ id: 1555, currency: 'USD', balance: '250', isActive: true }],
};

/** The first ids the simulator hands out (Bamboo's samples). */
export const FIRST_IDS = { order: 6_779_294, card: 24_153_984, transaction: 6_677_709 };

/** How orders containing a product are fulfilled. Kept with the order, so any instance finishes it alike. */
export interface ProductFault {
  outcome?: 'fail' | 'partial-fail';
  /** Cards that fail in a partial failure (default 1). */
  failedCards?: number;
  /** Stay `Pending` this long before finishing, or until `release(requestId)`. */
  holdPendingMs?: number | 'until-released';
  /** Overrides the time from acceptance to the final status. */
  fulfilAfterMs?: number;
}

export type SimOrderStatus = 'Created' | 'Processing' | 'Pending' | 'Succeeded' | 'Failed' | 'PartialFailed';

export interface SimCard {
  id: number;
  serialNumber: string;
  cardCode: string | null;
  pin: string | null;
  expiresAt: number | null;
  status: 'Created' | 'Processing' | 'Sold' | 'Failed';
}

/** One product of an order, with what the answers need of its brand copied in (the catalog may change). */
export interface SimOrderLine {
  productId: number;
  productName: string;
  /** The product's client discount when ordered ("0.05"). */
  discount: string;
  brandName: string;
  countryCode: string;
  currencyCode: string;
  logoUrl: string | null;
  faceValue: string;
  quantity: number;
  /** Per card, in the account currency (4 decimals). */
  unitCost: string;
  cards: SimCard[];
}

/** An order; times are milliseconds on the simulator's clock. */
export interface SimOrder {
  orderId: number;
  requestId: string;
  clientId: string;
  sandbox: boolean;
  accountId: number;
  currency: string;
  status: SimOrderStatus;
  createdAt: number;
  /** When it becomes Processing, and when it leaves Processing (final, or Pending under a hold). */
  processingAt: number;
  completeAt: number;
  /** When `release` let a held order go. */
  releasedAt: number | null;
  completedAt: number | null;
  /** Charged so far (refunds of failed cards deducted), account currency, 4 decimals. */
  total: string;
  errorMessage: string | null;
  fault: ProductFault;
  lines: SimOrderLine[];
}

export interface SimAccount {
  id: number;
  clientId: string;
  currency: string;
  balance: Big;
  isActive: boolean;
}

export interface SimTransaction {
  transactionId: string;
  type: 'Order' | 'Refund';
  order: SimOrder;
  amount: Big;
  balanceAfter: Big;
  at: number;
}

export interface NotificationSettings {
  notificationUrl: string;
  notificationUrlSandbox: string;
  secretKey: string;
}
