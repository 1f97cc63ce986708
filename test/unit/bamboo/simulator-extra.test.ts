// Simulator endpoints our client does not use, kept faithful for anyone who does: v1 catalog with
// its 2-an-hour limit, the v2.1 brand list, stock by SKU, countries and the SKU-based v2 checkout.
import { describe, expect, it } from 'vitest';
import { brandSku, ManualClock, SANDBOX_CREDENTIAL, SIM_PRODUCTS } from '../../../src/integrations/bamboo/simulator/index.ts';
import { mountSimulator, simulatorClient } from '../../support/bamboo.ts';

const auth = `Basic ${Buffer.from(`${SANDBOX_CREDENTIAL.clientId}:${SANDBOX_CREDENTIAL.clientSecret}`).toString('base64')}`;
const call = (path: string, init: RequestInit = {}) =>
  fetch(`https://api.bamboocardportal.com${path}`, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...init.headers } });

describe('simulator: the other documented endpoints', () => {
  it('v1 catalog: every brand at once, 2 calls an hour', async () => {
    const { simulator, clock } = mountSimulator({ clock: new ManualClock() });
    const first = await call('/api/integration/v1.0/catalog');
    expect(((await first.json()) as { brands: unknown[] }).brands).toHaveLength(simulator.brands.length);
    clock.advance(9_000);
    const second = await call('/api/integration/v1.0/catalog');
    await second.arrayBuffer(); // always read a large body: msw's socket interceptor trips over an unread one
    expect(second.status).toBe(200);
    clock.advance(185_000);
    const third = await call('/api/integration/v1.0/catalog');
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({ message: 'Too many requests. Please wait for 3406 seconds for the next request' });
  });

  it('v2.1 brands with SKU, status and face values; stock by SKU and face value; countries', async () => {
    const { simulator } = mountSimulator({ rateLimits: false });
    const brands = (await (await call('/api/Integration/v2.0/brands?sku=TBRAND-AE')).json()) as { items: Record<string, unknown>[] };
    expect(brands.items).toEqual([
      expect.objectContaining({
        id: 2118,
        name: 'Test Brand UAE',
        sku: 'TBRAND-AE',
        status: 'Live',
        faceValues: [
          { min: 1, max: 1 },
          { min: 10, max: 10 },
          { min: 20, max: 20 },
        ],
        categories: [6],
      }),
    ]);
    const inactive = (await (await call('/api/Integration/v2.0/brands?name=bahrain&currencyCode=BHD')).json()) as { items: Record<string, unknown>[] };
    expect(inactive.items).toEqual([expect.objectContaining({ id: 6132, sku: 'TBRAND1-AE', status: 'TemporaryInactive', faceValues: [] })]);

    expect(await (await call('/api/integration/v2.0/getstock/TBRAND-AE/10')).json()).toEqual({
      faceValue: 10,
      quantity: 0,
      isStocked: false,
      price: 9.5,
      currencyCode: 'AED',
    });
    // A generated brand of fixed denominations whose first product has a counted stock.
    const stocked = simulator.brands.find(
      (brand) => brand.id >= 10_000 && brand.products.every((product) => product.minFaceValue === product.maxFaceValue) && brand.products[0]!.count,
    )!;
    const product = stocked.products[0]!;
    expect(await (await call(`/api/integration/v2.0/getstock/${brandSku(stocked)}/${product.minFaceValue}`)).json()).toMatchObject({
      quantity: product.count,
      isStocked: true,
    });
    const missing = await call('/api/integration/v2.0/getstock/NOPE/10');
    expect([missing.status, await missing.json()]).toEqual([400, { message: 'Product with sku NOPE not found' }]);

    const countries = (await (await call('/api/integration/v2.0/catalog-countries')).json()) as Record<string, string>[];
    expect(countries).toContainEqual({ code: 'BH', name: 'Bahrain', defaultCurrencyCode: 'USD', alpha3Code: 'BHR' });
  });

  it('v2 checkout by brand SKU answers an object; the order is the same one Get Order returns', async () => {
    mountSimulator({ rateLimits: false });
    const requestId = crypto.randomUUID();
    const placed = await call('/api/integration/v2.0/orders/checkout', {
      method: 'POST',
      body: JSON.stringify({ RequestId: requestId, AccountId: 555, Products: [{ Sku: 'TBRAND-AE', Quantity: 1, Value: 10 }] }),
    });
    expect(await placed.json()).toEqual({ requestId, orderNumber: expect.stringMatching(/^O-\d{8}$/), status: 'Created', currencyCode: 'USD', totalCards: 1 });
    const order = await simulatorClient().getOrder(requestId);
    expect(order?.items[0]).toMatchObject({ productId: SIM_PRODUCTS.testBrandUae10, quantity: 1 });

    const unknown = await call('/api/integration/v2.0/orders/checkout', {
      method: 'POST',
      body: JSON.stringify({ RequestId: crypto.randomUUID(), AccountId: 555, Products: [{ Sku: 'X', Quantity: 1, Value: 10 }] }),
    });
    expect([unknown.status, await unknown.json()]).toEqual([400, { message: 'Product with sku X not found' }]);
  });
});
