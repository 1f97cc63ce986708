// A dependency outage is a 503 with Retry-After, never a 500, and service is back as soon as the
// dependency is (docs/api.md, Errors). PostgreSQL (and Redis when the run has one) is reached
// through a proxy the test cuts and restores.
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createRedisState } from '../../src/shared-state/index.ts';
import { createApiHarness } from '../support/api.ts';
import { testRedisPrefix } from '../support/db.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const harness = await createApiHarness();
const partner = await harness.makePartner();

async function apiThrough(proxy: TcpProxy, dependency: 'database' | 'redis') {
  if (dependency === 'database') {
    const { db } = createDatabase(throughProxy(harness.database.url, proxy), { poolSize: 2 });
    afterAll(() => db.destroy());
    return createApi({ ctx: { ...harness.ctx, db }, boss: harness.boss });
  }
  const state = createRedisState(throughProxy(process.env.REDIS_URL as string, proxy), testRedisPrefix('outage'));
  afterAll(() => state.close());
  return createApi({ ctx: { ...harness.ctx, state }, boss: harness.boss });
}

const targetOf = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
const wallet = (api: ReturnType<typeof createApi>) => api.request('/v1/wallet', { headers: { authorization: `Bearer ${partner.liveKey}` } });

describe.each([
  { dependency: 'database' as const, url: () => harness.database.url },
  ...(process.env.REDIS_URL ? [{ dependency: 'redis' as const, url: () => process.env.REDIS_URL as string }] : []),
])('$dependency unreachable', ({ dependency, url }) => {
  it('answers 503 service_unavailable with Retry-After, /readyz names it, and service returns within a second', async () => {
    const proxy = await startTcpProxy(targetOf(url()));
    afterAll(() => proxy.close());
    const api = await apiThrough(proxy, dependency);
    expect((await wallet(api)).status).toBe(200);

    await proxy.cut();
    const down = await wallet(api);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await down.json()).toMatchObject({ status: 503, code: 'service_unavailable' });
    const ready = await api.request('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, { status: string }> }).checks[dependency]?.status).toBe('fail');

    await proxy.restore();
    const backAt = Date.now();
    await expect.poll(async () => (await wallet(api)).status, { timeout: 1_000, interval: 50 }).toBe(200);
    expect(Date.now() - backAt).toBeLessThan(1_000);
  });
});
