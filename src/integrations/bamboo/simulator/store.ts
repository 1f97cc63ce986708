// Where the simulator keeps its state. The order lifecycle (orders.ts, lifecycle.ts) is written once
// against this interface; a store only keeps data and makes each change atomic. Two kinds:
// `MemorySimulatorStore` (this file: one instance, fast unit tests) and `PostgresSimulatorStore`
// (pg-store.ts: the `bamboo_sim` schema, shared by every process on the database and kept across
// restarts).
import Big from 'big.js';
import { FIRST_IDS, type NotificationSettings, type SimAccount, type SimOrder, type SimTransaction, type SimulatorCredential } from './state.ts';
import { nextStepAt, type OrderUpdate } from './lifecycle.ts';

export interface OrderKey {
  clientId: string;
  requestId: string;
}

export interface SimulatorStore {
  /** Creates the credentials' accounts with their starting balances; accounts that exist keep theirs. */
  ensureAccounts(credentials: SimulatorCredential[]): Promise<void>;
  accounts(clientId: string): Promise<SimAccount[]>;
  /** Fresh ids for an order and its cards. */
  nextIds(cards: number): Promise<{ orderId: number; cardIds: number[] }>;
  /**
   * Atomically: refuses a RequestId the client used before (even one placed at the same moment
   * elsewhere) and a cost above the balance; otherwise debits the account, keeps the order and
   * books the Order transaction.
   */
  insertOrder(order: SimOrder): Promise<'OrderAlreadyExists' | 'InsufficientBalance' | undefined>;
  order(key: OrderKey): Promise<SimOrder | undefined>;
  /** The orders with this RequestId, whatever the client (tests release held orders by it). */
  orderKeys(requestId: string): Promise<OrderKey[]>;
  /**
   * Runs `change` on the order as stored, under its lock, and keeps what it returns: the order, a
   * refund credited to its account with a Refund transaction. undefined: no such order.
   */
  updateOrder(key: OrderKey, change: (order: SimOrder) => OrderUpdate | undefined): Promise<{ order: SimOrder; update?: OrderUpdate } | undefined>;
  /** Orders whose next step is due by `now` (a few at a time). */
  dueOrders(now: number, limit: number): Promise<OrderKey[]>;
  /** A client's orders created in [from, to], oldest first. */
  ordersBetween(clientId: string, from: number, to: number): Promise<SimOrder[]>;
  /** A client's transactions booked in [from, to], in booking order. */
  transactionsBetween(clientId: string, from: number, to: number): Promise<SimTransaction[]>;
  notification(clientId: string): Promise<NotificationSettings | undefined>;
  setNotification(clientId: string, settings: NotificationSettings): Promise<void>;
  /** true exactly once per RequestId: the first checkout a fault trigger spoils (faults.ts). */
  takeFirstTriggerAnswer(requestId: string): Promise<boolean>;
  /** Until when (ms on the simulator's clock) every request answers 503: the vendor is down. */
  outageUntil(): Promise<number | undefined>;
  setOutageUntil(untilMs: number): Promise<void>;
  /** Sets an account's balance (a decimal): the float running out, or topped up. */
  setBalance(accountId: number, balance: string): Promise<void>;
}

export const orderCost = (order: SimOrder) => order.lines.reduce((sum, line) => sum.plus(new Big(line.unitCost).times(line.quantity)), new Big(0));

/** The store of one simulator instance, in memory. Changes are synchronous, hence atomic. */
export class MemorySimulatorStore implements SimulatorStore {
  readonly #accounts = new Map<number, SimAccount>();
  /** By `clientId:requestId`, in insertion (= order id) order. */
  readonly #orders = new Map<string, SimOrder>();
  readonly #transactions: (Omit<SimTransaction, 'order'> & { key: string })[] = [];
  readonly #notification = new Map<string, NotificationSettings>();
  readonly #triggerAnswers = new Set<string>();
  #nextOrderId = FIRST_IDS.order;
  #nextCardId = FIRST_IDS.card;
  #nextTransactionId = FIRST_IDS.transaction;

  async ensureAccounts(credentials: SimulatorCredential[]): Promise<void> {
    for (const credential of credentials) {
      for (const account of credential.accounts) {
        const existing = this.#accounts.get(account.id);
        if (existing && existing.clientId !== credential.clientId) throw new Error(`account ${account.id} belongs to two credentials`);
        if (existing) continue;
        this.#accounts.set(account.id, { ...account, clientId: credential.clientId, balance: new Big(account.balance) });
      }
    }
  }

  async accounts(clientId: string): Promise<SimAccount[]> {
    return [...this.#accounts.values()].filter((account) => account.clientId === clientId).map((account) => ({ ...account }));
  }

  async nextIds(cards: number): Promise<{ orderId: number; cardIds: number[] }> {
    return { orderId: this.#nextOrderId++, cardIds: Array.from({ length: cards }, () => this.#nextCardId++) };
  }

  async insertOrder(order: SimOrder): Promise<'OrderAlreadyExists' | 'InsufficientBalance' | undefined> {
    const key = `${order.clientId}:${order.requestId}`;
    if (this.#orders.has(key)) return 'OrderAlreadyExists';
    const account = this.#accounts.get(order.accountId)!;
    const cost = orderCost(order);
    if (cost.gt(account.balance)) return 'InsufficientBalance';
    account.balance = account.balance.minus(cost);
    this.#orders.set(key, structuredClone(order));
    this.#book(key, 'Order', cost.times(-1), account, order.createdAt);
    return undefined;
  }

  async order(key: OrderKey): Promise<SimOrder | undefined> {
    const order = this.#orders.get(`${key.clientId}:${key.requestId}`);
    return order && structuredClone(order);
  }

  async orderKeys(requestId: string): Promise<OrderKey[]> {
    return [...this.#orders.values()].filter((order) => order.requestId === requestId).map(({ clientId }) => ({ clientId, requestId }));
  }

  async updateOrder(key: OrderKey, change: (order: SimOrder) => OrderUpdate | undefined) {
    const id = `${key.clientId}:${key.requestId}`;
    const stored = this.#orders.get(id);
    if (!stored) return undefined;
    const update = change(structuredClone(stored));
    if (!update) return { order: structuredClone(stored) };
    this.#orders.set(id, structuredClone(update.order));
    if (update.refund.gt(0)) {
      const account = this.#accounts.get(update.order.accountId)!;
      account.balance = account.balance.plus(update.refund);
      this.#book(id, 'Refund', update.refund, account, update.at);
    }
    return { order: update.order, update };
  }

  async dueOrders(now: number, limit: number): Promise<OrderKey[]> {
    return [...this.#orders.values()]
      .filter((order) => {
        const at = nextStepAt(order);
        return at !== null && at <= now;
      })
      .slice(0, limit)
      .map(({ clientId, requestId }) => ({ clientId, requestId }));
  }

  async ordersBetween(clientId: string, from: number, to: number): Promise<SimOrder[]> {
    return [...this.#orders.values()]
      .filter((order) => order.clientId === clientId && order.createdAt >= from && order.createdAt <= to)
      .map((order) => structuredClone(order));
  }

  async transactionsBetween(clientId: string, from: number, to: number): Promise<SimTransaction[]> {
    return this.#transactions
      .filter((txn) => txn.key.startsWith(`${clientId}:`) && txn.at >= from && txn.at <= to)
      .map(({ key, ...txn }) => ({ ...txn, order: structuredClone(this.#orders.get(key)!) }));
  }

  async notification(clientId: string): Promise<NotificationSettings | undefined> {
    return this.#notification.get(clientId);
  }

  async setNotification(clientId: string, settings: NotificationSettings): Promise<void> {
    this.#notification.set(clientId, settings);
  }

  async takeFirstTriggerAnswer(requestId: string): Promise<boolean> {
    if (this.#triggerAnswers.has(requestId)) return false;
    this.#triggerAnswers.add(requestId);
    return true;
  }

  #outageUntil: number | undefined;

  async outageUntil(): Promise<number | undefined> {
    return this.#outageUntil;
  }

  async setOutageUntil(untilMs: number): Promise<void> {
    this.#outageUntil = untilMs;
  }

  async setBalance(accountId: number, balance: string): Promise<void> {
    const account = this.#accounts.get(accountId);
    if (!account) throw new Error(`no simulator account ${accountId}`);
    account.balance = new Big(balance);
  }

  #book(key: string, type: SimTransaction['type'], amount: Big, account: SimAccount, at: number): void {
    // Bamboo's sample has a trailing space in the transaction id.
    this.#transactions.push({ key, transactionId: `${this.#nextTransactionId++} `, type, amount, balanceAfter: account.balance, at });
  }
}
