// POST /v1/orders (one product or a cart of `items`), GET /v1/carts/{id}, GET /v1/orders/{id}, GET /v1/orders/{id}/cards.csv, GET /v1/orders: thin routes over the order engine
// (src/domain/orders). The engine holds the money, enforces idempotency on (buyer, reference) and
// places the order with the vendor in the background; these routes validate and present.
import { z } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '#src/context.ts';
import { accountActor } from '#src/domain/actor.ts';
import { CART_STATUSES, createCart, getCartFor, MAX_CART_ITEMS, type Cart } from '#src/domain/orders/carts.ts';
import { createOrder } from '#src/domain/orders/intake.ts';
import { MAX_QUANTITY, MAX_REFERENCE_LENGTH } from '#src/domain/orders/intake-request.ts';
import { getOrderFor, listOrders, orderCardsCsv, revealOrderCards, type Order, type RevealedCard } from '#src/domain/orders/orders.ts';
import { ORDER_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { orderQueueEstimates, type QueueEstimate } from '#src/domain/orders/queue-estimate.ts';
import { DomainError } from '#src/shared/errors.ts';
import { parseMoney, toJsonMoney, type Money } from '#src/shared/money.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute } from '../middleware/scopes.ts';
import { createRouter, validationHook } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, SECURITY } from '../schemas.ts';

const MoneyInputSchema = z.object({
  amount: AmountSchema.openapi({ example: '10.00' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .openapi({ example: 'USD' }),
});

const ProductIdSchema = z
  .string()
  .regex(/^\d{1,18}$/, 'a catalog product id')
  .openapi({ example: '120394' });
const FaceValueSchema = MoneyInputSchema.openapi({ description: "The card's face value in the product's currency (one of its denominations)." });
const QuantitySchema = z.number().int().min(1).max(MAX_QUANTITY).openapi({ example: 2 });

const CreateOrderSchema = z
  .object({
    productId: ProductIdSchema,
    faceValue: FaceValueSchema,
    quantity: QuantitySchema,
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

const CreateCartSchema = z
  .object({
    items: z
      .array(z.object({ productId: ProductIdSchema, faceValue: FaceValueSchema, quantity: QuantitySchema }).openapi('CartItemInput'))
      .min(1)
      .max(MAX_CART_ITEMS)
      .openapi({ description: `1 to ${MAX_CART_ITEMS} items; each is one order of its own (\`items[].orderId\` in the answer).` }),
    referenceId: z.string().min(1).max(MAX_REFERENCE_LENGTH).optional().openapi({
      description: 'Your reference for the cart; an alternative to the Idempotency-Key header. (Sandbox fault triggers act on single orders only.)',
    }),
    maxPrice: MoneyInputSchema.optional().openapi({
      description: 'Refuse the whole cart (`max_price_exceeded`) when its total would be higher. In your wallet currency.',
    }),
    expectedTotal: MoneyInputSchema.optional().openapi({ description: 'The same as `maxPrice` (give one of them).' }),
  })
  .refine((input) => !(input.maxPrice && input.expectedTotal), { message: 'give maxPrice or expectedTotal, not both', path: ['expectedTotal'] })
  .openapi('CreateCart');

const CardSchema = z
  .object({
    serialNumber: z.string().nullable(),
    code: z.string().nullable(),
    pin: z.string().nullable(),
    expiresAt: z.string().datetime().nullable(),
  })
  .openapi('Card');

/** Where an open order stands (docs/orders.md, Buyers see the queue): on an order and on a cart's item. */
const queueFields = {
  queuePosition: z.number().int().min(1).nullable().openapi({
    description:
      'While the order waits for a checkout turn at the vendor (its product is busy): 1 for the oldest order of that product and value waiting, 2 for the next, …; null otherwise.',
    example: 3,
  }),
  estimatedCompletionAt: z.string().datetime().nullable().openapi({
    description:
      "An estimate of when an open order is done: its product's checkout turns still ahead (about one each 10 s for a busy product, up to 500 cards each) plus how long the vendor took for recent orders. Null once the order is final or waits for an operator. An estimate, not a promise.",
  }),
};

const OrderSchema = z
  .object({
    id: z.string().uuid(),
    number: z.string().openapi({ example: 'ST-000123' }),
    referenceId: z.string(),
    cartId: z.string().uuid().nullable().openapi({ description: 'The cart this order is an item of (`GET /v1/carts/{id}`); null for an order placed alone.' }),
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
    ...queueFields,
  })
  .openapi('Order');

const CartSchema = z
  .object({
    id: z.string().uuid(),
    number: z.string().openapi({ example: 'SC-000042' }),
    referenceId: z.string(),
    status: z
      .enum(CART_STATUSES)
      .openapi({ description: '`open` while any item is; then `completed` (all items), `failed` (all items) or `partially_completed`.' }),
    total: MoneySchema.openapi({ description: "Held from your wallet at creation: the sum of the items' totals." }),
    refunded: MoneySchema.openapi({ description: 'What went back to your wallet for undelivered cards, over all items.' }),
    createdAt: z.string().datetime(),
    items: z.array(
      z
        .object({
          orderId: z.string().uuid(),
          orderNumber: z.string().openapi({ example: 'ST-000123' }),
          status: z.enum(ORDER_STATUSES),
          productId: z.string(),
          faceValue: MoneySchema,
          quantity: z.number().int(),
          unitPrice: MoneySchema,
          total: MoneySchema,
          cardsDelivered: z.number().int().nullable(),
          refunded: MoneySchema.openapi({ description: 'Unit price × undelivered cards once the item is final; zero before.' }),
          failureReason: z.string().nullable(),
          ...queueFields,
        })
        .openapi('CartItem'),
    ),
    estimatedCompletionAt: z
      .string()
      .datetime()
      .nullable()
      .openapi({ description: "The latest of its open items' estimates (`items[].estimatedCompletionAt`); null once no item has one." }),
  })
  .openapi('Cart');

/** What was bought and how it went: the same on an order and on a cart's item. */
const purchaseFields = (order: Order) => ({
  status: order.status,
  productId: String(order.productId),
  faceValue: toJsonMoney(order.face),
  quantity: order.quantity,
  unitPrice: toJsonMoney(order.unitPrice),
  total: toJsonMoney(order.total),
  cardsDelivered: order.cardsDelivered,
});

/** `queueFields` as answered (none known: nulls). */
const queueFieldsOf = (estimate: QueueEstimate | undefined) => ({
  queuePosition: estimate?.queuePosition ?? null,
  estimatedCompletionAt: estimate?.estimatedCompletionAt?.toISOString() ?? null,
});

/** A cart as answered, each item with its queue estimate. */
async function presentCart(db: AppContext['db'], cart: Cart) {
  const estimates = await orderQueueEstimates(
    db,
    cart.items.map((item) => item.order),
  );
  const done = cart.items.flatMap(({ order }) => estimates.get(order.id)?.estimatedCompletionAt ?? []);
  const latest = done.length > 0 ? new Date(Math.max(...done.map((at) => at.getTime()))) : null;
  return {
    id: cart.id,
    number: cart.number,
    referenceId: cart.clientReference,
    status: cart.status,
    total: toJsonMoney(cart.total),
    refunded: toJsonMoney(cart.refunded),
    createdAt: cart.createdAt.toISOString(),
    items: cart.items.map(({ order, refunded }) => ({
      orderId: order.id,
      orderNumber: order.number,
      ...purchaseFields(order),
      refunded: toJsonMoney(refunded),
      failureReason: order.failureReason,
      ...queueFieldsOf(estimates.get(order.id)),
    })),
    estimatedCompletionAt: latest?.toISOString() ?? null,
  };
}

/**
 * The validation answer of `POST /v1/orders`: a body that fits neither shape is told what its own
 * shape lacks (a body with `items` is a cart), not the union's "invalid input". The validator passes
 * the raw body as `data` also on failure. (Typed loosely: the router's hook type wants the route's own responses.)
 */
const orderOrCartHook = ((result: Parameters<typeof validationHook>[0] & { data?: unknown }, c: Parameters<typeof validationHook>[1]) => {
  if (result.success || result.target !== 'json') return validationHook(result, c);
  const body = result.data;
  const isCart = typeof body === 'object' && body !== null && 'items' in body;
  const own = (isCart ? CreateCartSchema : CreateOrderSchema).safeParse(body);
  return validationHook(own.success ? result : { success: false, error: own.error, target: result.target }, c);
}) as never;

export const OrderPageSchema = z.object({ data: z.array(OrderSchema), nextCursor: z.string().nullable() }).openapi('OrderPage');

export function presentOrder(order: Order, estimate: QueueEstimate, cards: RevealedCard[] | null = null) {
  return {
    id: order.id,
    number: order.number,
    referenceId: order.clientReference,
    cartId: order.cartId,
    ...purchaseFields(order),
    failureReason: order.failureReason,
    createdAt: order.createdAt.toISOString(),
    finishedAt: order.finishedAt?.toISOString() ?? null,
    cards: cards?.map((card) => ({ ...card, expiresAt: card.expiresAt?.toISOString() ?? null })) ?? null,
    ...queueFieldsOf(estimate),
  };
}

/** A page of orders as answered, each with its queue estimate. */
export async function presentOrders(db: AppContext['db'], orders: Order[]) {
  const estimates = await orderQueueEstimates(db, orders);
  return orders.map((order) => presentOrder(order, estimates.get(order.id) as QueueEstimate));
}

/** One order as answered, with its queue estimate (and its cards when given). */
async function presentOneOrder(db: AppContext['db'], order: Order, cards: RevealedCard[] | null = null) {
  const estimates = await orderQueueEstimates(db, [order]);
  return presentOrder(order, estimates.get(order.id) as QueueEstimate, cards);
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
      summary: 'Order cards (one product, or a cart of several)',
      description:
        'Holds the total from your wallet and places the order in the background (`202`); poll `GET /v1/orders/{id}` or wait for the webhook. ' +
        `With \`items\` (1 to ${MAX_CART_ITEMS} products and values) it is a cart: every item is checked and the whole total held at once, or nothing ` +
        'is (a refusal names the item in `item`, 0-based); the answer is the cart (`GET /v1/carts/{id}`), each item an order of its own with its ' +
        'own status, cards, refund and webhooks. ' +
        'Idempotent on the `Idempotency-Key` header or `referenceId` (kept forever): the same request again answers the same order or cart ' +
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
        body: { required: true, content: { 'application/json': { schema: z.union([CreateOrderSchema, CreateCartSchema]) } } },
      },
      responses: {
        202: {
          description: 'The order, or the cart for a body with `items` (new, or the original for a replay)',
          content: { 'application/json': { schema: z.union([OrderSchema, CartSchema]) } },
        },
        ...errorResponses({
          402: 'Not enough money in the wallet (`insufficient_funds`, with `balance` and `required`)',
          404: 'No such product (`product_not_found`)',
          409: 'The key or reference was used for a different order (`idempotency_conflict`)',
          422:
            'Refused: `invalid_cart`, `max_price_exceeded`, `denomination_out_of_range`, `profit_guard`, `daily_limit_exceeded`, `order_limit_exceeded`, `reference_mismatch`, ' +
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
      const common = {
        buyerId: principal.accountId,
        actor: accountActor(principal.accountId, 'api'),
        // Without a key or reference every request is a new order.
        clientReference: input.referenceId ?? headerKey ?? `auto:${randomUUID()}`,
        ...(limit ? { maxTotal: parseMoney(limit.amount, limit.currency) } : {}),
      };
      const face = (value: { amount: string; currency: string }): Money => parseMoney(value.amount, value.currency);
      if ('items' in input) {
        const { cart, created } = await createCart(ctx, {
          ...common,
          items: input.items.map((item) => ({ productId: BigInt(item.productId), face: face(item.faceValue), quantity: item.quantity })),
        });
        return c.json(await presentCart(ctx.db, cart), 202, created ? {} : { 'idempotent-replayed': 'true' });
      }
      const { order, created } = await createOrder(ctx, {
        ...common,
        productId: BigInt(input.productId),
        face: face(input.faceValue),
        quantity: input.quantity,
      });
      return c.json(await presentOneOrder(ctx.db, order), 202, created ? {} : { 'idempotent-replayed': 'true' });
    },
    orderOrCartHook,
  );

  router.openapi(
    defineRoute({
      permission: 'orders:read',
      method: 'get',
      path: '/carts/{id}',
      tags: ['Orders'],
      summary: "One cart, with every item's order, status and refund",
      description: 'The items are orders: their cards are read with `GET /v1/orders/{orderId}` or `GET /v1/orders/{orderId}/cards.csv`.',
      security: SECURITY,
      request: {
        params: z.object({
          id: z
            .string()
            .max(40)
            .openapi({ param: { name: 'id', in: 'path' }, description: 'The cart id (UUID) or its number (SC-000042).' }),
        }),
      },
      responses: {
        200: { description: 'The cart', content: { 'application/json': { schema: CartSchema } } },
        ...errorResponses({ 404: 'No such cart of yours (`cart_not_found`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const cart = await getCartFor(ctx.db, accountActor(principal.accountId, 'api'), c.req.valid('param').id);
      return c.json(await presentCart(ctx.db, cart), 200);
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
      return c.json(await presentOneOrder(ctx.db, order, cards), 200);
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
      return c.json({ data: await presentOrders(ctx.db, page.orders), nextCursor: page.nextCursor }, 200);
    },
  );

  return router;
}
