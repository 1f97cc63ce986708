// A typed search text as an ILIKE pattern: its own %, _ and \ match themselves.

/** `%text%` with the text's wildcard characters escaped (PostgreSQL's default escape, backslash). */
export const containsPattern = (text: string): string => `%${text.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
