// The shared setup of the order-engine tests (test/integration/orders-*.test.ts): a context with the
// Bamboo callback secret and a recording order-event sink, the catalog products they buy, a fresh
// simulator per test, funded buyers and a short way to create an order.
import { accountActor } from '../../src/domain/actor.ts';
import type { Account } from '../../src/domain/accounts/accounts.ts';
import { balanceOf, systemAccountId } from '../../src/domain/ledger/ledger.ts';
import type { OrderEvent } from '../../src/domain/orders/events.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import type { RiskAlert } from '../../src/domain/orders/risk-alerts.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { mountSimulator, simulatorClient } from './bamboo.ts';
import { insertProduct } from './catalog.ts';
import { createTestContext } from './context.ts';
import { fund, makeAccount } from './money.ts';

export const CALLBACK_SECRET = 'callback-secret-1234';

/** A product in our catalog that Bamboo does not have. */
export const UNKNOWN_TO_BAMBOO = 990_001;

export const usd = (value: string) => parseMoney(value, 'USD');

export interface OrderOptions {
  ref?: string;
  productId?: number;
  face?: string;
  quantity?: number;
  maxTotal?: string;
}

/** `env`: more configuration for the context (the callback secret is set). */
export async function createOrderEngineTest(options: { env?: Record<string, string> } = {}) {
  const events: OrderEvent[] = [];
  const riskAlerts: RiskAlert[] = [];
  const test = await createTestContext({
    env: { BAMBOO_CALLBACK_SECRET: CALLBACK_SECRET, ...options.env },
    ports: {
      orderEvents: () => ({ deliver: async (event) => void events.push(event) }),
      eventSinks: () => [
        async (event) => {
          if (event.type === 'risk.alert') riskAlerts.push(event.alert);
        },
      ],
    },
  });
  const { ctx } = test;
  const { db } = ctx;

  await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
  await insertProduct(db, { id: SIM_PRODUCTS.range, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
  await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });
  await insertProduct(db, { id: SIM_PRODUCTS.disabled, minFace: 1000n, costMin: 950n });
  await insertProduct(db, { id: SIM_PRODUCTS.noClientPrice, minFace: 1000n, costMin: 950n });
  await insertProduct(db, { id: SIM_PRODUCTS.limitedStock, minFace: 1000n, costMin: 950n });
  await insertProduct(db, { id: UNKNOWN_TO_BAMBOO, minFace: 1000n, costMin: 950n });

  /** A fresh simulator (no rate limits) and the context's vendor pointed at it. */
  function vendor() {
    const mounted = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock: mounted.clock });
    return mounted;
  }

  let references = 0;
  /** A distinct client reference number for this file. */
  const nextReference = () => (references += 1);

  /** A funded partner. */
  async function buyer(amount = '100.00'): Promise<Account> {
    const account = await makeAccount(db, 'partner');
    await fund(db, account, amount);
    return account;
  }

  /** An API order of one Steam 10 USD card unless told otherwise. */
  function order(account: Account, options: OrderOptions = {}) {
    const reference = nextReference();
    return createOrder(ctx, {
      buyerId: account.id,
      actor: accountActor(account.id, 'api'),
      clientReference: options.ref ?? `ref-${reference}`,
      productId: options.productId ?? SIM_PRODUCTS.steam10,
      face: usd(options.face ?? '10.00'),
      quantity: options.quantity ?? 1,
      ...(options.maxTotal ? { maxTotal: usd(options.maxTotal) } : {}),
    });
  }

  const system = async (code: 'order_clearing' | 'vendor_payable' | 'revenue' | 'revenue_share_payable') =>
    formatAmount(await balanceOf(db, systemAccountId(code, 'USD')));

  const statusOf = async (orderId: string) => (await db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;

  return { test, ctx, db, events, riskAlerts, vendor, buyer, order, nextReference, system, statusOf };
}
