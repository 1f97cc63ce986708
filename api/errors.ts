// How domain errors and invalid input become RFC 9457 problem+json responses.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { ERROR_CODES } from '#src/shared/error-codes.ts';
import { DomainError } from '#src/shared/errors.ts';
import { MoneyError } from '#src/shared/money.ts';
import { isDependencyUnavailable } from '#src/shared/unavailable.ts';
import type { ApiEnv } from './env.ts';
import { problem } from './problem.ts';

/** The HTTP status the registry gives the code (src/shared/error-codes.ts). */
export function statusForDomainError(error: DomainError): ContentfulStatusCode {
  return ERROR_CODES[error.code].status;
}

const titleFromCode = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replaceAll('_', ' ');

/** Every failing field at once, as `path: message`. */
export function validationProblem(c: Context<ApiEnv>, error: ZodError, target: string) {
  return invalidInputProblem(c, target, error.issues);
}

export function invalidInputProblem(c: Context<ApiEnv>, target: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  return problem(c, 400, 'validation_failed', 'The request is not valid', {
    detail: `${issues.length} problem${issues.length === 1 ? '' : 's'} in the ${target}`,
    errors: issues.map((issue) => ({ path: [target, ...issue.path.map(String)].join('.'), message: issue.message })),
  });
}

/** How long a client should wait before retrying when a dependency is down (seconds). */
const RETRY_AFTER_SECONDS = 2;

/** The single error handler: known errors keep their code, a dependency outage is a 503, anything else is a 500 without details. */
export function handleError(error: Error, c: Context<ApiEnv>) {
  if (error instanceof DomainError) {
    // A refusal for now (no vendor float, sales paused) says when to come back.
    if (typeof error.details.retryAfterSeconds === 'number') c.header('Retry-After', String(error.details.retryAfterSeconds));
    return problem(c, statusForDomainError(error), error.code, titleFromCode(error.code), { detail: error.message, ...error.details });
  }
  // An amount or currency the money rules refuse (too many decimals, unknown code): the caller's input.
  if (error instanceof MoneyError) return problem(c, 422, 'invalid_amount', 'Invalid amount', { detail: error.message });
  if (error instanceof HTTPException) {
    return problem(c, error.status as ContentfulStatusCode, `http_${error.status}`, error.message || 'Request failed');
  }
  if (isDependencyUnavailable(error)) {
    c.get('logger').warn({ err: error }, 'a dependency is unreachable');
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return problem(c, 503, 'service_unavailable', 'Service unavailable', {
      detail: 'A database or cache this service depends on cannot be reached right now; retry shortly.',
    });
  }
  c.get('logger').error({ err: error }, 'unhandled error');
  return problem(c, 500, 'internal_error', 'Internal server error');
}
