// Zod schemas for Bamboo's responses as they arrive on the wire (after parseJsonExact). Tolerant by
// design (docs/bamboo.md#vendor-facts-our-code-relies-on): strings may be null, optional fields may be missing, unknown statuses pass
// through, timestamps have no zone, decimals stay strings. Unknown fields are ignored.
import Big from 'big.js';
import { z } from 'zod';

/** A decimal as an exact string: accepts the source text kept by parseJsonExact, or an integer. */
export const decimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return new Big(String(value).trim()).toFixed();
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a decimal: ${String(value)}` });
    return z.NEVER;
  }
});

/** An integer id or count; tolerates one sent as a numeric string. */
const int = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

const text = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/**
 * "2024-05-16T04:36:35.3673422": no zone, up to 7 fractional digits; read as UTC. A value with a
 * zone is honoured. Returns null for an empty or unreadable value rather than failing the response.
 */
export function parseBambooTimestamp(value: string): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!match) return null;
  const [, date, time = '00:00:00', fraction = '', zone = 'Z'] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const result = new Date(`${date}T${time.length === 5 ? `${time}:00` : time}.${millis}${zone}`);
  // Date treats years 0-99 specially only in the legacy constructor; the ISO form is safe.
  return Number.isNaN(result.getTime()) ? null : result;
}

const timestamp = z
  .string()
  .nullish()
  .transform((value) => (value ? parseBambooTimestamp(value) : null));

const category = z.object({ id: int, name: z.string(), description: text });

export const wireProduct = z.object({
  id: int,
  name: z.string(),
  minFaceValue: decimal,
  maxFaceValue: decimal,
  // null means unlimited stock, 0 out of stock.
  count: int.nullish().transform((value) => value ?? null),
  price: z.object({ min: decimal, max: decimal, currencyCode: z.string() }),
  modifiedDate: timestamp,
  isDeleted: z.boolean().nullish(),
  status: text,
});

export const wireBrand = z.object({
  internalId: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => (value == null ? null : String(value))),
  name: z.string(),
  countryCode: z.string(),
  currencyCode: z.string(),
  description: text,
  disclaimer: text,
  redemptionInstructions: text,
  terms: text,
  logoUrl: text,
  modifiedDate: timestamp,
  products: z
    .array(wireProduct)
    .nullish()
    .transform((value) => value ?? []),
  categories: z
    .array(category)
    .nullish()
    .transform((value) => value ?? []),
});

/** One doc example spells it `pageindex`; both are accepted. */
export const wireCatalogPage = z
  .object({
    pageIndex: int.optional(),
    pageindex: int.optional(),
    pageSize: int,
    count: int,
    items: z
      .array(wireBrand)
      .nullish()
      .transform((value) => value ?? []),
  })
  .transform(({ pageindex, pageIndex, ...page }) => ({ ...page, pageIndex: pageIndex ?? pageindex ?? 0 }));

export const wireCategories = z.array(category);

export const wireAccounts = z.object({
  accounts: z.array(z.object({ id: int, currency: z.string(), balance: decimal, isActive: z.boolean(), sandboxMode: z.boolean() })),
});

export const wireCard = z.object({
  id: int,
  serialNumber: text,
  cardCode: text,
  pin: text,
  expirationDate: timestamp,
  status: z.string(),
});

export const wireOrder = z.object({
  orderId: int,
  requestId: z.string(),
  items: z
    .array(
      z.object({
        brandCode: text,
        productId: int,
        productFaceValue: decimal,
        quantity: int,
        pictureUrl: text,
        countryCode: text,
        currencyCode: z.string(),
        status: text,
        cards: z
          .array(wireCard)
          .nullish()
          .transform((value) => value ?? []),
      }),
    )
    .nullish()
    .transform((value) => value ?? []),
  status: z.string(),
  createdDate: timestamp,
  total: decimal.nullish().transform((value) => value ?? '0'),
  errorMessage: text,
  orderType: text,
  currency: z.string(),
});

const wireAmount = z.object({ value: decimal, currencyCode: text });

export const wireTransactions = z.object({
  startDate: timestamp,
  endDate: timestamp,
  clients: z
    .array(
      z.object({
        clientName: text,
        transactions: z
          .array(
            z.object({
              orderId: int.nullish(),
              requestId: text,
              productId: int.nullish(),
              orderNumber: text,
              orderTotal: wireAmount.nullish(),
              currencyCode: text,
              orderDate: timestamp,
              transactionId: z.union([z.string(), z.number()]).transform((value) => String(value).trim()),
              transactionType: z.string(),
              comment: text,
              notes: text,
              availableBalance: wireAmount.nullish(),
              transactionAmount: wireAmount.nullish(),
              transactionDate: timestamp,
              orderItems: z
                .array(
                  z.object({
                    productName: text,
                    brandName: text,
                    denomination: wireAmount.nullish(),
                    clientPrice: wireAmount.nullish(),
                    quantity: int.nullish(),
                    clientTotal: decimal.nullish(),
                    clientExchangeRate: z.object({ fromCurrency: text, toCurrency: text, exchangeRate: decimal }).nullish(),
                  }),
                )
                .nullish()
                .transform((value) => value ?? []),
            }),
          )
          .nullish()
          .transform((value) => value ?? []),
      }),
    )
    .nullish()
    .transform((value) => value ?? []),
});

export const wireOrdersReport = z.array(
  z.object({
    clientName: text,
    orderNumber: z.string(),
    orderDate: timestamp,
    clientReferenceNumber: text,
    channel: text,
    productName: text,
    denomination: text,
    quantity: int,
    unitPrice: decimal,
    subTotal: decimal,
    total: decimal,
    accountCurrency: z.string(),
    status: z.string(),
  }),
);

export const wireExchangeRates = z.object({
  baseCurrencyCode: z.string(),
  rates: z.array(z.object({ currencyCode: z.string(), value: decimal })),
});

export const wireNotification = z.object({
  notificationUrl: text,
  notificationUrlSandbox: text,
  secretKey: text,
});

/** The checkout success body is a bare JSON string: the RequestId. */
export const wireCheckoutAccepted = z.string();

/** Error envelopes seen or expected: `{"message": …}`, `{"error": …}`, or a bare string. */
export const wireErrorMessage = z.union([
  z.string(),
  z.object({ message: z.string() }).transform((body) => body.message),
  z.object({ error: z.string() }).transform((body) => body.error),
]);

/**
 * The completion callback Bamboo POSTs to our notification URL. Docs use camelCase; one third-party
 * driver claims PascalCase, so keys are matched case-insensitively.
 */
export const wireOrderCallback = z
  .record(z.string(), z.unknown())
  .transform((body) => Object.fromEntries(Object.entries(body).map(([key, value]) => [key.toLowerCase(), value])))
  .pipe(
    z.object({
      orderid: int,
      status: z.string(),
      totalcards: int.nullish(),
      createdon: timestamp,
      completedon: timestamp,
      secretkey: text,
      requestid: z.string(),
    }),
  );
