// JSON with exact decimals. Bamboo sends money as JSON numbers with up to 10 decimals; JSON.parse
// would turn them into binary floats. Node 22 exposes each number's source text to the reviver
// (TC39 "JSON.parse source text access"), so non-integers stay decimal strings, and JSON.rawJSON
// writes decimal strings back as JSON numbers (the simulator uses it).

interface ReviverContext {
  source?: string;
}

type SourceReviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;

const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;

/**
 * Parses JSON keeping every number that is not a safe integer literal as its exact source text
 * ("18.9401", "100.00000000"). Integers (ids, counts) stay numbers.
 */
export function parseJsonExact(text: string): unknown {
  return parseWithSource(text, (_key, value, context) => {
    if (typeof value !== 'number') return value;
    const source = context?.source;
    if (source === undefined) return value;
    return /^-?\d+$/.test(source) && Number.isSafeInteger(value) ? value : source;
  });
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A decimal string that JSON.stringify writes as a bare JSON number with exactly these digits. */
export function jsonDecimal(decimal: string): unknown {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) throw new Error(`not a decimal: ${decimal}`);
  return rawJson(decimal);
}
