/** JSON for jsonb columns: bigints become decimal strings (JSON has no integers that large). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}
