// Catalog rows for tests that need products without running a sync.
import type { Database } from '../../src/db/database.ts';

let brandSequence = 0;

export interface ProductSpec {
  id: number;
  kind?: 'fixed' | 'range';
  currency?: string;
  /** Face minor units; max defaults to min (fixed). */
  minFace: bigint;
  maxFace?: bigint;
  costCurrency?: string;
  costMin: bigint;
  costMax?: bigint;
  active?: boolean;
}

export async function insertProduct(db: Database, spec: ProductSpec): Promise<void> {
  brandSequence += 1;
  const brandKey = `test-brand-${spec.id}-${brandSequence}`;
  const currency = spec.currency ?? 'USD';
  await db
    .insertInto('catalog_brands')
    .values({ key: brandKey, name: `Brand ${spec.id}`, country_code: 'US', currency, updated_at: new Date() })
    .execute();
  await db
    .insertInto('catalog_products')
    .values({
      id: BigInt(spec.id),
      brand_key: brandKey,
      name: `Product ${spec.id}`,
      kind: spec.kind ?? (spec.maxFace !== undefined && spec.maxFace !== spec.minFace ? 'range' : 'fixed'),
      face_currency: currency,
      min_face_minor: spec.minFace,
      max_face_minor: spec.maxFace ?? spec.minFace,
      cost_currency: spec.costCurrency ?? 'USD',
      cost_min_minor: spec.costMin,
      cost_max_minor: spec.costMax ?? spec.costMin,
      stock: null,
      active: spec.active ?? true,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .execute();
}

export async function insertRate(db: Database, base: string, quote: string, rate: string, sourceTime = new Date()): Promise<void> {
  await db.insertInto('fx_rates').values({ base_currency: base, quote_currency: quote, rate, source_time: sourceTime, source: 'test' }).execute();
}
