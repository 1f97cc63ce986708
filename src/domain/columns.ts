// Column types shared by the domain's table declarations.
import type { ColumnType } from 'kysely';

/** timestamptz: Date out; optional on insert when the column has a default. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
