// Reading the synced catalog for partners: active products with their brand, filtered and paginated
// by product id. Vendor costs never leave this module (partners see face values only; their price
// comes from the pricing engine).
import { sql, type Kysely } from 'kysely';
import { containsPattern } from '../../db/like.ts';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';

export interface CatalogProduct {
  id: string;
  name: string;
  brand: { key: string; name: string; logoUrl: string | null };
  country: string;
  currency: string;
  /** `fixed`: one face value (min = max); `range`: any face value from min to max. */
  kind: 'fixed' | 'range';
  minFaceValue: Money;
  maxFaceValue: Money;
  categoryIds: number[];
  /** Null: no known limit. */
  stock: number | null;
  description: string | null;
  redemptionInstructions: string | null;
  terms: string | null;
}

export interface CatalogFilter {
  country?: string;
  currency?: string;
  /** Brand key. */
  brand?: string;
  category?: number;
  /** Words in the product or brand name (case-insensitive). */
  search?: string;
  cursor?: string;
  limit?: number;
}

const productQuery = (db: Kysely<DB>) =>
  db
    .selectFrom('catalog_products as p')
    .innerJoin('catalog_brands as b', 'b.key', 'p.brand_key')
    .select([
      'p.id',
      'p.name',
      'p.kind',
      'p.face_currency',
      'p.min_face_minor',
      'p.max_face_minor',
      'p.stock',
      'b.key as brand_key',
      'b.name as brand_name',
      'b.logo_url',
      'b.country_code',
      'b.category_ids',
      'b.description',
      'b.redemption_instructions',
      'b.terms',
    ])
    .where('p.active', '=', true);

type ProductRow = Awaited<ReturnType<ReturnType<typeof productQuery>['executeTakeFirstOrThrow']>>;

const toProduct = (row: ProductRow): CatalogProduct => ({
  id: row.id.toString(),
  name: row.name,
  brand: { key: row.brand_key, name: row.brand_name, logoUrl: row.logo_url },
  country: row.country_code,
  currency: row.face_currency,
  kind: row.kind,
  minFaceValue: money(row.min_face_minor, row.face_currency),
  maxFaceValue: money(row.max_face_minor, row.face_currency),
  categoryIds: row.category_ids,
  stock: row.stock,
  description: row.description,
  redemptionInstructions: row.redemption_instructions,
  terms: row.terms,
});

const PRODUCT_ID = /^\d{1,18}$/;

export async function listCatalog(db: Kysely<DB>, filter: CatalogFilter = {}): Promise<{ items: CatalogProduct[]; nextCursor: string | null }> {
  if (filter.cursor !== undefined && !PRODUCT_ID.test(filter.cursor)) throw new DomainError('invalid_cursor', 'this page cursor is not valid');
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const words = (filter.search ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5);
  let query = productQuery(db);
  if (filter.country) query = query.where('b.country_code', '=', filter.country.toUpperCase());
  if (filter.currency) query = query.where('p.face_currency', '=', filter.currency.toUpperCase());
  if (filter.brand) query = query.where('b.key', '=', filter.brand);
  if (filter.category !== undefined) query = query.where(sql<boolean>`${filter.category}::int = any(b.category_ids)`);
  for (const word of words) {
    const pattern = containsPattern(word);
    query = query.where((eb) => eb.or([eb('p.name', 'ilike', pattern), eb('b.name', 'ilike', pattern)]));
  }
  if (filter.cursor !== undefined) query = query.where('p.id', '>', BigInt(filter.cursor));
  const rows = await query
    .orderBy('p.id')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toProduct);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getCatalogProduct(db: Kysely<DB>, productId: string): Promise<CatalogProduct> {
  const row = PRODUCT_ID.test(productId) ? await productQuery(db).where('p.id', '=', BigInt(productId)).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('product_not_found', `no product ${productId} in the catalog`, { productId });
  return toProduct(row);
}
