import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './env.ts';
import { validationProblem } from './errors.ts';

/** Every router (the app and each /v1 resource) validates with zod and answers problem+json. */
export function createRouter() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => (result.success ? undefined : validationProblem(c, result.error, result.target)),
  });
}
