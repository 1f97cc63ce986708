// Schemas shared by the /v1 routes: money, problems, pagination, and the error responses each
// route documents. The OpenAPI document is generated from these same schemas.
import { z } from '@hono/zod-openapi';
import { parseInt8Id } from '#src/shared/ids.ts';

export const MoneySchema = z
  .object({
    amount: z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .openapi({ example: '10.00' }),
    currency: z.string().length(3).openapi({ example: 'USD' }),
  })
  .openapi('Money', { description: "An exact amount: a decimal string in the currency's minor-unit precision." });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'validation_failed' }),
    detail: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi('Problem', { description: 'RFC 9457 problem details with a stable machine `code`.' });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses every authenticated route can give, plus the route's own. */
export function errorResponses(extra: Record<number, string> = {}) {
  const base: Record<number, string> = {
    400: 'Invalid input (`validation_failed`, every failing field listed)',
    401: 'Missing, unknown, revoked or expired API key (`unauthorized`)',
    403: "Paused account (`account_paused`), an address outside the key's allowlist (`ip_not_allowed`) a key of the wrong kind (`forbidden`), or a key whose scope lacks the route's permission (`insufficient_scope`, with `permission`)",
    429: 'Rate limited (`rate_limited`); see Retry-After',
    ...extra,
  };
  return Object.fromEntries(Object.entries(base).map(([status, description]) => [status, problemResponse(description)]));
}

export const PageQuerySchema = z.object({
  cursor: z.string().max(100).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
});

export const SECURITY = [{ apiKey: [] }];

/**
 * A non-negative decimal amount as a partner types it. At most 14 whole digits and 4 decimals, so
 * its minor units fit a bigint column in every currency; anything longer is a 400, not a database error.
 */
export const AmountSchema = z.string().regex(/^\d{1,14}(\.\d{1,4})?$/, 'a decimal string such as 10.00 (at most 14 digits before the point)');

/** A page cursor that is a bigint row id: digits that fit the column. */
export const Int8CursorSchema = z.string().refine((cursor) => parseInt8Id(cursor) !== undefined, 'not a cursor from this list');
