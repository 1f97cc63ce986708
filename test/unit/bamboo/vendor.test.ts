// The vendor the app context carries: the in-process simulator by default (no network, no
// credentials), the real Bamboo with VENDOR=bamboo and its configuration.
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createConfig } from '../../../src/config.ts';
import { createVendor } from '../../../src/integrations/bamboo/index.ts';
import { createLogger } from '../../../src/logger.ts';
import { money } from '../../../src/shared/money.ts';
import { createMemoryState } from '../../../src/shared-state/memory.ts';
import { mswServer } from '../../setup/msw.ts';

const logger = createLogger({ level: 'silent', pretty: false });

describe('createVendor', () => {
  it('VENDOR=simulator talks to the in-process simulator without touching the network', async () => {
    const vendor = createVendor(createConfig({}), createMemoryState(), logger);
    // msw fails any unhandled outside request, so these succeed only in-process.
    const [account] = await vendor.getAccounts();
    expect(account).toMatchObject({ id: 555, sandboxMode: true, balance: money(10082848n, 'USD') });
    const requestId = crypto.randomUUID();
    expect(await vendor.placeOrder({ requestId, lines: [{ productId: 439685, quantity: 1, faceValue: money(1000n, 'USD') }] })).toEqual({
      kind: 'accepted',
      requestId,
    });
    expect((await vendor.getOrder(requestId))?.requestId).toBe(requestId);
  });

  it('VENDOR=bamboo uses the configured host, credentials and account', async () => {
    let authorization: string | null = null;
    mswServer.use(
      http.get('https://bamboo.example/api/integration/v1.0/accounts', ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json({ accounts: [{ id: 77, currency: 'USD', balance: 10, isActive: true, sandboxMode: false }] });
      }),
    );
    const config = createConfig({
      VENDOR: 'bamboo',
      BAMBOO_BASE_URL: 'https://bamboo.example',
      BAMBOO_CLIENT_ID: 'me',
      BAMBOO_CLIENT_SECRET: 'pw',
      BAMBOO_ACCOUNT_ID: '77',
      CARD_ENCRYPTION_KEYS: `k1:${'A'.repeat(43)}=`,
    });
    const vendor = createVendor(config, createMemoryState(), logger);
    expect(vendor.accountId).toBe(77);
    expect((await vendor.getAccounts())[0]?.id).toBe(77);
    expect(authorization).toBe(`Basic ${Buffer.from('me:pw').toString('base64')}`);
  });
});
