// The database as Kysely sees it. Hand-kept: one interface per table, in migration order.
// Money columns are int8 and arrive as bigint (see database.ts).
import type { ColumnType, Generated, Selectable } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface AppMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Timestamp>;
}
export type AppMetaRow = Selectable<AppMetaTable>;

export interface DB {
  app_meta: AppMetaTable;
}
