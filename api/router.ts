import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import type { ApiEnv } from './env.ts';
import { findUnsafeText } from '#src/shared/text.ts';
import { invalidInputProblem, validationProblem } from './errors.ts';

/**
 * Every router (the app and each /v1 resource) validates with zod and answers problem+json. Valid
 * input is then checked once more for text PostgreSQL cannot store (NUL, lone surrogates), in every
 * string of every route's query, path, headers and body, so no route can forget it.
 */
export function createRouter() {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
}

/** Every route's validation answer (a route with its own hook ends with this one). */
export function validationHook(
  result: { success: true; data: unknown; target: string } | { success: false; error: ZodError; target: string },
  c: Context<ApiEnv>,
) {
  if (!result.success) return validationProblem(c, result.error, result.target);
  const unsafe = findUnsafeText(result.data);
  return unsafe.length > 0 ? invalidInputProblem(c, result.target, unsafe) : undefined;
}
