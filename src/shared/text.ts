// Text from outside (API input, bot messages, CLI options) that PostgreSQL and JSON can store:
// no NUL character (text columns refuse it) and no lone UTF-16 surrogate (not Unicode; jsonb
// refuses its escape and UTF-8 cannot encode it). One rule, checked at every edge.
import { z } from 'zod';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (not valid Unicode)';
  return undefined;
}

/** A string schema that refuses text PostgreSQL cannot store; add `.trim()`, `.max()` … as usual. */
export const safeText = () =>
  z.string().check((context) => {
    const reason = unsafeTextReason(context.value);
    if (reason) context.issues.push({ code: 'custom', message: reason, input: context.value });
  });

/** Every string inside `value` (objects, arrays) that cannot be stored, with its path. */
export function findUnsafeText(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? [{ path, message: reason }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findUnsafeText(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(unsafeTextReason(key) ? [{ path: [...path, key], message: `name ${unsafeTextReason(key)}` }] : []),
      ...findUnsafeText(item, [...path, key]),
    ]);
  }
  return [];
}
