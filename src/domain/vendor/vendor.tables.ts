// Tables of vendor operations (migration 2026_12_04_010000_vendor_operations): the float's last known
// balances and the kill switches. The orders' float columns are in orders.tables.ts.
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export type FloatBook = 'live' | 'sandbox';

export interface VendorFloatTable {
  book: FloatBook;
  currency: string;
  /** The balance Bamboo reported, in minor units of `currency`. */
  balance_minor: Int8;
  /** Database time the accounts call was sent: orders bought after it are not in the balance yet. */
  requested_at: Timestamp;
  refreshed_at: Timestamp;
}

/** Vendor cost of orders held but not yet bought, per float, in shards (float.ts#holdFloat). */
export interface VendorFloatHeldTable {
  book: FloatBook;
  currency: string;
  shard: number;
  held_minor: Int8;
}

/** Float taken by an intake in flight: deleted by the transaction that writes its orders (float.ts). */
export interface VendorFloatReservationsTable {
  id: Generated<string>;
  book: FloatBook;
  currency: string;
  amount_minor: Int8;
  created_at: Timestamp;
}

export type SalesPauseScope = 'all' | 'product' | 'brand';

export interface SalesPausesTable {
  id: Generated<string>;
  scope: SalesPauseScope;
  /** The product id or brand key; empty for `all`. */
  target: Generated<string>;
  reason: string;
  paused_by: string | null;
  paused_at: Timestamp;
  resumed_by: ColumnType<string | null, string | null | undefined, string | null>;
  resumed_at: NullableTimestamp;
}
export type SalesPauseRow = Selectable<SalesPausesTable>;

export interface VendorTables {
  vendor_float: VendorFloatTable;
  vendor_float_reservations: VendorFloatReservationsTable;
  vendor_float_held: VendorFloatHeldTable;
  sales_pauses: SalesPausesTable;
}
