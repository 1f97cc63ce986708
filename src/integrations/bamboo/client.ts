// The Bamboo Card Portal client (vendor facts: docs/bamboo.md#vendor-facts-our-code-relies-on). One HTTP layer:
// Basic auth, JSON with exact decimals, a timeout per call, the shared rate limiter before every
// call and 429 handling after it. Bodies are never logged (Get Order carries card codes).
import Big from 'big.js';
import type { z } from 'zod';
import type { Logger } from '../../logger.ts';
import { BambooError, BambooRateLimitError } from './errors.ts';
import { formatAmount, MoneyError } from '../../shared/money.ts';
import { jsonDecimal, parseJsonExact } from './json.ts';
import {
  isCheckoutRejection,
  isReasonCode,
  mapAccounts,
  mapCatalogPage,
  mapExchangeRates,
  mapOrder,
  mapOrdersReport,
  mapTransactions,
  type Account,
  type CatalogPage,
  type ExchangeRates,
  type NotificationSettings,
  type OrderLookup,
  type OrdersReportRow,
  type PlaceOrderLine,
  type PlaceOrderResult,
  type VendorOrder,
  type VendorTransaction,
} from './model.ts';
import { parseRetryAfterMs, type BambooRateLimiter, type CheckoutTurn, type EndpointClass } from './rate-limits.ts';
import {
  wireAccounts,
  wireCatalogPage,
  wireCategories,
  wireCheckoutAccepted,
  wireErrorMessage,
  wireExchangeRates,
  wireNotification,
  wireOrder,
  wireOrdersReport,
  wireTransactions,
} from './wire.ts';

export type FetchFunction = (input: Request) => Promise<Response>;

export interface BambooClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The account Place Order debits (sandbox and live accounts differ). */
  accountId: number;
  /** Every call waits here first; the limiter is shared by all clients with the same state. */
  limiter: BambooRateLimiter;
  /** Defaults to global fetch; the in-process simulator passes its handler. */
  fetch?: FetchFunction;
  logger?: Logger;
  timeoutMs?: number;
  catalogTimeoutMs?: number;
  /** Calls answered 429 are retried (after the wait) up to this many times in total. */
  maxAttempts?: number;
  /** Told the outcome of every HTTP call (status, or null when none came); its errors are ignored. */
  onCall?: (call: { endpoint: EndpointClass; status: number | null }) => Promise<void>;
}

export interface CatalogQuery {
  pageIndex?: number;
  pageSize?: number;
  /** Only products modified after this day (YYYY-MM-DD): the delta sync. */
  modifiedSince?: string;
  productId?: number;
  brandId?: number;
  currencyCode?: string;
  countryCode?: string;
  name?: string;
  targetCurrency?: string;
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

const PATHS = {
  catalog: '/api/integration/v2.0/catalog',
  categories: '/api/integration/v2.0/categories',
  accounts: '/api/integration/v1.0/accounts',
  checkout: '/api/integration/v1.0/orders/checkout',
  getOrder: '/api/integration/v1.0/orders/',
  exchangeRates: '/api/integration/v1.0/exchange-rates',
  transactions: '/api/Integration/v1/transactions',
  ordersReport: '/api/Integration/v1/orders',
  notification: '/api/Integration/v1/notification',
} as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function assertDay(name: string, value: string): void {
  if (!DAY.test(value)) throw new TypeError(`${name} must be YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

/** The message of Bamboo's JSON error envelope (`{"message"}`, `{"error"}`, a bare JSON string); undefined for anything else. */
function parsedErrorMessage(text: string): string | undefined {
  try {
    const parsed = wireErrorMessage.safeParse(parseJsonExact(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: plain text or HTML
  }
  return undefined;
}

/** Error text of a non-2xx body: Bamboo's envelope, else the start of the plain text (for logs and errors). */
function errorMessage(text: string): string {
  return parsedErrorMessage(text) ?? text.trim().slice(0, 300);
}

export class BambooClient {
  readonly accountId: number;
  readonly #options: Required<Omit<BambooClientOptions, 'logger' | 'onCall'>> & Pick<BambooClientOptions, 'onCall'> & { logger: Logger | undefined };
  readonly #authorization: string;

  constructor(options: BambooClientOptions) {
    this.accountId = options.accountId;
    this.#options = {
      fetch: (request) => fetch(request),
      timeoutMs: 30_000,
      catalogTimeoutMs: 120_000,
      maxAttempts: 3,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      logger: options.logger,
    };
    this.#authorization = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
  }

  /** One page of the v2 catalog (brands with their products). PageIndex is zero-based. */
  async getCatalogPage(query: CatalogQuery = {}): Promise<CatalogPage> {
    if (query.modifiedSince !== undefined) assertDay('modifiedSince', query.modifiedSince);
    const params = {
      PageIndex: query.pageIndex ?? 0,
      PageSize: query.pageSize ?? 100,
      ModifiedDate: query.modifiedSince,
      ProductId: query.productId,
      BrandId: query.brandId,
      CurrencyCode: query.currencyCode,
      CountryCode: query.countryCode,
      Name: query.name,
      TargetCurrency: query.targetCurrency,
    };
    const page = await this.#get('catalog', PATHS.catalog, wireCatalogPage, params, this.#options.catalogTimeoutMs);
    return this.#map('catalog', () => mapCatalogPage(page));
  }

  /** Every page of the catalog in order, at the limiter's pace. */
  async *catalogPages(query: Omit<CatalogQuery, 'pageIndex'> = {}): AsyncGenerator<CatalogPage> {
    for (let pageIndex = 0; ; pageIndex += 1) {
      const page = await this.getCatalogPage({ ...query, pageIndex });
      yield page;
      const seen = (pageIndex + 1) * page.pageSize;
      if (page.brands.length === 0 || page.brands.length < page.pageSize || seen >= page.totalBrands) return;
    }
  }

  async getCategories(): Promise<{ id: number; name: string; description: string | null }[]> {
    return this.#get('categories', PATHS.categories, wireCategories);
  }

  async getAccounts(): Promise<Account[]> {
    const body = await this.#get('accounts', PATHS.accounts, wireAccounts);
    return this.#map('accounts', () => mapAccounts(body));
  }

  /**
   * Places an order (v1, by ProductId). Never throws for what Bamboo answers: the outcome is
   * accepted, rejected (definitely not created) or unknown (resolve with getOrder(requestId)).
   */
  async placeOrder(
    order: { requestId: string; lines: readonly PlaceOrderLine[]; accountId?: number },
    options: { turnTaken?: boolean } = {},
  ): Promise<PlaceOrderResult> {
    const body = JSON.stringify({
      RequestId: order.requestId,
      AccountId: order.accountId ?? this.accountId,
      Products: order.lines.map((line) => ({
        ProductId: line.productId,
        Quantity: line.quantity,
        // Whole denominations go as integers ("10"), others with their decimals; never a float.
        Value: jsonDecimal(new Big(formatAmount(line.faceValue)).toFixed()),
      })),
    });
    const productIds = order.lines.map((line) => line.productId);
    // Rate-limit waits happen before anything is sent: a wait too long means "not sent, retry later".
    try {
      // A planner that took the turn (`tryCheckout`) already counted this call.
      if (!options.turnTaken) await this.#options.limiter.acquire('checkout', { productIds });
    } catch (error) {
      if (!(error instanceof BambooRateLimitError)) throw error;
      return { kind: 'rejected', reason: 'RateLimited', message: error.message, retryable: true, retryAfterMs: error.retryAfterMs };
    }
    let response: RawResponse;
    try {
      response = await this.#send('checkout', 'POST', PATHS.checkout, body, this.#options.timeoutMs);
    } catch (error) {
      return { kind: 'unknown', cause: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    const { status, text } = response;
    if (status === 200) {
      let accepted: string | undefined;
      try {
        const parsed = wireCheckoutAccepted.safeParse(parseJsonExact(text));
        if (parsed.success) accepted = parsed.data;
      } catch {
        // falls through to unknown
      }
      return accepted === order.requestId ? { kind: 'accepted', requestId: order.requestId } : { kind: 'unknown', cause: 'unexpected 200 body from checkout' };
    }
    if (status === 429) {
      const retryAfterMs = await this.#blockAfter429('checkout', response, 1);
      return { kind: 'rejected', reason: 'RateLimited', message: errorMessage(text), retryable: true, retryAfterMs };
    }
    if (status === 401) return { kind: 'rejected', reason: 'Unauthorized', message: errorMessage(text), retryable: false };
    if (status === 403) return { kind: 'rejected', reason: 'Forbidden', message: errorMessage(text), retryable: false };
    if (status === 400) {
      // Only a documented reason code that means "not created" is a rejection. `OrderAlreadyExists`
      // (a reused RequestId may be our own earlier attempt that went through), a reworded code, free
      // text or HTML: unknown, resolved by Get Order with the same RequestId.
      const reason = parsedErrorMessage(text);
      if (reason !== undefined && isCheckoutRejection(reason)) return { kind: 'rejected', reason, message: reason, retryable: false };
      return { kind: 'unknown', cause: reason === 'OrderAlreadyExists' ? reason : `HTTP 400: ${errorMessage(text).slice(0, 100)}` };
    }
    return { kind: 'unknown', cause: `HTTP ${status}` };
  }

  /** The planner's turn for a checkout of one product (BambooRateLimiter.tryCheckout). */
  tryCheckout(productId: number, options: { paced?: boolean } = {}): Promise<CheckoutTurn> {
    return this.#options.limiter.tryCheckout(productId, options);
  }

  /**
   * Get Order, classified: `found`, `not_found` (only Bamboo's parsed `OrderNotFound` answer) or
   * `unknown` (any other 404, such as a proxy's HTML page or an unknown route; a timeout; a 5xx; a
   * 429; a body we cannot read). Never throws for what Bamboo answers.
   */
  async lookupOrder(requestId: string): Promise<OrderLookup> {
    try {
      const order = await this.getOrder(requestId);
      return order ? { kind: 'found', order } : { kind: 'not_found' };
    } catch (error) {
      if (!(error instanceof BambooError)) throw error;
      return { kind: 'unknown', cause: error.message, ...(error instanceof BambooRateLimitError ? { retryAfterMs: error.retryAfterMs } : {}) };
    }
  }

  /** The order placed with `requestId`; undefined only for Bamboo's parsed `OrderNotFound`; any other failure throws `BambooError`. */
  async getOrder(requestId: string): Promise<VendorOrder | undefined> {
    try {
      const body = await this.#get('getOrder', PATHS.getOrder + encodeURIComponent(requestId), wireOrder);
      return this.#map('getOrder', () => mapOrder(body));
    } catch (error) {
      if (error instanceof BambooError && error.details.reason === 'OrderNotFound') return undefined;
      throw error;
    }
  }

  /** No arguments: all rates from USD; `baseCurrency`: all from it; both: that one pair. */
  async getExchangeRates(query: { baseCurrency?: string; currency?: string } = {}): Promise<ExchangeRates> {
    return mapExchangeRates(await this.#get('exchangeRates', PATHS.exchangeRates, wireExchangeRates, query));
  }

  /** The account ledger between two days (inclusive). Bamboo allows 4 calls an hour. */
  async getTransactions(range: { startDate: string; endDate: string }): Promise<VendorTransaction[]> {
    assertDay('startDate', range.startDate);
    assertDay('endDate', range.endDate);
    return mapTransactions(await this.#get('transactions', PATHS.transactions, wireTransactions, range));
  }

  async getOrdersReport(range: { startDate: string; endDate: string }): Promise<OrdersReportRow[]> {
    assertDay('startDate', range.startDate);
    assertDay('endDate', range.endDate);
    const rows = await this.#get('ordersReport', PATHS.ordersReport, wireOrdersReport, range);
    return this.#map('ordersReport', () => mapOrdersReport(rows));
  }

  async getNotificationSettings(): Promise<NotificationSettings> {
    return this.#get('notification', PATHS.notification, wireNotification);
  }

  /** An empty notificationUrl disables callbacks. Bamboo echoes the stored settings. */
  async setNotificationSettings(settings: { notificationUrl: string; notificationUrlSandbox?: string; secretKey?: string }): Promise<NotificationSettings> {
    return this.#call('notification', 'POST', PATHS.notification, wireNotification, { body: JSON.stringify(settings) });
  }

  #get<Schema extends z.ZodType>(
    endpoint: EndpointClass,
    path: string,
    schema: Schema,
    query: Record<string, string | number | undefined> = {},
    timeoutMs = this.#options.timeoutMs,
  ): Promise<z.output<Schema>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.#call(endpoint, 'GET', path + search, schema, { timeoutMs });
  }

  /** Limiter, request, 429 wait-and-retry, error mapping and decoding for every call but checkout. */
  async #call<Schema extends z.ZodType>(
    endpoint: EndpointClass,
    method: 'GET' | 'POST',
    pathAndQuery: string,
    schema: Schema,
    options: { body?: string; timeoutMs?: number },
  ): Promise<z.output<Schema>> {
    for (let attempt = 1; ; attempt += 1) {
      await this.#options.limiter.acquire(endpoint);
      let response: RawResponse;
      try {
        response = await this.#send(endpoint, method, pathAndQuery, options.body, options.timeoutMs ?? this.#options.timeoutMs);
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new BambooError('vendor_unavailable', `Bamboo ${endpoint} ${timedOut ? 'timed out' : 'could not be reached'}`, { endpoint }, { cause: error });
      }
      const { status, text } = response;
      if (status === 429) {
        const retryAfterMs = await this.#blockAfter429(endpoint, response, attempt);
        if (attempt >= this.#options.maxAttempts) throw new BambooRateLimitError(endpoint, retryAfterMs);
        continue; // the limiter now holds everyone (us included) until the wait has passed
      }
      if (status >= 200 && status < 300) return this.#decode(endpoint, text, schema);
      const message = errorMessage(text);
      if (status >= 500) throw new BambooError('vendor_unavailable', `Bamboo ${endpoint} failed with HTTP ${status}`, { endpoint, status });
      // `reason` only from Bamboo's own JSON envelope (a 400, or a 404 carrying a reason code): a
      // proxy's page that happens to contain a code word is not Bamboo's answer.
      const reason = parsedErrorMessage(text);
      const isReason = reason !== undefined && (status === 400 || (status === 404 && isReasonCode(reason)));
      throw new BambooError('vendor_rejected', `Bamboo ${endpoint} refused with HTTP ${status}: ${message.slice(0, 100)}`, {
        endpoint,
        status,
        ...(isReason ? { reason } : {}),
      });
    }
  }

  /** An amount in a currency we cannot read is a bad response, reported like one. */
  #map<T>(endpoint: EndpointClass, map: () => T): T {
    try {
      return map();
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      throw new BambooError('vendor_bad_response', `Bamboo ${endpoint} sent an amount we cannot read (${error.message})`, { endpoint }, { cause: error });
    }
  }

  #decode<Schema extends z.ZodType>(endpoint: EndpointClass, text: string, schema: Schema): z.output<Schema> {
    let json: unknown;
    try {
      json = parseJsonExact(text);
    } catch (error) {
      throw new BambooError('vendor_bad_response', `Bamboo ${endpoint} sent a body that is not JSON`, { endpoint }, { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Issue paths and messages only: never the values (they may be card codes).
      const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new BambooError('vendor_bad_response', `Bamboo ${endpoint} sent an unexpected body (${issues.join('; ')})`, { endpoint });
    }
    return parsed.data;
  }

  /** Blocks the endpoint class for the wait Bamboo names (else 2^attempt s) and returns it. */
  async #blockAfter429(endpoint: EndpointClass, response: RawResponse, attempt: number): Promise<number> {
    const retryAfterMs = parseRetryAfterMs(response.headers, response.text) ?? 2 ** attempt * 1000;
    this.#options.logger?.warn({ vendor: 'bamboo', endpoint, retryAfterMs }, 'Bamboo rate limit hit; endpoint blocked');
    await this.#options.limiter.block(endpoint, retryAfterMs);
    return retryAfterMs;
  }

  async #send(endpoint: EndpointClass, method: 'GET' | 'POST', pathAndQuery: string, body: string | undefined, timeoutMs: number): Promise<RawResponse> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const request = new Request(this.#options.baseUrl + pathAndQuery, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    // The gap to the next call of this class counts from now, not from when this one was granted.
    await this.#options.limiter.leaving(endpoint);
    const started = performance.now();
    try {
      const response = await this.#options.fetch(request);
      const text = await response.text();
      this.#options.logger?.debug({ vendor: 'bamboo', endpoint, method, status: response.status, ms: Math.round(performance.now() - started) }, 'bamboo call');
      await this.#record(endpoint, response.status);
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      this.#options.logger?.warn({ vendor: 'bamboo', endpoint, method, err: error }, 'bamboo call failed');
      await this.#record(endpoint, null);
      throw error;
    }
  }

  async #record(endpoint: EndpointClass, status: number | null): Promise<void> {
    try {
      await this.#options.onCall?.({ endpoint, status });
    } catch (error) {
      this.#options.logger?.warn({ err: error }, 'bamboo call outcome not recorded');
    }
  }
}
