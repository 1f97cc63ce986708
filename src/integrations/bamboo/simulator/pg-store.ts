// The simulator's state in PostgreSQL (schema `bamboo_sim`, migration 2026_12_03_030000): every
// process on the database reaches one vendor, and a restart loses nothing. An order is one row (its
// lines and cards as a JSON document, beside the columns we search by); the unique (client,
// RequestId) key makes a duplicate checkout OrderAlreadyExists even when two processes send it at
// once. Each change is one transaction under the row locks it needs. Card codes in the documents are
// the simulator's test data; nothing here logs them.
import Big from 'big.js';
import { sql, type Kysely, type Transaction } from 'kysely';
import { nextStepAt, type OrderUpdate } from './lifecycle.ts';
import type { NotificationSettings, SimAccount, SimOrder, SimTransaction, SimulatorCredential } from './state.ts';
import { orderCost, type OrderKey, type SimulatorStore } from './store.ts';

type AnyDb = Kysely<any>;

interface AccountRow {
  id: number;
  client_id: string;
  currency: string;
  balance: string;
  is_active: boolean;
}

const toAccount = (row: AccountRow): SimAccount => ({
  id: row.id,
  clientId: row.client_id,
  currency: row.currency,
  balance: new Big(row.balance),
  isActive: row.is_active,
});

/** Thrown inside a transaction to undo it and answer a refusal. */
class Refusal extends Error {
  readonly reason: 'OrderAlreadyExists' | 'InsufficientBalance';
  constructor(reason: 'OrderAlreadyExists' | 'InsufficientBalance') {
    super(reason);
    this.reason = reason;
  }
}

export class PostgresSimulatorStore implements SimulatorStore {
  readonly #db: AnyDb;

  constructor(db: AnyDb) {
    this.#db = db;
  }

  async ensureAccounts(credentials: SimulatorCredential[]): Promise<void> {
    for (const credential of credentials) {
      for (const account of credential.accounts) {
        await sql`
          insert into bamboo_sim.accounts (id, client_id, currency, balance, is_active)
          values (${account.id}, ${credential.clientId}, ${account.currency}, ${account.balance}, ${account.isActive})
          on conflict (id) do nothing`.execute(this.#db);
      }
    }
  }

  async accounts(clientId: string): Promise<SimAccount[]> {
    const { rows } = await sql<AccountRow>`
      select id, client_id, currency, balance::text as balance, is_active from bamboo_sim.accounts where client_id = ${clientId} order by id`.execute(this.#db);
    return rows.map(toAccount);
  }

  async nextIds(cards: number): Promise<{ orderId: number; cardIds: number[] }> {
    const { rows } = await sql<{ order_id: number; card_ids: number[] }>`
      select nextval('bamboo_sim.order_ids')::int as order_id,
             array(select nextval('bamboo_sim.card_ids')::int from generate_series(1, ${cards}::int)) as card_ids`.execute(this.#db);
    return { orderId: rows[0]!.order_id, cardIds: rows[0]!.card_ids };
  }

  async insertOrder(order: SimOrder): Promise<'OrderAlreadyExists' | 'InsufficientBalance' | undefined> {
    const cost = orderCost(order);
    try {
      await this.#db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ balance: string }>`
          select balance::text as balance from bamboo_sim.accounts where id = ${order.accountId} for update`.execute(trx);
        // The unique key decides between two checkouts of one RequestId; the loser waits for the
        // winner's commit and inserts nothing.
        const inserted = await sql`
          insert into bamboo_sim.orders (client_id, request_id, order_id, created_at, next_step_at, document)
          values (${order.clientId}, ${order.requestId}, ${order.orderId}, ${order.createdAt}, ${nextStepAt(order)}, ${JSON.stringify(order)}::jsonb)
          on conflict (client_id, request_id) do nothing`.execute(trx);
        if (Number(inserted.numAffectedRows ?? 0) === 0) throw new Refusal('OrderAlreadyExists');
        if (cost.gt(rows[0]!.balance)) throw new Refusal('InsufficientBalance');
        await this.#book(trx, order, 'Order', cost.times(-1), order.createdAt);
      });
      return undefined;
    } catch (error) {
      if (error instanceof Refusal) return error.reason;
      throw error;
    }
  }

  async order(key: OrderKey): Promise<SimOrder | undefined> {
    const { rows } = await sql<{ document: SimOrder }>`
      select document from bamboo_sim.orders where client_id = ${key.clientId} and request_id = ${key.requestId}`.execute(this.#db);
    return rows[0]?.document;
  }

  async orderKeys(requestId: string): Promise<OrderKey[]> {
    const { rows } = await sql<{ client_id: string }>`select client_id from bamboo_sim.orders where request_id = ${requestId}`.execute(this.#db);
    return rows.map((row) => ({ clientId: row.client_id, requestId }));
  }

  async updateOrder(key: OrderKey, change: (order: SimOrder) => OrderUpdate | undefined) {
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ document: SimOrder }>`
        select document from bamboo_sim.orders where client_id = ${key.clientId} and request_id = ${key.requestId} for update`.execute(trx);
      const stored = rows[0]?.document;
      if (!stored) return undefined;
      const update = change(stored);
      if (!update) return { order: stored };
      await sql`
        update bamboo_sim.orders set document = ${JSON.stringify(update.order)}::jsonb, next_step_at = ${nextStepAt(update.order)}
        where client_id = ${key.clientId} and request_id = ${key.requestId}`.execute(trx);
      if (update.refund.gt(0)) await this.#book(trx, update.order, 'Refund', update.refund, update.at);
      return { order: update.order, update };
    });
  }

  async dueOrders(now: number, limit: number): Promise<OrderKey[]> {
    const { rows } = await sql<{ client_id: string; request_id: string }>`
      select client_id, request_id from bamboo_sim.orders where next_step_at <= ${now} order by next_step_at limit ${limit}`.execute(this.#db);
    return rows.map((row) => ({ clientId: row.client_id, requestId: row.request_id }));
  }

  async ordersBetween(clientId: string, from: number, to: number): Promise<SimOrder[]> {
    const { rows } = await sql<{ document: SimOrder }>`
      select document from bamboo_sim.orders where client_id = ${clientId} and created_at between ${from} and ${to} order by order_id`.execute(this.#db);
    return rows.map((row) => row.document);
  }

  async transactionsBetween(clientId: string, from: number, to: number): Promise<SimTransaction[]> {
    const { rows } = await sql<{ transaction_id: number; type: SimTransaction['type']; amount: string; balance_after: string; at: string; document: SimOrder }>`
      select t.transaction_id, t.type, t.amount::text as amount, t.balance_after::text as balance_after, t.at, o.document
      from bamboo_sim.transactions t
      join bamboo_sim.orders o on o.client_id = t.client_id and o.request_id = t.request_id
      where t.client_id = ${clientId} and t.at between ${from} and ${to}
      order by t.transaction_id`.execute(this.#db);
    return rows.map((row) => ({
      // Bamboo's sample has a trailing space in the transaction id.
      transactionId: `${row.transaction_id} `,
      type: row.type,
      order: row.document,
      amount: new Big(row.amount),
      balanceAfter: new Big(row.balance_after),
      at: Number(row.at),
    }));
  }

  async notification(clientId: string): Promise<NotificationSettings | undefined> {
    const { rows } = await sql<{ notification_url: string; notification_url_sandbox: string; secret_key: string }>`
      select notification_url, notification_url_sandbox, secret_key from bamboo_sim.notification_settings where client_id = ${clientId}`.execute(this.#db);
    const row = rows[0];
    return row && { notificationUrl: row.notification_url, notificationUrlSandbox: row.notification_url_sandbox, secretKey: row.secret_key };
  }

  async setNotification(clientId: string, settings: NotificationSettings): Promise<void> {
    await sql`
      insert into bamboo_sim.notification_settings (client_id, notification_url, notification_url_sandbox, secret_key)
      values (${clientId}, ${settings.notificationUrl}, ${settings.notificationUrlSandbox}, ${settings.secretKey})
      on conflict (client_id) do update set notification_url = excluded.notification_url,
        notification_url_sandbox = excluded.notification_url_sandbox, secret_key = excluded.secret_key`.execute(this.#db);
  }

  async outageUntil(): Promise<number | undefined> {
    const { rows } = await sql<{ until_ms: string }>`select until_ms from bamboo_sim.outages where id = 1`.execute(this.#db);
    return rows[0] === undefined ? undefined : Number(rows[0].until_ms);
  }

  async setOutageUntil(untilMs: number): Promise<void> {
    await sql`insert into bamboo_sim.outages (id, until_ms) values (1, ${untilMs}) on conflict (id) do update set until_ms = excluded.until_ms`.execute(
      this.#db,
    );
  }

  async setBalance(accountId: number, balance: string): Promise<void> {
    const updated = await sql`update bamboo_sim.accounts set balance = ${balance}::numeric where id = ${accountId}`.execute(this.#db);
    if (Number(updated.numAffectedRows ?? 0) === 0) throw new Error(`no simulator account ${accountId}`);
  }

  async takeFirstTriggerAnswer(requestId: string): Promise<boolean> {
    const inserted = await sql`insert into bamboo_sim.trigger_answers (request_id) values (${requestId}) on conflict do nothing`.execute(this.#db);
    return Number(inserted.numAffectedRows ?? 0) === 1;
  }

  /** Moves the account's balance by `amount` and books it, in the caller's transaction. */
  async #book(trx: Transaction<any>, order: SimOrder, type: SimTransaction['type'], amount: Big, at: number): Promise<void> {
    await sql`
      with moved as (
        update bamboo_sim.accounts set balance = balance + ${amount.toFixed(4)}::numeric where id = ${order.accountId} returning balance
      )
      insert into bamboo_sim.transactions (transaction_id, client_id, request_id, type, amount, balance_after, at)
      select nextval('bamboo_sim.transaction_ids'), ${order.clientId}, ${order.requestId}, ${type}, ${amount.toFixed(4)}::numeric, moved.balance, ${at}
      from moved`.execute(trx);
  }
}
