// Admin endpoint (admin key): the audit log, newest first, filtered by actor, subject, action and time.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { queryAuditLog } from '#src/domain/audit/query.ts';
import { DomainError } from '#src/shared/errors.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, Int8CursorSchema, SECURITY } from '../schemas.ts';
import { adminActor, json } from './admin-helpers.ts';

export function adminAuditLogRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/audit-log',
      tags,
      summary: 'Query the audit log, newest first',
      security: SECURITY,
      request: {
        query: z.object({
          actorAccountId: z.string().uuid().optional(),
          subjectType: z.string().max(50).optional(),
          subjectId: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          from: z.string().datetime().optional(),
          to: z.string().datetime().optional(),
          cursor: Int8CursorSchema.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      responses: {
        200: json(
          z.object({
            data: z.array(
              z.object({
                id: z.string(),
                at: z.string().datetime(),
                actorAccountId: z.string().uuid().nullable(),
                channel: z.string(),
                action: z.string(),
                subject: z.object({ type: z.string(), id: z.string() }),
                before: z.unknown(),
                after: z.unknown(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          'A page of audit rows',
        ),
        ...errorResponses({ 422: 'subjectType without subjectId or the reverse (`invalid_filter`)' }),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      if ((query.subjectType === undefined) !== (query.subjectId === undefined)) {
        throw new DomainError('invalid_filter', 'subjectType and subjectId go together');
      }
      const rows = await queryAuditLog(ctx.db, adminActor(c), {
        ...(query.actorAccountId ? { actorAccountId: query.actorAccountId } : {}),
        ...(query.subjectType && query.subjectId ? { subject: { type: query.subjectType, id: query.subjectId } } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.cursor ? { beforeId: BigInt(query.cursor) } : {}),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return c.json(
        {
          data: page.map((row) => ({
            id: row.id.toString(),
            at: row.at.toISOString(),
            actorAccountId: row.actor_account_id,
            channel: row.channel,
            action: row.action,
            subject: { type: row.subject_type, id: row.subject_id },
            before: row.before,
            after: row.after,
          })),
          nextCursor: rows.length > query.limit ? (page.at(-1)?.id.toString() ?? null) : null,
        },
        200,
      );
    },
  );

  return router;
}
