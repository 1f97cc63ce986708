// POST /v1/orders, GET /v1/orders/{id}, GET /v1/orders/{id}/cards.csv, GET /v1/orders: thin routes over the order engine
// (src/domain/orders). The engine holds the money, enforces idempotency on (buyer, reference) and
// places the order with the vendor in the background; these routes validate and present.
import { z } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '#src/context.ts';
import { accountActor } from '#src/domain/actor.ts';
import { createOrder } from '#src/domain/orders/intake.ts';
import { MAX_QUANTITY, MAX_REFERENCE_LENGTH } from '#src/domain/orders/intake-request.ts';
import { getOrderFor, listOrders, orderCardsCsv, revealOrderCards, type Order, type RevealedCard } from '#src/domain/orders/orders.ts';
import { ORDER_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { DomainError } from '#src/shared/errors.ts';
import { parseMoney, toJsonMoney } from '#src/shared/money.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, SECURITY } from '../schemas.ts';

const MoneyInputSchema = z.object({
  amount: AmountSchema.openapi({ example: '10.00' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .openapi({ example: 'USD' }),
});

const CreateOrderSchema = z
  .object({
    productId: z
      .string()
      .regex(/^\d{1,18}$/, 'a catalog product id')
      .openapi({ example: '120394' }),
    faceValue: MoneyInputSchema.openapi({ description: "The card's face value in the product's currency (one of its denominations)." }),
    quantity: z.number().int().min(1).max(MAX_QUANTITY).openapi({ example: 2 }),
    referenceId: z
      .string()
      .min(1)
      .max(MAX_REFERENCE_LENGTH)
      .optional()
      .openapi({
        description:
          'Your reference; an alternative to the Idempotency-Key header. With a test key, a reference starting with a fault trigger ' +
          '(`sim:fail`, `sim:partial`, `sim:delay=N`, `sim:pending-past-deadline`, `sim:429`, `sim:5xx-then-ok`, `sim:timeout-after-commit`, ' +
          'e.g. `sim:fail/1`) makes the sandbox produce that outcome (docs/api.md, Sandbox).',
      }),
    maxPrice: MoneyInputSchema.optional().openapi({
      description: 'Refuse (`max_price_exceeded`) when the order total would be higher. In your wallet currency.',
    }),
    expectedTotal: MoneyInputSchema.optional().openapi({ description: 'The same as `maxPrice` (give one of them).' }),
  })
  .refine((input) => !(input.maxPrice && input.expectedTotal), { message: 'give maxPrice or expectedTotal, not both', path: ['expectedTotal'] })
  .openapi('CreateOrder');

const CardSchema = z
  .object({
    serialNumber: z.string().nullable(),
    code: z.string().nullable(),
    pin: z.string().nullable(),
    expiresAt: z.string().datetime().nullable(),
  })
  .openapi('Card');

const OrderSchema = z
  .object({
    id: z.string().uuid(),
    number: z.string().openapi({ example: 'ST-000123' }),
    referenceId: z.string(),
    status: z.enum(ORDER_STATUSES),
    productId: z.string(),
    faceValue: MoneySchema,
    quantity: z.number().int(),
    unitPrice: MoneySchema,
    total: MoneySchema.openapi({ description: 'Held from your wallet at creation; undelivered cards are refunded when the order finishes.' }),
    cardsDelivered: z.number().int().nullable(),
    failureReason: z.string().nullable(),
    createdAt: z.string().datetime(),
    finishedAt: z.string().datetime().nullable(),
    cards: z
      .array(CardSchema)
      .nullable()
      .openapi({ description: 'The delivered cards, decrypted, in `GET /v1/orders/{id}` of a completed or partially completed order; null otherwise.' }),
  })
  .openapi('Order');

export const OrderPageSchema = z.object({ data: z.array(OrderSchema), nextCursor: z.string().nullable() }).openapi('OrderPage');

export function presentOrder(order: Order, cards: RevealedCard[] | null = null) {
  return {
    id: order.id,
    number: order.number,
    referenceId: order.clientReference,
    status: order.status,
    productId: String(order.productId),
    faceValue: toJsonMoney(order.face),
    quantity: order.quantity,
    unitPrice: toJsonMoney(order.unitPrice),
    total: toJsonMoney(order.total),
    cardsDelivered: order.cardsDelivered,
    failureReason: order.failureReason,
    createdAt: order.createdAt.toISOString(),
    finishedAt: order.finishedAt?.toISOString() ?? null,
    cards: cards?.map((card) => ({ ...card, expiresAt: card.expiresAt?.toISOString() ?? null })) ?? null,
  };
}

const OrderIdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The order id (UUID) or its number (ST-000123).' }),
});

export function orderRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    defineRoute({
      permission: 'orders:write',
      method: 'post',
      path: '/orders',
      tags: ['Orders'],
      summary: 'Order cards',
      description:
        'Holds the total from your wallet and places the order in the background (`202`); poll `GET /v1/orders/{id}` or wait for the webhook. ' +
        'Idempotent on the `Idempotency-Key` header or `referenceId` (kept forever): the same request again answers the same order ' +
        '(`Idempotent-Replayed: true`), a different one with the same key is `409 idempotency_conflict`.',
      security: SECURITY,
      request: {
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(1)
            .max(MAX_REFERENCE_LENGTH)
            .optional()
            .openapi({
              param: { name: 'idempotency-key', in: 'header' },
              description: `One key per intended order (up to ${MAX_REFERENCE_LENGTH} characters).`,
            }),
        }),
        body: { required: true, content: { 'application/json': { schema: CreateOrderSchema } } },
      },
      responses: {
        202: { description: 'The order (new, or the original for a replay)', content: { 'application/json': { schema: OrderSchema } } },
        ...errorResponses({
          402: 'Not enough money in the wallet (`insufficient_funds`, with `balance` and `required`)',
          404: 'No such product (`product_not_found`)',
          409: 'The key or reference was used for a different order (`idempotency_conflict`)',
          422:
            'Refused: `max_price_exceeded`, `denomination_out_of_range`, `profit_guard`, `daily_limit_exceeded`, `order_limit_exceeded`, `reference_mismatch`, ' +
            '`invalid_amount`',
          503: 'Refused for now, no money held: the vendor cannot fill it (`vendor_float_exhausted`, with Retry-After), sales of the product are paused (`sales_paused`), or a dependency is down (`service_unavailable`)',
        }),
      },
    }),
    async (c) => {
      // A test key acts on the partner's sandbox account, whose orders the engine buys from the
      // simulator (orders.sandbox), never from the real vendor.
      const principal = partnerPrincipal(c);
      const input = c.req.valid('json');
      const headerKey = c.req.valid('header')['idempotency-key'];
      if (headerKey !== undefined && input.referenceId !== undefined && headerKey !== input.referenceId) {
        throw new DomainError('reference_mismatch', 'Idempotency-Key and referenceId differ: send one of them, or the same value');
      }
      const limit = input.maxPrice ?? input.expectedTotal;
      const { order, created } = await createOrder(ctx, {
        buyerId: principal.accountId,
        actor: accountActor(principal.accountId, 'api'),
        // Without a key or reference every request is a new order.
        clientReference: input.referenceId ?? headerKey ?? `auto:${randomUUID()}`,
        productId: BigInt(input.productId),
        face: parseMoney(input.faceValue.amount, input.faceValue.currency),
        quantity: input.quantity,
        ...(limit ? { maxTotal: parseMoney(limit.amount, limit.currency) } : {}),
      });
      return c.json(presentOrder(order), 202, created ? {} : { 'idempotent-replayed': 'true' });
    },
  );

  router.openapi(
    defineRoute({
      permission: 'orders:read',
      method: 'get',
      path: '/orders/{id}',
      tags: ['Orders'],
      summary: 'One order, with its cards once delivered',
      description: 'Cards are decrypted for the account that ordered them only; every read of the cards is audited.',
      security: SECURITY,
      request: { params: OrderIdParams },
      responses: {
        200: { description: 'The order', content: { 'application/json': { schema: OrderSchema } } },
        ...errorResponses({ 404: 'No such order of yours (`order_not_found`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const actor = accountActor(principal.accountId, 'api');
      const order = await getOrderFor(ctx.db, actor, c.req.valid('param').id);
      const delivered = order.status === 'completed' || order.status === 'partially_completed';
      const cards = delivered && order.buyerId === principal.accountId ? await revealOrderCards(ctx, actor, order.id) : null;
      return c.json(presentOrder(order, cards), 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: 'orders:read',
      method: 'get',
      path: '/orders/{id}/cards.csv',
      tags: ['Orders'],
      summary: "An order's delivered cards as CSV",
      description:
        'For orders of many cards: every delivered card (position, card, face, code, PIN, serial, expiry) of an order of yours, decrypted; audited like `GET /v1/orders/{id}` (`order.cards_revealed`, via csv). Not cached.',
      security: SECURITY,
      request: { params: OrderIdParams },
      responses: {
        200: {
          description: 'The cards',
          content: { 'text/csv': { schema: z.string().openapi({ example: 'order,position,card,face,currency,code,pin,serial,expires_at\n' }) } },
        },
        ...errorResponses({ 404: 'No such order of yours, or no delivered card yet (`order_not_found`, `card_not_found`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const actor = accountActor(principal.accountId, 'api');
      const order = await getOrderFor(ctx.db, actor, c.req.valid('param').id);
      // The buyer only: its parent may see the order, never the codes (revealOrderCards refuses it too).
      if (order.buyerId !== principal.accountId) throw new DomainError('order_not_found', `no order ${order.id}`);
      const document = await orderCardsCsv(ctx, actor, order.id);
      return c.body(document.content, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${document.filename}"`,
        'cache-control': 'no-store',
      });
    },
  );

  router.openapi(
    defineRoute({
      permission: 'orders:read',
      method: 'get',
      path: '/orders',
      tags: ['Orders'],
      summary: 'Your orders, newest first (never with cards)',
      security: SECURITY,
      request: {
        query: z.object({
          cursor: z.string().max(20).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          status: z.enum(ORDER_STATUSES).optional(),
          from: z.string().datetime().optional().openapi({ description: 'Created at or after (RFC 3339).' }),
          to: z.string().datetime().optional().openapi({ description: 'Created before (RFC 3339).' }),
        }),
      },
      responses: {
        200: { description: 'A page of orders', content: { 'application/json': { schema: OrderPageSchema } } },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const query = c.req.valid('query');
      const page = await listOrders(ctx.db, accountActor(principal.accountId, 'api'), {
        buyerId: principal.accountId,
        cursor: query.cursor,
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
      });
      return c.json({ data: page.orders.map((order) => presentOrder(order)), nextCursor: page.nextCursor }, 200);
    },
  );

  return router;
}
