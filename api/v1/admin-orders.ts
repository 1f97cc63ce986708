// Admin order tools over REST (admin key, src/domain/orders/operator.ts): find orders by number,
// id, partner reference or buyer; one order's timeline (never card codes); refund (a cancel when
// never sent) with a reason, when the vendor's answer allows it, money back once, audited; retry
// a stuck order now (audited); resolve an order needing attention (the admin's decision, with a
// reason, once, audited).
import { z } from '@hono/zod-openapi';
import type { AppContext } from '#src/context.ts';
import { findOrders, orderTimeline, refundOrder, resolveOrder, retryOrder, showOrder, type OrderTimeline } from '#src/domain/orders/operator.ts';
import type { Order } from '#src/domain/orders/orders.ts';
import { ORDER_MESSAGE_KINDS, ORDER_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { toJsonMoney } from '#src/shared/money.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { errorResponses, MoneySchema, SECURITY } from '../schemas.ts';
import { adminActor, body, json } from './admin-helpers.ts';

const AdminOrderSchema = z
  .object({
    id: z.string().uuid(),
    number: z.string().openapi({ example: 'ST-000123' }),
    status: z.enum(ORDER_STATUSES),
    buyerId: z.string().uuid(),
    channel: z.string().openapi({ example: 'api' }),
    referenceId: z.string().openapi({ description: "The buyer's client reference (a partner's referenceId or Idempotency-Key)." }),
    productId: z.string(),
    faceValue: MoneySchema,
    quantity: z.number().int(),
    total: MoneySchema,
    cardsDelivered: z.number().int().nullable(),
    failureReason: z.string().nullable(),
    sandbox: z.boolean(),
    createdAt: z.string().datetime(),
    finishedAt: z.string().datetime().nullable(),
  })
  .openapi('AdminOrder');

const presentOrder = (order: Order) => ({
  id: order.id,
  number: order.number,
  status: order.status,
  buyerId: order.buyerId,
  channel: order.channel,
  referenceId: order.clientReference,
  productId: String(order.productId),
  faceValue: toJsonMoney(order.face),
  quantity: order.quantity,
  total: toJsonMoney(order.total),
  cardsDelivered: order.cardsDelivered,
  failureReason: order.failureReason,
  sandbox: order.sandbox,
  createdAt: order.createdAt.toISOString(),
  finishedAt: order.finishedAt?.toISOString() ?? null,
});

const at = z.string().datetime();
const TimelineSchema = z
  .object({
    order: AdminOrderSchema,
    buyer: z.object({ id: z.string().uuid(), name: z.string(), role: z.string() }),
    vendor: z.object({
      requestId: z.string().nullable().openapi({ description: 'The RequestId we sent Bamboo (a UUID of ours).' }),
      orderId: z.string().nullable().openapi({ description: "Bamboo's order id, once it accepted the order." }),
      pollCount: z.number().int(),
      total: z.object({ amount: z.string(), currency: z.string() }).nullable().openapi({ description: 'What Bamboo charged (in its currency).' }),
    }),
    cardsStored: z.number().int(),
    transitions: z.array(z.object({ status: z.string(), at, detail: z.unknown() })),
    money: z
      .array(z.object({ kind: z.string().openapi({ example: 'order_hold' }), key: z.string(), at }))
      .openapi({ description: 'The transfers of the order: its hold, its settlement, its one money-back transfer.' }),
    webhookEvents: z.array(z.object({ type: z.string(), status: z.string(), attempts: z.number().int(), deliveredAt: at.nullable(), createdAt: at })),
    telegramMessages: z
      .array(
        z.object({
          kind: z.enum(ORDER_MESSAGE_KINDS),
          cardIndex: z.number().int().nullable().openapi({ description: 'Which card (0-based) a `card` message showed, masked.' }),
          status: z.enum(['queued', 'sent', 'undeliverable']),
          queuedAt: at,
          sentAt: at.nullable(),
          problem: z.string().nullable().openapi({ description: 'Why Telegram refused it for good (`undeliverable`).' }),
        }),
      )
      .openapi({
        description:
          'The Telegram messages that told the buyer how the order ended: one per card (masked; never a code), the failure, the partial delivery. Recorded when queued, marked when sent.',
      }),
    actions: z
      .array(z.object({ action: z.string(), channel: z.string(), actorAccountId: z.string().nullable(), at, after: z.unknown() }))
      .openapi({ description: 'Operator actions on the order (refunds with their reason, retries, resolutions).' }),
  })
  .openapi('OrderTimeline');

const presentTimeline = (timeline: OrderTimeline) => ({
  order: presentOrder(timeline.order),
  buyer: timeline.buyer,
  vendor: { ...timeline.vendor, total: timeline.vendor.total ? toJsonMoney(timeline.vendor.total) : null },
  cardsStored: timeline.cardsStored,
  transitions: timeline.transitions.map((transition) => ({ status: transition.status, at: transition.at.toISOString(), detail: transition.detail ?? null })),
  money: timeline.money.map((transfer) => ({ ...transfer, at: transfer.at.toISOString() })),
  webhookEvents: timeline.webhookEvents.map((event) => ({
    ...event,
    deliveredAt: event.deliveredAt?.toISOString() ?? null,
    createdAt: event.createdAt.toISOString(),
  })),
  telegramMessages: timeline.telegramMessages.map((message) => ({
    ...message,
    queuedAt: message.queuedAt.toISOString(),
    sentAt: message.sentAt?.toISOString() ?? null,
  })),
  actions: timeline.actions.map((action) => ({ ...action, at: action.at.toISOString(), after: action.after ?? null })),
});

const OrderRef = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The order id (UUID) or its number (ST-000123).' }),
});

const notFound = { 404: 'No such order (`order_not_found`)' };

export function adminOrderRoutes(ctx: AppContext) {
  const router = createRouter();
  const tags = ['Admin: orders'];

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/orders',
      tags,
      summary: 'Find orders by number, id, partner reference, buyer id or buyer name (newest first, at most 20)',
      security: SECURITY,
      request: { query: z.object({ q: z.string().min(1).max(200).openapi({ example: 'ST-000123' }) }) },
      responses: {
        200: json(z.object({ data: z.array(AdminOrderSchema.extend({ buyerName: z.string() })) }), 'The orders found'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const found = await findOrders(ctx.db, adminActor(c), c.req.valid('query').q);
      return c.json({ data: found.map(({ order, buyerName }) => ({ ...presentOrder(order), buyerName })) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'get',
      path: '/orders/{id}',
      tags,
      summary:
        "An order's timeline: transitions, vendor ids and polls, money moved, events sent (webhooks, Telegram messages), operator actions (never card codes)",
      security: SECURITY,
      request: { params: OrderRef },
      responses: { 200: json(TimelineSchema, 'The order and what happened to it'), ...errorResponses(notFound) },
    }),
    async (c) => c.json(presentTimeline(await orderTimeline(ctx.db, adminActor(c), c.req.valid('param').id)), 200),
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/orders/{id}/refund',
      tags,
      summary: 'Refund an open order the vendor reports failed, or cancel one never sent (with a reason; audited)',
      description:
        "The vendor's answer decides: an order Bamboo still works on or completed is refused (`vendor_not_failed`, `order_final`); no usable answer " +
        'is `vendor_unavailable` (try again). The money comes back once, whoever else refunds the order at the same time. `outcome`: `failed` (cancelled ' +
        'before it was sent, or refunded), `finished` (Bamboo reported it failed: refunded), `needs_attention` (Bamboo has no such order after it may have ' +
        'accepted it: resolve it with `POST /v1/admin/orders/{id}/resolve`), `unchanged` (another step moved it first).',
      security: SECURITY,
      request: { params: OrderRef, ...body(z.object({ reason: z.string().min(1).max(500) })) },
      responses: {
        200: json(z.object({ outcome: z.string(), order: AdminOrderSchema }), 'What happened, and the order now'),
        ...errorResponses({
          ...notFound,
          409: 'The order needs an operator decision first (`order_needs_attention`)',
          422: 'Not refundable: `order_final`, `vendor_not_failed`, `vendor_unavailable`, `reason_required`',
        }),
      },
    }),
    async (c) => {
      const actor = adminActor(c);
      const { order } = await showOrder(ctx.db, actor, c.req.valid('param').id);
      const outcome = await refundOrder(ctx, actor, order.id, c.req.valid('json').reason);
      return c.json({ outcome, order: presentOrder((await showOrder(ctx.db, actor, order.id)).order) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/orders/{id}/retry',
      tags,
      summary: "Run a stuck order's next step now: place it, or ask the vendor about it (audited)",
      security: SECURITY,
      request: { params: OrderRef },
      responses: {
        200: json(z.object({ outcome: z.string(), order: AdminOrderSchema }), 'What the step did, and the order now'),
        ...errorResponses({ ...notFound, 409: 'The order needs an operator decision first (`order_needs_attention`)', 422: 'Already final (`order_final`)' }),
      },
    }),
    async (c) => {
      const actor = adminActor(c);
      const { order } = await showOrder(ctx.db, actor, c.req.valid('param').id);
      const outcome = await retryOrder(ctx, actor, order.id);
      return c.json({ outcome, order: presentOrder((await showOrder(ctx.db, actor, order.id)).order) }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'admin',
      method: 'post',
      path: '/orders/{id}/resolve',
      tags,
      summary: 'Decide an order that needs attention, once, with a reason (audited): the vendor has it, or lacks it',
      description:
        '`vendor_has` (you checked that Bamboo has the order): back to `processing`, polled again, its cards delivered and settled normally. ' +
        '`vendor_lacks`: `failed`, the whole hold refunded once. An order not (or no longer) needing attention is refused ' +
        '(`order_not_needing_attention`): a second decision, from any channel, changes nothing.',
      security: SECURITY,
      request: {
        params: OrderRef,
        ...body(z.object({ decision: z.enum(['vendor_has', 'vendor_lacks']), reason: z.string().min(1).max(500) })),
      },
      responses: {
        200: json(z.object({ status: z.enum(['processing', 'failed']), order: AdminOrderSchema }), 'The decision taken, and the order now'),
        ...errorResponses({ ...notFound, 409: 'Nothing to decide (`order_not_needing_attention`)', 422: 'No reason (`reason_required`)' }),
      },
    }),
    async (c) => {
      const actor = adminActor(c);
      const { decision, reason } = c.req.valid('json');
      const { order } = await showOrder(ctx.db, actor, c.req.valid('param').id);
      const status = await resolveOrder(ctx, actor, order.id, decision, reason);
      return c.json({ status, order: presentOrder((await showOrder(ctx.db, actor, order.id)).order) }, 200);
    },
  );

  return router;
}
