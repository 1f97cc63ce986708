// What the admin routers share: the `{id}` path parameter, JSON response and body shorthands, and
// the admin key's account as the actor of every admin call.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { accountActor } from '#src/domain/actor.ts';
import type { ApiEnv } from '../env.ts';

export const IdParams = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
export const adminActor = (c: Context<ApiEnv>) => accountActor(c.var.principal.accountId, 'api');
