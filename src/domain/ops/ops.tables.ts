// Tables of the operations area (migration 2026_11_28_130100_create_vendor_call_stats).
import type { ColumnType } from 'kysely';

export interface VendorCallMinutesTable {
  vendor: string;
  minute: ColumnType<Date, Date, never>;
  calls: ColumnType<number, number | undefined, number>;
  failures: ColumnType<number, number | undefined, number>;
}

export interface OpsTables {
  vendor_call_minutes: VendorCallMinutesTable;
}
