// Row ids are UUIDs; an id from outside is checked before it reaches a uuid column, where a
// malformed one would be a database error instead of "not found".

/** A UUID as regular-expression source, to build patterns such as the bot's callback data. */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_PATTERN}$`, 'i');

export const isUuid = (value: string): boolean => UUID.test(value);

/** The largest value a PostgreSQL bigint (int8) column holds. */
export const INT8_MAX = 2n ** 63n - 1n;

/** A non-negative bigint id from outside (a page cursor), or undefined when no int8 column can hold it. */
export function parseInt8Id(text: string): bigint | undefined {
  if (!/^\d{1,19}$/.test(text)) return undefined;
  const id = BigInt(text);
  return id <= INT8_MAX ? id : undefined;
}

/** How many leading characters of a UUID people see and type as a short id (`/approve 3f2a9c1b`). */
export const SHORT_ID_LENGTH = 8;

export const shortId = (id: string): string => id.slice(0, SHORT_ID_LENGTH);

/**
 * The UUIDs that start with `prefix` (6 to 32 hex digits, dashes ignored) as an inclusive range, so
 * a lookup by short id uses the primary key's index; undefined when `prefix` is not such a prefix.
 */
export function uuidPrefixRange(prefix: string): { from: string; to: string } | undefined {
  const hex = prefix.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{6,32}$/.test(hex)) return undefined;
  const asUuid = (digits: string) => `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
  return { from: asUuid(hex.padEnd(32, '0')), to: asUuid(hex.padEnd(32, 'f')) };
}
