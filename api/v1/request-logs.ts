// GET /v1/request-logs: the partner's own API requests, newest first. Logs belong to the partner
// whichever of its keys (live or test) made the request; `keyMode` tells them apart.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { listRequestLogs, MAX_REQUEST_LOG_PAGE, STATUS_FILTER } from '#src/domain/request-logs/request-logs.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, SECURITY } from '../schemas.ts';

const RequestLogSchema = z
  .object({
    id: z.string().openapi({ example: '1042' }),
    at: z.string().datetime().openapi({ example: '2026-11-28T10:15:02.123Z' }),
    method: z.string().openapi({ example: 'GET' }),
    path: z.string().openapi({
      example: '/v1/orders/:id',
      description: 'The route template, never the raw path (no ids, no query string); `(unmatched)` when no route matched.',
    }),
    status: z.number().int().openapi({ example: 200 }),
    durationMs: z.number().int().openapi({ example: 12 }),
    requestId: z.string().openapi({ example: '5b0c6f1e-8d1a-4c36-9a57-1f3d2f9c6a10' }),
    keyId: z.string().openapi({ example: '0b7f3c8e-2a55-4c1e-b0a8-5e2f8e7d9c11' }),
    keyMode: z.enum(['live', 'test']),
  })
  .openapi('RequestLog');

const RequestLogPageSchema = z.object({ data: z.array(RequestLogSchema), nextCursor: z.string().nullable() }).openapi('RequestLogPage');

export function requestLogRoutes(ctx: AppContext) {
  const router = createRouter();
  router.openapi(
    defineRoute({
      permission: 'request_logs:read',
      method: 'get',
      path: '/request-logs',
      tags: ['Request logs'],
      summary: 'Your API requests, newest first',
      description:
        'Every request made with one of your keys (live or test) whose key was accepted, including the ones that then failed (4xx, 5xx). Logs are written in batches and appear within about a minute; they are kept for `REQUEST_LOG_RETENTION_DAYS` days (30 by default).',
      security: SECURITY,
      request: {
        query: z.object({
          status: z
            .string()
            .regex(STATUS_FILTER, 'a status such as 404 or a class such as 4xx')
            .optional()
            .openapi({ example: '4xx', description: 'One status (`404`) or a class (`4xx`).' }),
          path: z.string().max(200).optional().openapi({ example: '/v1/orders/:id', description: 'A route template, as in `path` of a log.' }),
          from: z.string().datetime().optional().openapi({ description: 'At or after (RFC 3339).', example: '2026-11-27T00:00:00Z' }),
          to: z.string().datetime().optional().openapi({ description: 'Before (RFC 3339).', example: '2026-11-28T00:00:00Z' }),
          cursor: z.string().max(40).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
          limit: z.coerce.number().int().min(1).max(MAX_REQUEST_LOG_PAGE).default(50).openapi({ example: 50 }),
        }),
      },
      responses: {
        200: {
          description: 'A page of request logs',
          content: {
            'application/json': {
              schema: RequestLogPageSchema,
              example: {
                data: [
                  {
                    id: '1042',
                    at: '2026-11-28T10:15:02.123Z',
                    method: 'POST',
                    path: '/v1/orders',
                    status: 201,
                    durationMs: 48,
                    requestId: '5b0c6f1e-8d1a-4c36-9a57-1f3d2f9c6a10',
                    keyId: '0b7f3c8e-2a55-4c1e-b0a8-5e2f8e7d9c11',
                    keyMode: 'live',
                  },
                ],
                nextCursor: '1796379302123.1042',
              },
            },
          },
        },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const principal = c.var.principal;
      const query = c.req.valid('query');
      // Write what this process buffered so far, so a partner sees its latest requests; best effort.
      await ctx.requestLogs?.flush(ctx.db).catch((error: unknown) => c.var.logger.warn({ err: error }, 'request logs not written yet'));
      const page = await listRequestLogs(ctx.db, principal.ownerId, {
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.path ? { path: query.path } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return c.json(
        {
          data: page.logs.map((log) => ({
            id: log.id,
            at: log.at.toISOString(),
            method: log.method,
            path: log.path,
            status: log.status,
            durationMs: log.durationMs,
            requestId: log.requestId,
            keyId: log.keyId,
            keyMode: log.keyMode,
          })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    },
  );
  return router;
}
