// The client reads Bamboo's answers honestly (docs/bamboo.md, Using the client): "not found" is only
// Bamboo's parsed `OrderNotFound`; any other 404 (a proxy's HTML page, an unknown route), a timeout
// or an unreadable body is unknown. On checkout only the documented "not created" reason codes are
// rejections; a reworded `OrderAlreadyExists` or any other 400 is unknown.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { BambooClient } from '../../../src/integrations/bamboo/client.ts';
import { CHECKOUT_REJECTIONS, REASON_CODES } from '../../../src/integrations/bamboo/model.ts';
import { BambooRateLimiter } from '../../../src/integrations/bamboo/rate-limits.ts';
import { money } from '../../../src/shared/money.ts';
import { createMemoryState } from '../../../src/shared-state/memory.ts';
import { mswServer } from '../../setup/msw.ts';

const BASE = 'https://api.bamboocardportal.com';

function newClient(options: { timeoutMs?: number } = {}) {
  const limiter = new BambooRateLimiter(createMemoryState(), { key: 'answers', minGapMs: {}, limits: { checkout: { points: 100, durationMs: 1000 } } });
  return new BambooClient({ baseUrl: BASE, clientId: 'id', clientSecret: 'secret', accountId: 555, limiter, maxAttempts: 1, ...options });
}

const body = (text: string, status: number, contentType = 'application/json') => new HttpResponse(text, { status, headers: { 'content-type': contentType } });

const ORDER = `{"orderId":1,"requestId":"found","items":[],"status":"Processing","createdDate":null,"total":0,"errorMessage":null,"orderType":"Sandbox","currency":"USD"}`;

describe('Bamboo client: what counts as an answer', () => {
  it('Get Order: found, not found only for the parsed OrderNotFound, unknown for everything else', async () => {
    const answers: Record<string, () => Response | Promise<Response>> = {
      found: () => body(ORDER, 200),
      'not-found': () => body('{"message":"OrderNotFound"}', 400),
      'not-found-as-404': () => body('{"message":"OrderNotFound"}', 404),
      'html-404': () => body('<html><body><h1>404 Not Found</h1>OrderNotFound</body></html>', 404, 'text/html'),
      'json-404': () => body('{"message":"Not found"}', 404),
      'text-400': () => body('OrderNotFound', 400, 'text/plain'),
      'other-400': () => body('{"message":"Order was not found"}', 400),
      'server-error': () => body('', 502),
      garbage: () => body('{"orderId":', 200),
      'wrong-shape': () => body('{"hello":"world"}', 200),
      limited: () => body('{"message":"Too many requests. Please wait for 3 seconds for the next request"}', 429),
      slow: () => new Promise<Response>(() => {}),
    };
    mswServer.use(http.get(`${BASE}/api/integration/v1.0/orders/:id`, ({ params }) => answers[String(params.id)]!()));
    const client = newClient({ timeoutMs: 50 });
    expect(await client.lookupOrder('found')).toMatchObject({ kind: 'found', order: { orderId: 1, status: 'Processing' } });
    expect(await client.lookupOrder('not-found')).toEqual({ kind: 'not_found' });
    expect(await client.lookupOrder('not-found-as-404')).toEqual({ kind: 'not_found' });
    for (const unknown of ['html-404', 'json-404', 'text-400', 'other-400', 'server-error', 'garbage', 'wrong-shape', 'slow'])
      expect(await client.lookupOrder(unknown), unknown).toMatchObject({ kind: 'unknown', cause: expect.any(String) });
    // getOrder: undefined only for not found; an unknown answer throws (the caller asks again later).
    expect(await client.getOrder('not-found')).toBeUndefined();
    await expect(client.getOrder('html-404')).rejects.toMatchObject({ code: 'vendor_rejected', details: { status: 404 } });
    // Last: a 429 blocks Get Order for the wait it names.
    expect(await client.lookupOrder('limited')).toMatchObject({ kind: 'unknown', retryAfterMs: 3000 });
  });

  it('Place Order: only the documented "not created" codes reject; a reworded OrderAlreadyExists, free text or HTML is unknown', async () => {
    const answers: Record<string, () => Response> = {
      'already-exists': () => body('{"message":"OrderAlreadyExists"}', 400),
      reworded: () => body('{"message":"Order already exists"}', 400),
      'reworded-error': () => body('{"error":"This order already exists, try again with a new requestId"}', 400),
      'not-found-code': () => body('{"message":"OrderNotFound"}', 400),
      html: () => body('<html><body>Bad Request</body></html>', 400, 'text/html'),
      'html-404': () => body('<html><body>404</body></html>', 404, 'text/html'),
      empty: () => body('', 400),
    };
    for (const reason of CHECKOUT_REJECTIONS) answers[reason] = () => body(JSON.stringify({ message: reason }), 400);
    mswServer.use(
      http.post(`${BASE}/api/integration/v1.0/orders/checkout`, async ({ request }) => answers[((await request.json()) as { RequestId: string }).RequestId]!()),
    );
    const client = newClient();
    let productId = 0;
    const place = (requestId: string) =>
      client.placeOrder({ requestId, lines: [{ productId: (productId += 1), quantity: 1, faceValue: money(1000n, 'USD') }] });

    for (const reason of CHECKOUT_REJECTIONS) expect(await place(reason)).toEqual({ kind: 'rejected', reason, message: reason, retryable: false });
    for (const unknown of ['already-exists', 'reworded', 'reworded-error', 'not-found-code', 'html', 'html-404', 'empty'])
      expect((await place(unknown)).kind, unknown).toBe('unknown');
    // Every documented code is either a rejection or one of the two that leave the outcome open.
    expect([...CHECKOUT_REJECTIONS, 'OrderAlreadyExists', 'OrderNotFound'].sort()).toEqual([...REASON_CODES].sort());
  });
});
