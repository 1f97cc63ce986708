// What the simulator remembers, in memory: the credentials and their accounts (balances in Big),
// the catalog indexed by product id, orders by client and RequestId, the transactions ledger and
// each client's notification settings. Ids start where Bamboo's samples are.
import Big from 'big.js';
import type { SimBrand, SimProduct } from './catalog.ts';

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

/** How orders containing a product are fulfilled. */
export interface ProductFault {
  outcome?: 'fail' | 'partial-fail';
  /** Cards that fail in a partial failure (default 1). */
  failedCards?: number;
  /** Stay `Pending` this long before finishing, or until `release(requestId)`. */
  holdPendingMs?: number | 'until-released';
  /** Overrides the time from acceptance to the final status. */
  fulfilAfterMs?: number;
}

export interface SimCard {
  id: number;
  serialNumber: string;
  cardCode: string | null;
  pin: string | null;
  expiresAt: number | null;
  status: 'Created' | 'Processing' | 'Sold' | 'Failed';
}

export interface SimOrderLine {
  brand: SimBrand;
  product: SimProduct;
  faceValue: string;
  quantity: number;
  /** Per card, in the account currency (4 decimals). */
  unitCost: Big;
  cards: SimCard[];
}

export interface SimOrder {
  orderId: number;
  requestId: string;
  credential: SimulatorCredential;
  accountId: number;
  currency: string;
  status: string;
  createdAt: number;
  completedAt: number | null;
  /** Charged so far (refunds of failed cards deducted), account currency. */
  total: Big;
  errorMessage: string | null;
  lines: SimOrderLine[];
  fault: ProductFault;
}

export interface SimAccount {
  id: number;
  currency: string;
  balance: Big;
  isActive: boolean;
  credential: SimulatorCredential;
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

export class SimulatorState {
  readonly brands: SimBrand[];
  readonly credentials: SimulatorCredential[];
  readonly accounts = new Map<number, SimAccount>();
  readonly products = new Map<number, { brand: SimBrand; product: SimProduct }>();
  /** By `clientId:requestId`. */
  readonly orders = new Map<string, SimOrder>();
  readonly transactions: SimTransaction[] = [];
  /** By client id. */
  readonly notification = new Map<string, NotificationSettings>();
  #nextOrderId = 6_779_294;
  #nextCardId = 24_153_984;
  #nextTransactionId = 6_677_709;

  constructor(credentials: SimulatorCredential[], brands: SimBrand[]) {
    this.credentials = credentials.map((credential) => ({ ...credential }));
    for (const credential of this.credentials) {
      for (const account of credential.accounts) {
        if (this.accounts.has(account.id)) throw new Error(`account ${account.id} belongs to two credentials`);
        this.accounts.set(account.id, {
          id: account.id,
          currency: account.currency,
          balance: new Big(account.balance),
          isActive: account.isActive,
          credential,
        });
      }
    }
    this.brands = brands;
    for (const brand of this.brands) for (const product of brand.products) this.products.set(product.id, { brand, product });
  }

  nextOrderId(): number {
    return this.#nextOrderId++;
  }

  nextCardId(): number {
    return this.#nextCardId++;
  }

  /** Books a movement of an account's balance (already applied) in the transactions ledger. */
  record(type: SimTransaction['type'], order: SimOrder, amount: Big, account: SimAccount, at: number): void {
    this.transactions.push({
      transactionId: `${this.#nextTransactionId++} `, // Bamboo's sample has a trailing space
      type,
      order,
      amount,
      balanceAfter: account.balance,
      at,
    });
  }
}
