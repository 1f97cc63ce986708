// The client against hand-written bodies copied from Bamboo's documented examples: tolerant decoding,
// exact decimals, the three Place Order outcomes and the 429 wait. (The simulator tests cover the
// stateful behaviour.)
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { BambooClient } from '../../../src/integrations/bamboo/client.ts';
import { BambooRateLimiter, parseRetryAfterMs } from '../../../src/integrations/bamboo/rate-limits.ts';
import { parseBambooTimestamp } from '../../../src/integrations/bamboo/wire.ts';
import { money } from '../../../src/shared/money.ts';
import { createMemoryState } from '../../../src/shared-state/memory.ts';
import { mswServer } from '../../setup/msw.ts';

const BASE = 'https://api.bamboocardportal.com';

function newClient() {
  // A short checkout gap keeps the test fast; the limits themselves are tested elsewhere.
  const limiter = new BambooRateLimiter(createMemoryState(), { key: 'test', minGapMs: {}, limits: { checkout: { points: 100, durationMs: 1000 } } });
  return new BambooClient({ baseUrl: BASE, clientId: 'id', clientSecret: 'secret', accountId: 555, limiter });
}

const raw = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new HttpResponse(body, { status, headers: { 'content-type': 'application/json', ...headers } });

describe('Bamboo client decoding', () => {
  it('reads a catalog page with nulls, the `pageindex` spelling, unlimited stock and exact decimals', async () => {
    let seen: Request | undefined;
    mswServer.use(
      http.get(`${BASE}/api/integration/v2.0/catalog`, ({ request }) => {
        seen = request;
        return raw(`{"pageindex":0,"pageSize":100,"count":1,"items":[{"name":"iTunes USA eGift voucher","countryCode":"US",
          "currencyCode":"USD","description":null,"disclaimer":"","redemptionInstructions":null,"terms":null,"logoUrl":null,
          "modifiedDate":"2022-08-22T09:06:28.4131483","products":[{"id":114111,"name":"iTunes USA eGift voucher",
          "minFaceValue":100.00000000,"maxFaceValue":100.0000,"count":null,"price":{"min":94.70500,"max":94.70500,"currencyCode":"USD"},
          "modifiedDate":"2022-08-22T09:06:28.4131483","unknownField":1}]}]}`);
      }),
    );
    const page = await newClient().getCatalogPage({ modifiedSince: '2022-08-21' });
    expect(seen?.headers.get('authorization')).toBe(`Basic ${Buffer.from('id:secret').toString('base64')}`);
    expect(new URL(seen!.url).searchParams.get('ModifiedDate')).toBe('2022-08-21');
    expect(page.pageIndex).toBe(0);
    const product = page.brands[0]!.products[0]!;
    expect(product.stock).toBeNull();
    expect(product.faceValue.min).toEqual(money(10000n, 'USD'));
    // 94.705 rounds half up to 94.71 (as a float it is 94.70499… and would give 94.70).
    expect(product.price.min).toEqual(money(9471n, 'USD'));
    expect(product.modifiedAt?.toISOString()).toBe('2022-08-22T09:06:28.413Z');
    expect(page.brands[0]!.internalId).toBeNull();
  });

  it('parses zone-less timestamps, placeholders and garbage without failing', () => {
    expect(parseBambooTimestamp('2024-05-16T04:36:35.3673422')?.toISOString()).toBe('2024-05-16T04:36:35.367Z');
    expect(parseBambooTimestamp('2024-05-15T00:00:00')?.toISOString()).toBe('2024-05-15T00:00:00.000Z');
    expect(parseBambooTimestamp('0001-01-01T00:00:00')?.getUTCFullYear()).toBe(1);
    expect(parseBambooTimestamp('2024-05-16T04:36:35+04:00')?.toISOString()).toBe('2024-05-16T00:36:35.000Z');
    expect(parseBambooTimestamp('soon')).toBeNull();
  });

  it('keeps an unknown order status as non-final and reads the real sandbox order', async () => {
    mswServer.use(
      http.get(`${BASE}/api/integration/v1.0/orders/:id`, ({ params }) =>
        raw(`{"orderId":6779294,"requestId":"${String(params.id)}","items":[{"brandCode":null,"productId":439685,"productFaceValue":10,
          "quantity":2,"pictureUrl":null,"countryCode":"BH","currencyCode":"USD","cards":[{"id":24153984,"serialNumber":"a",
          "cardCode":"0123456789abcdef0123456789abcdef","pin":"392","expirationDate":"2025-05-16T04:36:35.39","status":"Sold"}]}],
          "status":"${params.id === 'new-status' ? 'CheckingOut' : 'Succeeded'}","createdDate":"2024-05-16T04:36:35.3673422",
          "total":18.9401,"errorMessage":null,"orderType":"Sandbox","currency":"USD"}`),
      ),
    );
    const client = newClient();
    const order = await client.getOrder('71ac2817');
    expect(order?.final).toBe('Succeeded');
    expect(order?.total).toEqual(money(1894n, 'USD'));
    expect(order?.items[0]?.cards[0]?.pin).toBe('392');
    const pending = await client.getOrder('new-status');
    expect(pending?.status).toBe('CheckingOut');
    expect(pending?.final).toBeUndefined();
  });

  it('reads transactions with a trailing-space id and FX rates as exact strings', async () => {
    mswServer.use(
      http.get(`${BASE}/api/Integration/v1/transactions`, () =>
        raw(`{"startDate":"2024-05-15T00:00:00","endDate":"2024-05-16T23:59:59","clients":[{"clientName":"Bamboo Tech - Testing",
          "transactions":[{"orderId":6779294,"requestId":"r","productId":439685,"orderNumber":"O-06779294",
          "orderTotal":{"value":18.9401,"currencyCode":"USD"},"currencyCode":null,"orderDate":"2024-05-16T04:36:35.3673422",
          "transactionId":"6677709 ","transactionType":"Order","comment":null,"notes":null,
          "availableBalance":{"value":100828.4848,"currencyCode":"USD"},"transactionAmount":{"value":-18.9401,"currencyCode":"USD"},
          "transactionDate":"2024-05-16T04:36:35.3673422","orderItems":[{"createdDate":"0001-01-01T00:00:00","productName":"Steam 10 USD BH",
          "clientPrice":{"value":9.47,"currencyCode":"USD"},"quantity":2,"clientTotal":18.94,
          "clientExchangeRate":{"fromCurrency":"USD","toCurrency":"USD","exchangeRate":0}}],"clientName":null,"orderType":null,
          "xeroCreditNoteNumber":null}]}]}`),
      ),
      http.get(`${BASE}/api/integration/v1.0/exchange-rates`, () => raw('{"baseCurrencyCode":"USD","rates":[{"currencyCode":"EUR","value":0.8714830000}]}')),
    );
    const client = newClient();
    const [txn] = await client.getTransactions({ startDate: '2024-05-15', endDate: '2024-05-16' });
    expect(txn?.transactionId).toBe('6677709');
    expect(txn?.balanceAfter).toEqual(money(10082848n, 'USD'));
    expect(txn?.amount).toEqual(money(-1894n, 'USD'));
    expect(txn?.items[0]?.exchangeRate).toBe('0');
    const rates = await client.getExchangeRates();
    expect(rates).toEqual({ baseCurrency: 'USD', rates: [{ currency: 'EUR', rate: '0.871483' }] });
  });

  it('maps Place Order answers to accepted / rejected / unknown', async () => {
    const answers: Record<string, () => Response> = {
      ok: () => raw('"ok"'),
      other: () => raw('"someone-else"'),
      object: () => raw('{"requestId":"object"}'),
      dup: () => raw('{"message":"OrderAlreadyExists"}', 400),
      stock: () => raw('{"message":"ProductIsOutOfStock"}', 400),
      text: () => raw('Product with sku X not found', 400),
      forbidden: () => raw('{"error":"IP not allowed"}', 403),
      down: () => raw('', 502),
      limited: () => raw('{"message":"Too many requests. Please wait for 3 seconds for the next request"}', 429),
    };
    mswServer.use(
      http.post(`${BASE}/api/integration/v1.0/orders/checkout`, async ({ request }) => {
        const body = (await request.json()) as { RequestId: string };
        return answers[body.RequestId]!();
      }),
    );
    const client = newClient();
    let productId = 0; // a new product each time: 6 orders per product a minute
    const place = (requestId: string) =>
      client.placeOrder({ requestId, lines: [{ productId: (productId += 1), quantity: 1, faceValue: money(1000n, 'USD') }] });
    expect(await place('ok')).toEqual({ kind: 'accepted', requestId: 'ok' });
    expect((await place('other')).kind).toBe('unknown');
    expect((await place('object')).kind).toBe('unknown');
    expect(await place('dup')).toEqual({ kind: 'unknown', cause: 'OrderAlreadyExists' });
    expect(await place('stock')).toMatchObject({ kind: 'rejected', reason: 'ProductIsOutOfStock', retryable: false });
    // Free text is not a documented reason code: the order may exist, so unknown (resolved by Get Order).
    expect(await place('text')).toMatchObject({ kind: 'unknown', cause: 'HTTP 400: Product with sku X not found' });
    expect(await place('forbidden')).toMatchObject({ kind: 'rejected', reason: 'Forbidden', message: 'IP not allowed' });
    expect(await place('down')).toEqual({ kind: 'unknown', cause: 'HTTP 502' });
    expect(await place('limited')).toMatchObject({ kind: 'rejected', reason: 'RateLimited', retryable: true, retryAfterMs: 3000 });
  });

  it('sends the face value as an exact JSON number, integer when whole', async () => {
    const bodies: string[] = [];
    mswServer.use(
      http.post(`${BASE}/api/integration/v1.0/orders/checkout`, async ({ request }) => {
        bodies.push(await request.text());
        return raw('"r"');
      }),
    );
    const client = newClient();
    await client.placeOrder({ requestId: 'r', lines: [{ productId: 7, quantity: 2, faceValue: money(1000n, 'USD') }] });
    await client.placeOrder({ requestId: 'r', lines: [{ productId: 8, quantity: 1, faceValue: money(2550n, 'USD') }] });
    expect(bodies[0]).toBe('{"RequestId":"r","AccountId":555,"Products":[{"ProductId":7,"Quantity":2,"Value":10}]}');
    expect(bodies[1]).toContain('"Value":25.5}');
  });

  it('takes the 429 wait from Retry-After (seconds or date) or from the body text', () => {
    const now = Date.parse('2026-11-28T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '7' }), '')).toBe(7000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Sat, 28 Nov 2026 00:00:30 GMT' }), '', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Headers(), '{"message":"Too many requests. Please wait for 3406 seconds for the next request"}')).toBe(3_406_000);
    expect(parseRetryAfterMs(new Headers(), 'Too many requests. Please wait 1 second.')).toBe(1000);
    expect(parseRetryAfterMs(new Headers(), 'Too many requests')).toBeUndefined();
  });

  it('reports a body that does not match without echoing values', async () => {
    mswServer.use(http.get(`${BASE}/api/integration/v1.0/accounts`, () => raw('{"accounts":[{"id":"x","cardCode":"SECRET"}]}')));
    const error = (await newClient()
      .getAccounts()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect(error.message).not.toContain('SECRET');
  });

  it('skips a catalog product it cannot price and keeps the rest of the page', async () => {
    mswServer.use(
      http.get(`${BASE}/api/integration/v2.0/catalog`, () =>
        raw(`{"pageIndex":0,"pageSize":100,"count":1,"items":[{"name":"B","countryCode":"US","currencyCode":"USD","modifiedDate":null,
          "products":[{"id":1,"name":"ok","minFaceValue":10,"maxFaceValue":10,"count":0,"price":{"min":9.5,"max":9.5,"currencyCode":"USD"}},
          {"id":2,"name":"odd","minFaceValue":10,"maxFaceValue":10,"count":null,"price":{"min":9.5,"max":9.5,"currencyCode":"US Dollar"}}]}]}`),
      ),
    );
    const page = await newClient().getCatalogPage();
    expect(page.brands[0]!.products.map((product) => [product.id, product.stock])).toEqual([[1, 0]]);
    expect(page.skipped).toEqual([{ productId: 2, reason: expect.stringContaining('ISO 4217') }]);
  });

  it('reports an order in a currency it cannot read as a bad response', async () => {
    mswServer.use(
      http.get(`${BASE}/api/integration/v1.0/orders/:id`, () =>
        raw('{"orderId":1,"requestId":"r","items":[],"status":"Created","createdDate":null,"total":0,"errorMessage":null,"orderType":null,"currency":"$"}'),
      ),
    );
    await expect(newClient().getOrder('r')).rejects.toMatchObject({ code: 'vendor_bad_response' });
  });

  it('does not send a checkout the limiter would hold too long: rejected as retryable instead', async () => {
    let sent = 0;
    mswServer.use(
      http.post(`${BASE}/api/integration/v1.0/orders/checkout`, () => {
        sent += 1;
        return raw('"r"');
      }),
    );
    const limiter = new BambooRateLimiter(createMemoryState(), { key: 'busy', minGapMs: {}, maxWaitMs: 0 });
    await limiter.block('checkout', 30_000);
    const client = new BambooClient({ baseUrl: BASE, clientId: 'id', clientSecret: 'secret', accountId: 555, limiter });
    const result = await client.placeOrder({ requestId: 'r', lines: [{ productId: 1, quantity: 1, faceValue: money(1000n, 'USD') }] });
    expect(result).toMatchObject({ kind: 'rejected', reason: 'RateLimited', retryable: true });
    expect(sent).toBe(0);
  });
});
