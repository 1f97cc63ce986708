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
