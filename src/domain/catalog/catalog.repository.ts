// Reads of the synced catalog for the other areas (pricing, bot card list, partner API). Amounts
// come back as Money; products that vanished from the vendor stay readable but `active: false`.
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { money, type Money } from '../../shared/money.ts';
import type { CatalogProductRow } from './catalog.tables.ts';

export interface CatalogProduct {
  id: number;
  name: string;
  brand: { key: string; name: string; countryCode: string; logoUrl: string | null };
  kind: 'fixed' | 'range';
  /** Face value bounds, equal for a fixed denomination. */
  faceValue: { min: Money; max: Money };
  /** Latest vendor cost (our buying price) range. */
  cost: { min: Money; max: Money };
  /** null: unlimited. */
  stock: number | null;
  active: boolean;
  updatedAt: Date;
}

type ProductWithBrand = CatalogProductRow & { brand_name: string; country_code: string; logo_url: string | null };

function toProduct(row: ProductWithBrand): CatalogProduct {
  return {
    id: Number(row.id),
    name: row.name,
    brand: { key: row.brand_key, name: row.brand_name, countryCode: row.country_code, logoUrl: row.logo_url },
    kind: row.kind,
    faceValue: { min: money(row.min_face_minor, row.face_currency), max: money(row.max_face_minor, row.face_currency) },
    cost: { min: money(row.cost_min_minor, row.cost_currency), max: money(row.cost_max_minor, row.cost_currency) },
    stock: row.stock,
    active: row.active,
    updatedAt: row.updated_at,
  };
}

const withBrand = (db: Database) =>
  db
    .selectFrom('catalog_products as p')
    .innerJoin('catalog_brands as b', 'b.key', 'p.brand_key')
    .selectAll('p')
    .select(['b.name as brand_name', 'b.country_code', 'b.logo_url']);

export async function findProduct(db: Database, id: number): Promise<CatalogProduct | undefined> {
  const row = await withBrand(db).where('p.id', '=', BigInt(id)).executeTakeFirst();
  return row ? toProduct(row) : undefined;
}

export interface ProductQuery {
  /** Face currency. */
  currency?: string;
  countryCode?: string;
  /** Brand or product name contains (case-insensitive). */
  search?: string;
  /** Products after this id (keyset pagination, id order). */
  afterId?: number;
  limit?: number;
}

/** Active products in id order, filtered; at most `limit` (default 50, max 500). */
export async function listActiveProducts(db: Database, query: ProductQuery = {}): Promise<CatalogProduct[]> {
  let select = withBrand(db).where('p.active', '=', true);
  if (query.currency) select = select.where('p.face_currency', '=', query.currency);
  if (query.countryCode) select = select.where('b.country_code', '=', query.countryCode);
  if (query.search) {
    const pattern = `%${query.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    select = select.where((eb) => eb.or([eb('b.name', 'ilike', pattern), eb('p.name', 'ilike', pattern)]));
  }
  if (query.afterId !== undefined) select = select.where('p.id', '>', BigInt(query.afterId));
  const rows = await select
    .orderBy('p.id')
    .limit(Math.min(Math.max(query.limit ?? 50, 1), 500))
    .execute();
  return rows.map(toProduct);
}

/** Categories by name, for menus. */
export async function listCategories(db: Database): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('catalog_categories').select(['id', 'name']).orderBy(sql`lower(name)`).execute();
}
