// The partner's webhook endpoint (get/set, secret rotation), its recent events with delivery
// attempts, and redelivery on demand. Test keys configure the sandbox account's own endpoint.
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import {
  getWebhookEndpoint,
  listWebhookEvents,
  redeliverWebhookEvent,
  sendTestWebhookEvent,
  setWebhookEndpoint,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEvent,
} from '#src/domain/webhooks/webhooks.ts';
import { sendWebhookDelivery } from '#src/domain/webhooks/queues.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, PageQuerySchema, SECURITY } from '../schemas.ts';

const EndpointSchema = z
  .object({
    url: z.string().url(),
    secret: z.string().openapi({ description: 'The `whsec_` signing secret (Standard Webhooks).', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    previousSecretExpiresAt: z
      .string()
      .datetime()
      .nullable()
      .openapi({ description: 'After a rotation, deliveries are also signed with the previous secret until then.' }),
    updatedAt: z.string().datetime(),
  })
  .openapi('WebhookEndpoint');

const STATUSES = ['pending', 'delivered', 'retrying', 'dead', 'no_endpoint'] as const;

const EventSchema = z
  .object({
    id: z.string().uuid().openapi({ description: 'Also the `webhook-id` header of every attempt.' }),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    status: z.enum(STATUSES),
    attempts: z.number().int(),
    lastAttemptAt: z.string().datetime().nullable(),
    lastResponseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().datetime().nullable(),
    createdAt: z.string().datetime(),
  })
  .openapi('WebhookEvent');

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

const presentEndpoint = (endpoint: WebhookEndpoint) => ({
  url: endpoint.url,
  secret: endpoint.secret,
  previousSecretExpiresAt: iso(endpoint.previousSecretExpiresAt),
  updatedAt: endpoint.updatedAt.toISOString(),
});

const presentEvent = (event: WebhookEvent) => ({
  id: event.id,
  type: event.type as (typeof WEBHOOK_EVENT_TYPES)[number],
  data: event.data,
  status: event.status,
  attempts: event.attempts,
  lastAttemptAt: iso(event.lastAttemptAt),
  lastResponseStatus: event.lastResponseStatus,
  lastError: event.lastError,
  deliveredAt: iso(event.deliveredAt),
  createdAt: event.createdAt.toISOString(),
});

export function webhookRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Webhooks'];
  const endpointResponse = { description: 'The endpoint', content: { 'application/json': { schema: EndpointSchema } } };

  router.openapi(
    defineRoute({
      permission: 'webhooks:read',
      method: 'get',
      path: '/webhook-endpoint',
      tags,
      summary: 'The webhook endpoint and its signing secret',
      security: SECURITY,
      responses: { 200: endpointResponse, ...errorResponses({ 404: 'No endpoint set yet (`webhook_endpoint_not_found`)' }) },
    }),
    async (c) => c.json(presentEndpoint(await getWebhookEndpoint(ctx.db, partnerPrincipal(c).accountId)), 200),
  );

  router.openapi(
    defineRoute({
      permission: 'webhooks:write',
      method: 'put',
      path: '/webhook-endpoint',
      tags,
      summary: 'Set the webhook URL; optionally rotate the secret',
      description: 'A new endpoint gets a secret. With `rotateSecret: true` a new secret signs from now on and the old one keeps signing for 24 h.',
      security: SECURITY,
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                // https, port and public-target rules are the domain's (setWebhookEndpoint): 422 with the reason.
                url: z.string().url().max(2000).openapi({ example: 'https://partner.example/hooks/steller' }),
                rotateSecret: z.boolean().default(false),
              }),
            },
          },
        },
      },
      responses: {
        200: endpointResponse,
        ...errorResponses({
          422: 'Not an https URL, or carries credentials (`invalid_webhook_url`); points to a host or address that is not public, or to a port other than 443 and 1024-65535 (`webhook_url_not_allowed`)',
        }),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const endpoint = await setWebhookEndpoint(ctx.db, partnerPrincipal(c).accountId, input, { allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE_URLS });
      return c.json(presentEndpoint(endpoint), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'webhooks:read',
      method: 'get',
      path: '/webhook-events',
      tags,
      summary: 'Recent events with their delivery state, newest first',
      security: SECURITY,
      request: { query: PageQuerySchema.extend({ status: z.enum(STATUSES).optional() }) },
      responses: {
        200: {
          description: 'A page of events',
          content: { 'application/json': { schema: z.object({ data: z.array(EventSchema), nextCursor: z.string().nullable() }) } },
        },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const page = await listWebhookEvents(ctx.db, partnerPrincipal(c).accountId, c.req.valid('query'));
      return c.json({ data: page.items.map(presentEvent), nextCursor: page.nextCursor }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'webhooks:write',
      method: 'post',
      path: '/webhook-events/{id}/redeliver',
      tags,
      summary: 'Deliver an event again (a new round of attempts)',
      security: SECURITY,
      request: {
        params: z.object({
          id: z
            .string()
            .max(100)
            .openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: {
        202: { description: 'Queued', content: { 'application/json': { schema: EventSchema } } },
        ...errorResponses({ 404: 'No such event of yours (`webhook_event_not_found`)' }),
      },
    }),
    async (c) => {
      const event = await redeliverWebhookEvent(ctx.db, partnerPrincipal(c).accountId, c.req.valid('param').id, sendWebhookDelivery(ctx.jobs));
      return c.json(presentEvent(event), 202);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'webhooks:write',
      method: 'post',
      path: '/webhook-endpoint/test',
      tags,
      summary: 'Send a webhook.test event to your endpoint',
      description: 'Queued for delivery at once, signed and retried like any event; it shows in `GET /v1/webhook-events`.',
      security: SECURITY,
      responses: {
        202: { description: 'Queued', content: { 'application/json': { schema: EventSchema } } },
        ...errorResponses({ 404: 'No endpoint is set (`webhook_endpoint_not_found`)' }),
      },
    }),
    async (c) => {
      const event = await sendTestWebhookEvent(ctx.db, partnerPrincipal(c).accountId, sendWebhookDelivery(ctx.jobs));
      return c.json(presentEvent(event), 202);
    },
  );

  return router;
}
