// The Bamboo client against the simulator, through msw: every endpoint, every reason code, the
// asynchronous fulfilment with faults, callbacks, FX, the ledger and the report.
import { inspect } from 'node:util';
import Big from 'big.js';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../src/integrations/bamboo/model.ts';
import { LIVE_CREDENTIAL, SANDBOX_CREDENTIAL, SIM_PRODUCTS, type SimulatorCredential } from '../../../src/integrations/bamboo/simulator/index.ts';
import { verifyOrderCallback } from '../../../src/integrations/bamboo/callback.ts';
import { createLogger } from '../../../src/logger.ts';
import { money, type Money } from '../../../src/shared/money.ts';
import { mswServer } from '../../setup/msw.ts';
import { mountSimulator, simulatorClient } from '../../support/bamboo.ts';

const usd = (cents: bigint) => money(cents, 'USD');
const line = (productId: number, quantity: number, faceValue: Money) => ({ productId, quantity, faceValue });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('Bamboo client against the simulator', () => {
  it('pages through the whole generated catalog: realistic size, fixed and range, several currencies', async () => {
    const { simulator } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    let brands = 0;
    const products = new Map<number, { fixed: boolean; currency: string; stock: number | null; price: Money }>();
    for await (const page of client.catalogPages({ pageSize: 1000 })) {
      brands += page.brands.length;
      for (const brand of page.brands) {
        for (const product of brand.products) {
          products.set(product.id, {
            fixed: product.faceValue.min.amount === product.faceValue.max.amount,
            currency: brand.currencyCode,
            stock: product.stock,
            price: product.price.min,
          });
        }
      }
    }
    expect(brands).toBeGreaterThanOrEqual(2500);
    expect(products.size).toBe(simulator.productCount);
    expect(products.size).toBeGreaterThanOrEqual(9000);
    const all = [...products.values()];
    expect(all.some((product) => product.fixed) && all.some((product) => !product.fixed)).toBe(true);
    expect(new Set(all.map((product) => product.currency)).size).toBeGreaterThanOrEqual(5);
    expect(all.some((product) => product.stock === null) && all.some((product) => product.stock === 0)).toBe(true);
    expect(products.get(SIM_PRODUCTS.steam10)).toEqual({ fixed: true, currency: 'USD', stock: null, price: usd(947n) });
  });

  it('filters by product, brand name, currency and modified date (delta sync)', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    const single = await client.getCatalogPage({ productId: SIM_PRODUCTS.steam10, pageSize: 1 });
    expect(single.totalBrands).toBe(1);
    expect(single.brands[0]).toMatchObject({ name: 'Steam Bahrain', countryCode: 'BH', currencyCode: 'USD' });
    expect(single.brands[0]!.products.map((product) => product.id)).toEqual([SIM_PRODUCTS.steam10]);

    const byName = await client.getCatalogPage({ name: 'test brand uae' });
    expect(byName.brands.map((brand) => brand.name)).toEqual(['Test Brand UAE']);
    const aed = await client.getCatalogPage({ currencyCode: 'AED', pageSize: 5000 });
    expect(aed.brands.every((brand) => brand.currencyCode === 'AED')).toBe(true);

    const today = new Date(clock.now()).toISOString().slice(0, 10);
    expect((await client.getCatalogPage({ modifiedSince: today })).totalBrands).toBe(0);
    simulator.updateProduct(SIM_PRODUCTS.itunes100, { count: 7 });
    const delta = await client.getCatalogPage({ modifiedSince: today });
    expect(delta.brands.flatMap((brand) => brand.products.map((product) => [product.id, product.stock]))).toEqual([[SIM_PRODUCTS.itunes100, 7]]);

    const converted = await client.getCatalogPage({ productId: SIM_PRODUCTS.steam10, targetCurrency: 'AED' });
    expect(converted.brands[0]!.products[0]!.price.min.currency).toBe('AED');
  });

  it('answers on both hosts, any path casing, v1 = v1.0; 401 without or with bad credentials, 403 when the IP is not allowed', async () => {
    const blocked: SimulatorCredential = { ...SANDBOX_CREDENTIAL, clientId: 'BLOCKED', ipAllowed: false, accounts: [] };
    mountSimulator({ rateLimits: false, credentials: [SANDBOX_CREDENTIAL, blocked] });
    const auth = basic(SANDBOX_CREDENTIAL.clientId, SANDBOX_CREDENTIAL.clientSecret);
    const stage = await fetch('https://api-stage.bamboocardportal.com/API/Integration/V1/Accounts', { headers: { authorization: auth } });
    expect(stage.status).toBe(200);
    const categories = await fetch('https://api.bamboocardportal.com/api/integration/v2/categories/', { headers: { authorization: auth } });
    expect(categories.status).toBe(200);
    expect((await fetch('https://api.bamboocardportal.com/api/integration/v1.0/accounts')).status).toBe(401);
    expect((await fetch('https://api.bamboocardportal.com/api/integration/v1.0/nothing', { headers: { authorization: auth } })).status).toBe(404);

    await expect(simulatorClient({ clientSecret: 'wrong' }).getAccounts()).rejects.toMatchObject({ code: 'vendor_rejected', details: { status: 401 } });
    const forbidden = simulatorClient({ clientId: 'BLOCKED' });
    await expect(forbidden.getAccounts()).rejects.toMatchObject({ details: { status: 403 } });
    expect(await forbidden.placeOrder({ requestId: 'r-403', lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] })).toMatchObject({
      kind: 'rejected',
      reason: 'Forbidden',
      message: expect.stringContaining('whitelisted'),
    });
    expect(await simulatorClient({ clientSecret: 'wrong' }).placeOrder({ requestId: 'r-401', lines: [] })).toMatchObject({
      kind: 'rejected',
      reason: 'Unauthorized',
    });
  });

  it('lists categories and accounts', async () => {
    mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    const categories = await client.getCategories();
    expect(categories).toHaveLength(27);
    expect(categories.map((category) => category.id)).not.toContain(8);
    expect(categories[0]).toEqual({ id: 1, name: 'Entertainment', description: '' });
    const accounts = await client.getAccounts();
    expect(accounts[0]).toEqual({ id: 555, balance: usd(10082848n), isActive: true, sandboxMode: true });
    expect(accounts.map((account) => account.balance.currency)).toEqual(['USD', 'EUR', 'USD']);
  });

  it('places an order and follows it Created → Processing → Succeeded with card codes', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    const requestId = crypto.randomUUID();
    expect(await client.placeOrder({ requestId, lines: [line(SIM_PRODUCTS.steam10, 2, usd(1000n))] })).toEqual({ kind: 'accepted', requestId });
    expect(await simulator.balance(555)).toBe('100809.5448');
    expect(await client.getOrder(requestId)).toMatchObject({ status: 'Created', final: undefined, total: usd(1894n) });
    clock.advance(300);
    expect((await client.getOrder(requestId))?.status).toBe('Processing');
    clock.advance(1000);
    const order = await client.getOrder(requestId);
    expect(order).toMatchObject({ status: 'Succeeded', final: 'Succeeded', orderType: 'Sandbox', errorMessage: null });
    const cards = order!.items[0]!.cards;
    expect(cards).toHaveLength(2);
    for (const card of cards) {
      expect(card.status).toBe('Sold');
      expect(card.cardCode).toMatch(/^[0-9A-F]{32}$/);
      expect(card.pin).toMatch(/^\d{3}$/);
      expect(card.expiresAt!.getTime() - order!.createdAt!.getTime()).toBe(365 * 86_400_000);
    }
    expect(order!.items[0]).toMatchObject({ productId: SIM_PRODUCTS.steam10, faceValue: usd(1000n), quantity: 2, countryCode: 'BH' });
  });

  it('rejects with every documented reason code', async () => {
    const disabledUser: SimulatorCredential = { ...SANDBOX_CREDENTIAL, clientId: 'NOT-ENABLED', enabled: false, accounts: [] };
    const noCatalog: SimulatorCredential = { ...SANDBOX_CREDENTIAL, clientId: 'NO-CATALOG', catalogAssigned: false, accounts: [] };
    mountSimulator({ rateLimits: false, credentials: [SANDBOX_CREDENTIAL, LIVE_CREDENTIAL, disabledUser, noCatalog] });
    const client = simulatorClient();
    const steam = (quantity = 1) => [line(SIM_PRODUCTS.steam10, quantity, usd(1000n))];
    const reject = async (lines: ReturnType<typeof line>[], options: { accountId?: number; client?: ReturnType<typeof simulatorClient> } = {}) => {
      const result = await (options.client ?? client).placeOrder({
        requestId: crypto.randomUUID(),
        lines,
        ...(options.accountId ? { accountId: options.accountId } : {}),
      });
      return result.kind === 'rejected' ? result.reason : result.kind;
    };
    const seen = new Set<string>();
    const expectReason = async (reason: string, actual: Promise<string>) => {
      expect(await actual).toBe(reason);
      seen.add(reason);
    };
    await expectReason('NoProducts', reject([]));
    await expectReason('WrongAccount', reject(steam(), { accountId: 999 }));
    await expectReason('WrongAccount', reject(steam(), { accountId: 557 })); // inactive
    await expectReason('WrongAccount', reject(steam(), { accountId: 1555 })); // the live account with sandbox credentials
    await expectReason('InvalidProductIds', reject([line(1, 1, usd(1000n))]));
    await expectReason('InvalidProduct', reject([line(SIM_PRODUCTS.disabled, 1, usd(1000n))]));
    await expectReason('ClientPriceInvalid', reject([line(SIM_PRODUCTS.noClientPrice, 1, usd(1000n))]));
    await expectReason('InvalidDenomination', reject([line(SIM_PRODUCTS.steam10, 1, usd(2000n))]));
    await expectReason('InvalidDenomination', reject([line(SIM_PRODUCTS.range, 1, usd(50001n))]));
    expect(await reject([line(SIM_PRODUCTS.range, 1, usd(2550n))])).toBe('accepted');
    await expectReason('CardsLimitExceeded', reject([line(SIM_PRODUCTS.range, 300, usd(500n)), line(SIM_PRODUCTS.steam10, 201, usd(1000n))]));
    await expectReason('ProductIsOutOfStock', reject([line(SIM_PRODUCTS.outOfStock, 1, usd(2500n))]));
    await expectReason('ProductIsOutOfStock', reject([line(SIM_PRODUCTS.limitedStock, 4, usd(1000n))]));
    expect(await reject([line(SIM_PRODUCTS.limitedStock, 3, usd(1000n))])).toBe('accepted');
    await expectReason('ProductIsOutOfStock', reject([line(SIM_PRODUCTS.limitedStock, 1, usd(1000n))])); // stock used up
    // 60 × 100 USD from the EUR account is about 5,229 EUR: more than its 5,000.
    await expectReason('InsufficientBalance', reject([line(SIM_PRODUCTS.itunes100, 60, usd(10000n))], { accountId: 556 }));
    await expectReason('UserNotEnabled', reject(steam(), { client: simulatorClient({ clientId: 'NOT-ENABLED' }) }));
    await expectReason('ClientCatalogNotExist', reject(steam(), { client: simulatorClient({ clientId: 'NO-CATALOG' }) }));

    // A reused RequestId is OrderAlreadyExists, which the client reports as unknown (it may be ours).
    const requestId = crypto.randomUUID();
    expect((await client.placeOrder({ requestId, lines: steam() })).kind).toBe('accepted');
    expect(await client.placeOrder({ requestId, lines: steam() })).toEqual({ kind: 'unknown', cause: 'OrderAlreadyExists' });
    seen.add('OrderAlreadyExists');
    // OrderNotFound: Get Order for an id Bamboo never saw.
    expect(await client.getOrder(crypto.randomUUID())).toBeUndefined();
    seen.add('OrderNotFound');
    expect([...seen].sort()).toEqual([...REASON_CODES].sort());
  });

  it('fulfils with faults: partial failure refunds failed cards, failure refunds all, Pending holds', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    simulator.setProductFault(SIM_PRODUCTS.itunes100, { outcome: 'partial-fail', failedCards: 1 });
    const partial = crypto.randomUUID();
    await client.placeOrder({ requestId: partial, lines: [line(SIM_PRODUCTS.itunes100, 3, usd(10000n))] });
    expect(await simulator.balance(555)).toBe('100528.4848');
    clock.advance(1500);
    const partialOrder = await client.getOrder(partial);
    expect(partialOrder).toMatchObject({ final: 'PartialFailed', total: usd(20000n), errorMessage: expect.any(String) });
    expect(partialOrder!.items[0]!.cards.map((card) => card.status)).toEqual(['Sold', 'Sold', 'Failed']);
    expect(partialOrder!.items[0]!.cards[2]!.cardCode).toBeNull();
    expect(await simulator.balance(555)).toBe('100628.4848');

    simulator.setProductFault(SIM_PRODUCTS.itunes100, { outcome: 'fail' });
    const failed = crypto.randomUUID();
    await client.placeOrder({ requestId: failed, lines: [line(SIM_PRODUCTS.itunes100, 1, usd(10000n))] });
    clock.advance(1500);
    expect(await client.getOrder(failed)).toMatchObject({ final: 'Failed', total: usd(0n) });
    expect(await simulator.balance(555)).toBe('100628.4848');

    simulator.setProductFault(SIM_PRODUCTS.itunes100, { holdPendingMs: 'until-released' });
    const held = crypto.randomUUID();
    await client.placeOrder({ requestId: held, lines: [line(SIM_PRODUCTS.itunes100, 1, usd(10000n))] });
    clock.advance(60_000);
    expect(await client.getOrder(held)).toMatchObject({ status: 'Pending', final: undefined });
    await simulator.release(held);
    expect((await client.getOrder(held))?.final).toBe('Succeeded');

    simulator.setProductFault(SIM_PRODUCTS.itunes100, { holdPendingMs: 5_000 });
    const timed = crypto.randomUUID();
    await client.placeOrder({ requestId: timed, lines: [line(SIM_PRODUCTS.itunes100, 1, usd(10000n))] });
    clock.advance(2_000);
    expect((await client.getOrder(timed))?.status).toBe('Pending');
    clock.advance(5_000);
    expect((await client.getOrder(timed))?.final).toBe('Succeeded');
  });

  it('delays answers and fulfilment when told to', async () => {
    const slept: number[] = [];
    const { simulator, clock } = mountSimulator({ rateLimits: false, sleep: async (ms) => void slept.push(ms) });
    const client = simulatorClient();
    simulator.injectFault({ endpoint: 'accounts', delayMs: 2500 });
    await client.getAccounts();
    expect(slept).toEqual([2500]);

    simulator.setProductFault(SIM_PRODUCTS.steam10, { fulfilAfterMs: 30_000 });
    const requestId = crypto.randomUUID();
    await client.placeOrder({ requestId, lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] });
    clock.advance(29_000);
    expect((await client.getOrder(requestId))?.status).toBe('Processing');
    clock.advance(1_000);
    expect((await client.getOrder(requestId))?.final).toBe('Succeeded');
  });

  it('reports unknown on a 5xx after the order was created and on a timeout; Get Order resolves both', async () => {
    const { simulator } = mountSimulator({ rateLimits: false });
    const client = simulatorClient({ timeoutMs: 50 });
    const committed = crypto.randomUUID();
    simulator.injectFault({ requestId: committed, status: 502, afterCommit: true });
    expect(await client.placeOrder({ requestId: committed, lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] })).toEqual({
      kind: 'unknown',
      cause: 'HTTP 502',
    });
    expect((await client.getOrder(committed))?.requestId).toBe(committed);

    const lost = crypto.randomUUID();
    simulator.injectFault({ requestId: lost, hang: true });
    const timedOut = await client.placeOrder({ requestId: lost, lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] });
    expect(timedOut).toMatchObject({ kind: 'unknown', cause: expect.stringMatching(/TimeoutError/) });
    // Never created: the same RequestId may be placed again.
    expect(await client.getOrder(lost)).toBeUndefined();
    expect((await client.placeOrder({ requestId: lost, lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] })).kind).toBe('accepted');

    simulator.injectFault({ endpoint: 'accounts', status: 503 });
    await expect(client.getAccounts()).rejects.toMatchObject({ code: 'vendor_unavailable', details: { status: 503 } });
    simulator.injectFault({ endpoint: 'accounts', hang: true });
    await expect(client.getAccounts()).rejects.toMatchObject({ code: 'vendor_unavailable', message: expect.stringContaining('timed out') });
  });

  it('stores notification settings and calls back on the final status with the shared secret', async () => {
    const received: unknown[] = [];
    mswServer.use(
      http.post('https://steller.example/bamboo/callback', async ({ request }) => {
        received.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    expect(await client.getNotificationSettings()).toEqual({ notificationUrl: null, notificationUrlSandbox: null, secretKey: null });
    const settings = { notificationUrl: 'https://steller.example/live', notificationUrlSandbox: 'https://steller.example/bamboo/callback', secretKey: 'shh' };
    expect(await client.setNotificationSettings(settings)).toEqual(settings);
    expect(await client.getNotificationSettings()).toEqual(settings);

    const requestId = crypto.randomUUID();
    await client.placeOrder({ requestId, lines: [line(SIM_PRODUCTS.steam10, 2, usd(1000n))] });
    clock.advance(500);
    await simulator.idle();
    expect(received).toEqual([]); // not final yet
    clock.advance(1000);
    await simulator.idle();
    expect(simulator.callbacks).toMatchObject([{ url: settings.notificationUrlSandbox, status: 204 }]);
    expect(verifyOrderCallback(received[0], 'shh')).toEqual({
      ok: true,
      callback: { requestId, orderId: expect.any(Number), status: 'Succeeded', totalCards: 2 },
    });
    expect(verifyOrderCallback(received[0], 'other')).toEqual({ ok: false, reason: 'bad_secret' });
    expect(verifyOrderCallback({ RequestId: requestId, OrderId: 1, Status: 'PartialFailed', SecretKey: 'shh' }, 'shh')).toMatchObject({
      ok: true,
      callback: { status: 'PartialFailed', totalCards: null },
    });
    expect(verifyOrderCallback({ hello: 'world' }, 'shh')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyOrderCallback({ ...(received[0] as object), secretKey: '' }, '')).toEqual({ ok: false, reason: 'bad_secret' });
  });

  it('returns FX rates and debits a foreign-currency order through FX', async () => {
    const { simulator } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    const fromUsd = await client.getExchangeRates();
    expect(fromUsd.baseCurrency).toBe('USD');
    expect(fromUsd.rates.find((rate) => rate.currency === 'EUR')?.rate).toBe('0.871483');
    expect(await client.getExchangeRates({ baseCurrency: 'AED', currency: 'INR' })).toEqual({
      baseCurrency: 'AED',
      rates: [{ currency: 'INR', rate: '22.718078' }],
    });

    const eurToUsd = new Big(1).div('0.871483').round(10, Big.roundHalfUp);
    const expectedCost = new Big('9.50').times(eurToUsd).round(4, Big.roundHalfUp);
    await client.placeOrder({ requestId: crypto.randomUUID(), lines: [line(SIM_PRODUCTS.eur10, 1, money(1000n, 'EUR'))] });
    expect(await simulator.balance(555)).toBe(new Big('100828.4848').minus(expectedCost).toFixed(4));
  });

  it('keeps the transactions ledger and the orders report', async () => {
    const { simulator, clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    simulator.setProductFault(SIM_PRODUCTS.steam10, { outcome: 'partial-fail' });
    const requestId = crypto.randomUUID();
    await client.placeOrder({ requestId, lines: [line(SIM_PRODUCTS.steam10, 2, usd(1000n))] });
    clock.advance(2000);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const transactions = await client.getTransactions({ startDate: day, endDate: day });
    expect(transactions.map((txn) => [txn.transactionType, txn.amount, txn.balanceAfter])).toEqual([
      ['Order', usd(-1894n), usd(10080954n)],
      ['Refund', usd(947n), usd(10081901n)], // 100819.0148 rounds half up to 100819.01
    ]);
    expect(transactions[0]).toMatchObject({ requestId, orderNumber: expect.stringMatching(/^O-\d{8}$/), transactionId: expect.stringMatching(/^\d+$/) });
    expect(await client.getTransactions({ startDate: '2020-01-01', endDate: '2020-01-02' })).toEqual([]);

    const [row] = await client.getOrdersReport({ startDate: day, endDate: day });
    expect(row).toMatchObject({
      requestId,
      channel: 'Sandbox',
      denomination: 'USD 10',
      quantity: 2,
      unitPrice: usd(947n),
      total: usd(947n),
      status: 'PartialFailed',
    });
    expect(row!.orderDate?.toISOString()).toBe(`${day}T00:00:00.000Z`);
    await expect(client.getOrdersReport({ startDate: '2026-1-1', endDate: day })).rejects.toThrow(/YYYY-MM-DD/);
  });
});

describe('card secrets', () => {
  it('never reach a log line or console output, at any depth', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    const client = simulatorClient();
    const requestId = crypto.randomUUID();
    await client.placeOrder({ requestId, lines: [line(SIM_PRODUCTS.steam10, 1, usd(1000n))] });
    clock.advance(2000);
    const order = (await client.getOrder(requestId))!;
    const card = order.items[0]!.cards[0]!;
    expect(card.cardCode).toMatch(/^[0-9A-F]{32}$/);

    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (text: string) => void lines.push(text) } });
    logger.info({ job: { result: { order } } }, 'placed');
    expect(lines.join('')).toContain(requestId);
    expect(lines.join('')).not.toContain(card.cardCode);
    expect(inspect({ deep: { order } }, { depth: 10 })).not.toContain(card.cardCode);
    expect(JSON.stringify(card)).toContain('"cardCode":"[redacted]"');
  });
});
