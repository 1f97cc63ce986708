// Small helpers every benchmark uses. (Database admin statements: `adminQuery` in test/support/admin.ts.)
import { BambooClient, BAMBOO_LIMITS, BambooRateLimiter, type EndpointClass } from '../src/integrations/bamboo/index.ts';
import { BambooSimulator, SANDBOX_CREDENTIAL } from '../src/integrations/bamboo/simulator/index.ts';
import type { SharedState } from '../src/shared-state/index.ts';
import type { Database } from '../src/db/database.ts';

/** `--name value` from the command line, or the fallback. */
export const arg = (name: string, fallback: number): number => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;

/** The p-th percentile of ascending-sorted values. */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** One brand and its products, each a fixed 10.00 USD card that costs 9.47 USD: the benchmarks' catalog. */
export async function insertBenchCatalog(
  db: Database,
  brand: { key: string; name: string; countryCode: string },
  products: readonly { id: number; name: string }[],
): Promise<void> {
  await db
    .insertInto('catalog_brands')
    .values({ key: brand.key, name: brand.name, country_code: brand.countryCode, currency: 'USD', updated_at: new Date() })
    .execute();
  await db
    .insertInto('catalog_products')
    .values(
      products.map((product) => ({
        id: BigInt(product.id),
        brand_key: brand.key,
        name: product.name,
        kind: 'fixed' as const,
        face_currency: 'USD',
        min_face_minor: 1000n,
        max_face_minor: 1000n,
        cost_currency: 'USD',
        cost_min_minor: 947n,
        cost_max_minor: 947n,
        stock: null,
        created_at: new Date(),
        updated_at: new Date(),
      })),
    )
    .execute();
}

/** A Bamboo client of an in-process simulator that answers at once, with no rate limits: a benchmark measures our side. */
export function instantVendor(state: SharedState): BambooClient {
  const simulator = new BambooSimulator({ rateLimits: false, processingAfterMs: 0, completeAfterMs: 0 });
  const unlimited = Object.fromEntries(Object.keys(BAMBOO_LIMITS).map((name) => [name, { points: 1_000_000, durationMs: 1000 }])) as Record<
    EndpointClass,
    { points: number; durationMs: number }
  >;
  return new BambooClient({
    baseUrl: 'https://api.bamboocardportal.com',
    clientId: SANDBOX_CREDENTIAL.clientId,
    clientSecret: SANDBOX_CREDENTIAL.clientSecret,
    accountId: 555,
    limiter: new BambooRateLimiter(state, { key: 'bench', limits: unlimited, minGapMs: {}, checkoutPerProduct: { points: 1_000_000, durationMs: 60_000 } }),
    fetch: simulator.fetch,
  });
}
