// Tables of the catalog area (migration 2026_11_28_020000_create_catalog).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8, Timestamp } from '../../db/schema.ts';

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** bigserial: bigint out, never written. */
type Serial8 = ColumnType<bigint, undefined, never>;

export interface CatalogCategoriesTable {
  id: number;
  name: string;
  description: string | null;
  updated_at: Timestamp;
}

export interface CatalogBrandsTable {
  key: string;
  name: string;
  country_code: string;
  currency: string;
  description: string | null;
  disclaimer: string | null;
  redemption_instructions: string | null;
  terms: string | null;
  logo_url: string | null;
  category_ids: ColumnType<number[], number[] | undefined, number[]>;
  vendor_modified_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface CatalogProductsTable {
  id: Int8;
  brand_key: string;
  name: string;
  kind: 'fixed' | 'range';
  face_currency: string;
  min_face_minor: Int8;
  max_face_minor: Int8;
  cost_currency: string;
  cost_min_minor: Int8;
  cost_max_minor: Int8;
  stock: number | null;
  active: Generated<boolean>;
  vendor_modified_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type CatalogProductRow = Selectable<CatalogProductsTable>;

export interface CatalogSyncRunsTable {
  id: Serial8;
  kind: 'full' | 'delta';
  status: 'running' | 'succeeded' | 'failed';
  modified_since: ColumnType<string | null, string | null | undefined, string | null>;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  page_size: number | null;
  next_page: Generated<number>;
  total_pages: number | null;
  pages: Generated<number>;
  products_seen: Generated<number>;
  products_added: Generated<number>;
  products_changed: Generated<number>;
  products_removed: Generated<number>;
  errors: ColumnType<{ at: string; message: string }[], string | undefined, string>;
}
export type CatalogSyncRunRow = Selectable<CatalogSyncRunsTable>;

export interface CatalogSyncPagesTable {
  run_id: Int8;
  page_index: number;
  brands: ColumnType<unknown, string, string>;
}

export interface FxRatesTable {
  base_currency: string;
  quote_currency: string;
  /** numeric: a decimal string. */
  rate: ColumnType<string, string, string>;
  source_time: Timestamp;
  source: string;
}

export interface CatalogTables {
  catalog_categories: CatalogCategoriesTable;
  catalog_brands: CatalogBrandsTable;
  catalog_products: CatalogProductsTable;
  catalog_sync_runs: CatalogSyncRunsTable;
  catalog_sync_pages: CatalogSyncPagesTable;
  fx_rates: FxRatesTable;
}
