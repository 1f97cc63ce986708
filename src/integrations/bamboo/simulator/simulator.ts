// A stateful fake of Bamboo's Client Integration API as a web-standard handler:
// `(Request) => Promise<Response>`. Tests mount it through msw; `VENDOR=simulator` passes
// `simulator.fetch` to the client. It follows ../shared/reference/bamboo-api.md: both hosts, any
// path casing with v1 = v1.0, Basic auth (401/403), every 400 reason code in the documented
// validation order (§9.4), the bare-JSON-string checkout answer, asynchronous fulfilment with
// callbacks, balances with FX, a transactions ledger, the orders report and the published rate
// limits with the observed 429 text. Faults are injected per product or per request.
import { createHash, randomUUID } from 'node:crypto';
import Big from 'big.js';
import { currencyExponent } from '../../../shared/money.ts';
import { jsonDecimal, parseJsonExact } from '../json.ts';
import { BAMBOO_LIMITS, CHECKOUT_GAP_MS, CHECKOUT_PER_PRODUCT, type EndpointClass } from '../rate-limits.ts';
import { CATEGORIES, crossRate, generateCatalog, unitPrice, USD_RATES, type SimBrand, type SimProduct } from './catalog.ts';
import { systemClock, type SimulatorClock } from './clock.ts';

export const SIMULATOR_HOSTS = ['api.bamboocardportal.com', 'api-stage.bamboocardportal.com'];

export interface SimulatorCredential {
  clientId: string;
  clientSecret: string;
  clientName: string;
  sandbox: boolean;
  /** false: every order is refused with UserNotEnabled. */
  enabled?: boolean;
  /** false: every order is refused with ClientCatalogNotExist. */
  catalogAssigned?: boolean;
  /** false: every call gets 403 (IP not whitelisted). */
  ipAllowed?: boolean;
  accounts: { id: number; currency: string; balance: string; isActive: boolean }[];
}

export const SANDBOX_CREDENTIAL: SimulatorCredential = {
  clientId: 'STELLER---CLIENT-SANDBOX',
  clientSecret: 'simulator-sandbox-secret',
  clientName: 'Steller Agency - Testing',
  sandbox: true,
  accounts: [
    { id: 555, currency: 'USD', balance: '100828.4848', isActive: true },
    { id: 556, currency: 'EUR', balance: '5000', isActive: true },
    { id: 557, currency: 'USD', balance: '1000', isActive: false },
  ],
};

export const LIVE_CREDENTIAL: SimulatorCredential = {
  clientId: 'STELLER---CLIENT',
  clientSecret: 'simulator-live-secret',
  clientName: 'Steller Agency',
  sandbox: false,
  accounts: [{ id: 1555, currency: 'USD', balance: '250', isActive: true }],
};

/** How orders containing a product are fulfilled. */
export interface ProductFault {
  outcome?: 'fail' | 'partial-fail';
  /** Cards that fail in a partial failure (default 1). */
  failedCards?: number;
  /** Stay `Pending` this long before finishing, or until `release(requestId)`. */
  holdPendingMs?: number | 'until-released';
  /** Overrides the time from acceptance to the final status. */
  fulfilAfterMs?: number;
}

/** A fault for the next matching request(s). */
export interface RequestFault {
  endpoint?: SimEndpoint;
  /** Checkout or Get Order with this RequestId. */
  requestId?: string;
  /** Answer after this many ms (simulator's sleep). */
  delayMs?: number;
  /** Answer with this 5xx. With `afterCommit` a checkout creates the order first (the ambiguous case). */
  status?: 500 | 502 | 503 | 504;
  afterCommit?: boolean;
  /** Never answer (until the caller gives up and aborts). */
  hang?: boolean;
  /** Answer 429 asking to wait this many seconds. */
  rateLimitSeconds?: number;
  /** Fulfilment fault for the order this checkout creates. */
  order?: ProductFault;
  /** How many requests this applies to (default 1). */
  times?: number;
}

/** The endpoints our client uses, plus the ones it does not (v1 catalog, brands, stock, countries, v2 checkout). */
export type SimEndpoint = EndpointClass | 'catalogV1' | 'brands' | 'stock' | 'countries' | 'checkoutV2' | 'unknown';

/** Published limits per endpoint (reference §4.1); v2 checkout shares the checkout windows. */
const SIM_LIMITS: Record<Exclude<SimEndpoint, 'checkout' | 'checkoutV2' | 'unknown'>, { points: number; durationMs: number }> = {
  ...BAMBOO_LIMITS,
  catalogV1: { points: 2, durationMs: 3_600_000 },
  brands: { points: 1, durationMs: 1_000 },
  stock: { points: 1, durationMs: 1_000 },
  countries: { points: 1, durationMs: 1_000 },
};

const COUNTRY_NAMES: Record<string, [name: string, alpha3: string]> = {
  US: ['United States', 'USA'], GB: ['United Kingdom', 'GBR'], DE: ['Germany', 'DEU'], FR: ['France', 'FRA'], IT: ['Italy', 'ITA'],
  ES: ['Spain', 'ESP'], NL: ['Netherlands', 'NLD'], AE: ['United Arab Emirates', 'ARE'], SA: ['Saudi Arabia', 'SAU'],
  BH: ['Bahrain', 'BHR'], KW: ['Kuwait', 'KWT'], IN: ['India', 'IND'], JP: ['Japan', 'JPN'], CA: ['Canada', 'CAN'],
  AU: ['Australia', 'AUS'], TR: ['Turkey', 'TUR'],
};

export interface SimulatorOptions {
  hosts?: string[];
  credentials?: SimulatorCredential[];
  clock?: SimulatorClock;
  /** Sleep for injected delays; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  catalog?: SimBrand[];
  catalogSeed?: number;
  /** false disables the published limits (fast unit tests). */
  rateLimits?: boolean;
  /** Also send `Retry-After: N` with a 429 (Bamboo has not been seen to). */
  retryAfterHeader?: boolean;
  /** Send the 429 text as text/plain instead of `{"message": …}`. */
  plainText429?: boolean;
  /** Answer Get Order for an unknown id with 404 instead of 400 OrderNotFound. */
  orderNotFoundAs404?: boolean;
  /** Largest PageSize honoured (default: no cap). */
  maxPageSize?: number;
  /** Created → Processing after this long, final after `completeAfterMs` (defaults 200 ms and 1 s). */
  processingAfterMs?: number;
  completeAfterMs?: number;
  /** Sends the completion callbacks (default global fetch). */
  callbackFetch?: (request: Request) => Promise<Response>;
  /** Status text in callbacks: the docs example is lowercase ("succeeded"). */
  callbackStatusCase?: 'lower' | 'pascal';
}

interface SimCard {
  id: number;
  serialNumber: string;
  cardCode: string | null;
  pin: string | null;
  expiresAt: number | null;
  status: 'Created' | 'Processing' | 'Sold' | 'Failed';
}

interface SimOrderLine {
  brand: SimBrand;
  product: SimProduct;
  faceValue: string;
  quantity: number;
  /** Per card, in the account currency (4 decimals). */
  unitCost: Big;
  cards: SimCard[];
}

interface SimOrder {
  orderId: number;
  requestId: string;
  credential: SimulatorCredential;
  accountId: number;
  currency: string;
  status: string;
  createdAt: number;
  completedAt: number | null;
  /** Charged so far (refunds of failed cards deducted), account currency. */
  total: Big;
  errorMessage: string | null;
  lines: SimOrderLine[];
  fault: ProductFault;
}

interface SimAccount {
  id: number;
  currency: string;
  balance: Big;
  isActive: boolean;
  credential: SimulatorCredential;
}

interface SimTransaction {
  transactionId: string;
  type: 'Order' | 'Refund';
  order: SimOrder;
  amount: Big;
  balanceAfter: Big;
  at: number;
}

export interface CallbackRecord {
  url: string;
  body: Record<string, unknown>;
  status?: number;
  error?: string;
}

const REASON_TEXT = 'Too many requests. Please wait for N seconds for the next request';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'api-supported-versions': '1.0, 2.0', ...headers } });

const reason = (code: string) => json({ message: code }, 400);

/** Bamboo's timestamp: no zone, 7 fractional digits. */
export function bambooTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
const decimalOut = (value: Big, places = 4) => jsonDecimal(value.round(places, Big.roundHalfUp).toFixed());
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export class BambooSimulator {
  readonly brands: SimBrand[];
  readonly callbacks: CallbackRecord[] = [];
  readonly #options: SimulatorOptions;
  readonly #clock: SimulatorClock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #hosts: Set<string>;
  readonly #credentials: SimulatorCredential[];
  readonly #accounts = new Map<number, SimAccount>();
  readonly #products = new Map<number, { brand: SimBrand; product: SimProduct }>();
  readonly #orders = new Map<string, SimOrder>();
  readonly #transactions: SimTransaction[] = [];
  readonly #notification = new Map<string, { notificationUrl: string; notificationUrlSandbox: string; secretKey: string }>();
  readonly #windows = new Map<string, number[]>();
  readonly #lastCheckout = new Map<string, number>();
  readonly #productFaults = new Map<number, ProductFault>();
  readonly #requestFaults: RequestFault[] = [];
  readonly #released = new Set<string>();
  readonly #pendingCallbacks = new Set<Promise<void>>();
  #nextOrderId = 6_779_294;
  #nextCardId = 24_153_984;
  #nextTransactionId = 6_677_709;
  #requestCount = 0;

  constructor(options: SimulatorOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock();
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#hosts = new Set((options.hosts ?? SIMULATOR_HOSTS).map((host) => host.toLowerCase()));
    this.#credentials = (options.credentials ?? [SANDBOX_CREDENTIAL, LIVE_CREDENTIAL]).map((credential) => ({ ...credential }));
    for (const credential of this.#credentials) {
      for (const account of credential.accounts) {
        if (this.#accounts.has(account.id)) throw new Error(`account ${account.id} belongs to two credentials`);
        this.#accounts.set(account.id, { id: account.id, currency: account.currency, balance: new Big(account.balance), isActive: account.isActive, credential });
      }
    }
    this.brands = options.catalog ?? generateCatalog({ seed: options.catalogSeed ?? 42 });
    for (const brand of this.brands) for (const product of brand.products) this.#products.set(product.id, { brand, product });
  }

  /** The handler: give it any request to a Bamboo host. */
  readonly fetch = (request: Request): Promise<Response> => this.handle(request);

  get productCount(): number {
    return this.#products.size;
  }

  /** Requests answered so far (for asserting pacing). */
  get requestCount(): number {
    return this.#requestCount;
  }

  product(id: number): SimProduct | undefined {
    return this.#products.get(id)?.product;
  }

  /** Changes a product the way Bamboo would (its modifiedDate moves to now). */
  updateProduct(id: number, change: Partial<Pick<SimProduct, 'count' | 'discount' | 'name' | 'disabled'>>): void {
    const entry = this.#products.get(id);
    if (!entry) throw new Error(`no product ${id}`);
    Object.assign(entry.product, change, { modifiedAt: this.#clock.now() });
    entry.brand.modifiedAt = this.#clock.now();
  }

  /** Removes a product from the catalog (it vanishes from every listing). */
  removeProduct(id: number): void {
    const entry = this.#products.get(id);
    if (!entry) return;
    entry.brand.products = entry.brand.products.filter((product) => product.id !== id);
    this.#products.delete(id);
  }

  setProductFault(productId: number, fault: ProductFault | undefined): void {
    if (fault) this.#productFaults.set(productId, fault);
    else this.#productFaults.delete(productId);
  }

  /** Queues a fault for the next matching request(s). */
  injectFault(fault: RequestFault): void {
    this.#requestFaults.push({ times: 1, ...fault });
  }

  /** Lets an order held with `holdPendingMs: 'until-released'` finish. */
  release(requestId: string): void {
    this.#released.add(requestId);
    for (const order of this.#orders.values()) if (order.requestId === requestId && order.status === 'Pending') this.#finish(order);
  }

  balance(accountId: number): string | undefined {
    return this.#accounts.get(accountId)?.balance.toFixed(4);
  }

  /** Waits for callbacks in flight (tests). */
  async idle(): Promise<void> {
    while (this.#pendingCallbacks.size > 0) await Promise.all([...this.#pendingCallbacks]);
  }

  async handle(request: Request): Promise<Response> {
    this.#requestCount += 1;
    const url = new URL(request.url);
    if (!this.#hosts.has(url.hostname.toLowerCase())) return json({ message: 'Unknown host' }, 404);
    const route = /^\/api\/integration\/v([12])(?:\.0)?\/(.+?)\/?$/i.exec(url.pathname);
    const version = route?.[1];
    const rest = route?.[2] ?? '';
    const endpoint = this.#endpointOf(request.method, version, rest);

    const credential = this.#authenticate(request.headers.get('authorization'));
    if (!credential) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic' } });
    if (credential.ipAllowed === false) return json({ error: 'Access denied: IP address is not whitelisted' }, 403);
    if (endpoint === 'unknown') return json({ message: 'Not found' }, 404);

    const fault = this.#takeFault(endpoint, rest);
    if (fault?.delayMs) await this.#sleep(fault.delayMs);
    if (fault?.hang) return this.#hang(request);
    if (fault?.rateLimitSeconds !== undefined) return this.#tooMany(fault.rateLimitSeconds);
    if (fault?.status && !fault.afterCommit) return json({ message: 'An error has occurred.' }, fault.status);

    // Checkout counts its own windows once it knows the products (6 per product a minute).
    if (endpoint !== 'checkout' && endpoint !== 'checkoutV2') {
      const wait = this.#rateLimit(`${credential.clientId}:${endpoint}`, SIM_LIMITS[endpoint]);
      if (wait !== undefined) return this.#tooMany(wait);
    }
    const query = new Map([...url.searchParams].map(([name, value]) => [name.toLowerCase(), value]));

    switch (endpoint) {
      case 'catalog':
        return this.#catalog(query);
      case 'categories':
        return json(CATEGORIES.map((category) => ({ ...category, description: '' })));
      case 'accounts':
        return this.#accountsOf(credential);
      case 'checkout':
      case 'checkoutV2': {
        const response = await this.#checkout(credential, request, fault?.order, endpoint === 'checkoutV2' ? 2 : 1);
        return fault?.status && response.status === 200 ? json({ message: 'An error has occurred.' }, fault.status) : response;
      }
      case 'catalogV1':
        return json({ brands: this.brands.map((brand) => this.#brandJson(brand, brand.products, undefined)) });
      case 'brands':
        return this.#brandList(query);
      case 'stock':
        return this.#stock(rest);
      case 'countries':
        return this.#countries();
      case 'getOrder':
        return this.#getOrder(credential, decodeURIComponent(rest.slice('orders/'.length)));
      case 'ordersReport':
        return this.#ordersReport(credential, query);
      case 'exchangeRates':
        return this.#exchangeRates(query);
      case 'transactions':
        return this.#transactionsOf(credential, query);
      case 'notification':
        return request.method === 'POST' ? this.#setNotification(credential, request) : this.#getNotification(credential);
    }
  }

  #endpointOf(method: string, version: string | undefined, rest: string): SimEndpoint {
    const path = rest.toLowerCase();
    if (version === '2' && method === 'GET' && path === 'catalog') return 'catalog';
    if (version === '2' && method === 'GET' && path === 'categories') return 'categories';
    if (version === '2' && method === 'GET' && path === 'brands') return 'brands';
    if (version === '2' && method === 'GET' && /^getstock\/[^/]+\/[^/]+$/.test(path)) return 'stock';
    if (version === '2' && method === 'GET' && path === 'catalog-countries') return 'countries';
    if (version === '2' && method === 'POST' && path === 'orders/checkout') return 'checkoutV2';
    if (version !== '1') return 'unknown';
    if (method === 'GET' && path === 'catalog') return 'catalogV1';
    if (method === 'GET' && path === 'accounts') return 'accounts';
    if (method === 'POST' && path === 'orders/checkout') return 'checkout';
    if (method === 'GET' && path === 'orders') return 'ordersReport';
    if (method === 'GET' && path.startsWith('orders/') && !path.slice(7).includes('/')) return 'getOrder';
    if (method === 'GET' && path === 'exchange-rates') return 'exchangeRates';
    if (method === 'GET' && path === 'transactions') return 'transactions';
    if ((method === 'GET' || method === 'POST') && path === 'notification') return 'notification';
    return 'unknown';
  }

  #authenticate(header: string | null): SimulatorCredential | undefined {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return undefined;
    const [clientId, clientSecret] = [decoded.slice(0, separator), decoded.slice(separator + 1)];
    return this.#credentials.find((credential) => credential.clientId === clientId && credential.clientSecret === clientSecret);
  }

  /** The next queued fault for this request. Checkout faults naming a RequestId wait for the body. */
  #takeFault(endpoint: SimEndpoint, rest: string): RequestFault | undefined {
    const requestId = endpoint === 'getOrder' ? decodeURIComponent(rest.slice('orders/'.length)) : undefined;
    return this.#consumeFault(
      (fault) => (!fault.endpoint || fault.endpoint === endpoint) && (!fault.requestId || (requestId !== undefined && fault.requestId === requestId)),
    );
  }

  #consumeFault(matches: (fault: RequestFault) => boolean): RequestFault | undefined {
    const index = this.#requestFaults.findIndex(matches);
    if (index < 0) return undefined;
    const fault = this.#requestFaults[index]!;
    if ((fault.times = (fault.times ?? 1) - 1) <= 0) this.#requestFaults.splice(index, 1);
    return fault;
  }

  #takeCheckoutFault(requestId: string): RequestFault | undefined {
    return this.#consumeFault((fault) => fault.requestId === requestId && (!fault.endpoint || fault.endpoint === 'checkout'));
  }

  /** Answers only once the caller gives up (its abort); what it answers then is never read. */
  #hang(request: Request): Promise<Response> {
    return new Promise((resolve) => {
      const giveUp = () => resolve(new Response(null, { status: 499 }));
      if (request.signal.aborted) giveUp();
      else request.signal.addEventListener('abort', giveUp, { once: true });
    });
  }

  /** Sliding window: undefined when allowed (and counted), else whole seconds to wait. */
  #rateLimit(key: string, limit: { points: number; durationMs: number }, record = true): number | undefined {
    if (this.#options.rateLimits === false) return undefined;
    const now = this.#clock.now();
    const window = (this.#windows.get(key) ?? []).filter((at) => at > now - limit.durationMs);
    this.#windows.set(key, window);
    if (window.length >= limit.points) return Math.max(1, Math.ceil((window[0]! + limit.durationMs - now) / 1000));
    if (record) window.push(now);
    return undefined;
  }

  #tooMany(seconds: number): Response {
    const text = REASON_TEXT.replace('N', String(seconds));
    const headers: Record<string, string> = this.#options.retryAfterHeader ? { 'retry-after': String(seconds) } : {};
    if (this.#options.plainText429) return new Response(text, { status: 429, headers: { 'content-type': 'text/plain', ...headers } });
    return json({ message: text }, 429, headers);
  }

  // ---- catalog ---------------------------------------------------------------------------------

  #catalog(query: Map<string, string>): Response {
    const int = (name: string, fallback: number) => {
      const value = query.get(name);
      return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
    };
    const requestedSize = Math.max(1, int('pagesize', 100));
    const pageSize = this.#options.maxPageSize ? Math.min(requestedSize, this.#options.maxPageSize) : requestedSize;
    const pageIndex = int('pageindex', 0);
    const currency = query.get('currencycode')?.toUpperCase();
    const country = query.get('countrycode')?.toUpperCase();
    const name = query.get('name')?.toLowerCase();
    const brandId = query.has('brandid') ? int('brandid', -1) : undefined;
    const productId = query.has('productid') ? int('productid', -1) : undefined;
    const modified = query.get('modifieddate');
    const modifiedSince = modified && DAY_PATTERN.test(modified) ? dayStart(modified) : undefined;
    const target = query.get('targetcurrency')?.toUpperCase();
    if (target && !USD_RATES[target]) return reason('InvalidCurrency');

    const matching: { brand: SimBrand; products: SimProduct[] }[] = [];
    for (const brand of this.brands) {
      if (currency && brand.currencyCode !== currency) continue;
      if (country && brand.countryCode !== country) continue;
      if (name && !brand.name.toLowerCase().includes(name)) continue;
      if (brandId !== undefined && brand.id !== brandId) continue;
      const filtersProducts = productId !== undefined || modifiedSince !== undefined;
      const products = brand.products.filter(
        (product) => (productId === undefined || product.id === productId) && (modifiedSince === undefined || product.modifiedAt >= modifiedSince),
      );
      if (filtersProducts && products.length === 0) continue;
      matching.push({ brand, products });
    }
    const items = matching.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize).map(({ brand, products }) => this.#brandJson(brand, products, target));
    return json({ pageIndex, pageSize, count: matching.length, items });
  }

  #brandJson(brand: SimBrand, products: SimProduct[], target: string | undefined) {
    return {
      internalId: String(brand.id),
      name: brand.name,
      countryCode: brand.countryCode,
      currencyCode: brand.currencyCode,
      description: brand.description,
      disclaimer: brand.disclaimer,
      redemptionInstructions: brand.redemptionInstructions,
      terms: brand.terms,
      logoUrl: brand.logoUrl,
      modifiedDate: bambooTimestamp(brand.modifiedAt),
      products: products.map((product) => this.#productJson(brand, product, target)),
      categories: brand.categoryIds.map((id) => ({ id, name: CATEGORIES.find((category) => category.id === id)?.name ?? '', description: '' })),
    };
  }

  /** v2.1 brand list: SKU, status, face values as fixed or range entries, category ids. */
  #brandList(query: Map<string, string>): Response {
    const number = (name: string, fallback: number) => (/^\d+$/.test(query.get(name) ?? '') ? Number(query.get(name)) : fallback);
    const pageSize = Math.max(1, number('pagesize', 100));
    const pageIndex = number('pageindex', 0);
    const modified = query.get('modifieddate');
    const matching = this.brands.filter(
      (brand) =>
        (!query.get('currencycode') || brand.currencyCode === query.get('currencycode')!.toUpperCase()) &&
        (!query.get('countrycode') || brand.countryCode === query.get('countrycode')!.toUpperCase()) &&
        (!query.get('name') || brand.name.toLowerCase().includes(query.get('name')!.toLowerCase())) &&
        (!query.get('sku') || brandSku(brand) === query.get('sku')!.toUpperCase()) &&
        (!query.has('categoryid') || brand.categoryIds.includes(number('categoryid', -1))) &&
        (!modified || !DAY_PATTERN.test(modified) || brand.modifiedAt >= dayStart(modified)),
    );
    const items = matching.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize).map((brand) => ({
      id: brand.id,
      name: brand.name,
      sku: brandSku(brand),
      countryCode: brand.countryCode,
      currencyCode: brand.currencyCode,
      description: brand.description,
      disclaimer: brand.disclaimer,
      redemptionInstructions: brand.redemptionInstructions,
      terms: brand.terms,
      status: brand.status ?? 'Live',
      logoUrl: brand.logoUrl,
      modifiedDate: bambooTimestamp(brand.modifiedAt),
      faceValues: brand.products.map((product) => ({ min: jsonDecimal(product.minFaceValue), max: jsonDecimal(product.maxFaceValue) })),
      categories: brand.categoryIds,
    }));
    return json({ pageIndex, pageSize, count: matching.length, items });
  }

  /** Stock and price for a brand SKU and face value; `isStocked: false` means unlimited. */
  #stock(rest: string): Response {
    const [, sku = '', faceValue = ''] = rest.split('/').map(decodeURIComponent);
    const match = isDecimal(faceValue) ? this.#productBySku(sku, new Big(faceValue)) : undefined;
    if (!match) return json({ message: `Product with sku ${sku} not found` }, 400);
    const { brand, product } = match;
    return json({
      faceValue: jsonDecimal(new Big(faceValue).toFixed()),
      quantity: product.count ?? 0,
      isStocked: product.count !== null,
      price: decimalOut(unitPrice(product, new Big(faceValue).toFixed())),
      currencyCode: brand.currencyCode,
    });
  }

  #countries(): Response {
    const currencies = new Map<string, string>();
    for (const brand of this.brands) if (!currencies.has(brand.countryCode)) currencies.set(brand.countryCode, brand.currencyCode);
    return json(
      [...currencies].map(([code, currency]) => ({ code, name: COUNTRY_NAMES[code]?.[0] ?? code, defaultCurrencyCode: currency, alpha3Code: COUNTRY_NAMES[code]?.[1] ?? code })),
    );
  }

  #productBySku(sku: string, value: Big): { brand: SimBrand; product: SimProduct } | undefined {
    const brand = this.brands.find((candidate) => brandSku(candidate) === sku.toUpperCase());
    const product = brand?.products.find((candidate) => value.gte(candidate.minFaceValue) && value.lte(candidate.maxFaceValue));
    return brand && product ? { brand, product } : undefined;
  }

  #productJson(brand: SimBrand, product: SimProduct, target: string | undefined) {
    const rate = target ? crossRate(brand.currencyCode, target) : new Big(1);
    const price = (face: string) => decimalOut(unitPrice(product, face).times(rate ?? 1));
    return {
      id: product.id,
      name: product.name,
      minFaceValue: jsonDecimal(new Big(product.minFaceValue).toFixed(4)),
      maxFaceValue: jsonDecimal(new Big(product.maxFaceValue).toFixed(4)),
      count: product.count,
      price: { min: price(product.minFaceValue), max: price(product.maxFaceValue), currencyCode: target ?? brand.currencyCode },
      modifiedDate: bambooTimestamp(product.modifiedAt),
    };
  }

  #accountsOf(credential: SimulatorCredential): Response {
    const accounts = [...this.#accounts.values()]
      .filter((account) => account.credential.clientId === credential.clientId)
      .map((account) => ({ id: account.id, currency: account.currency, balance: decimalOut(account.balance), isActive: account.isActive, sandboxMode: credential.sandbox }));
    return json({ accounts });
  }

  // ---- orders ----------------------------------------------------------------------------------

  /** v1 (by ProductId, answers the bare RequestId) and v2 (by brand SKU, answers an object). */
  async #checkout(credential: SimulatorCredential, request: Request, requestFault: ProductFault | undefined, version: 1 | 2): Promise<Response> {
    let raw: unknown;
    try {
      raw = parseJsonExact(await request.text());
    } catch {
      return json({ message: 'The request body is not valid JSON.' }, 400);
    }
    const body = lowerKeys(raw);
    const requestId = body?.requestid;
    const accountId = body?.accountid;
    const products = body?.products;
    if (typeof requestId !== 'string' || requestId === '' || typeof accountId !== 'number' || !Array.isArray(products)) {
      return json({ message: 'RequestId, AccountId and Products are required.' }, 400);
    }
    const lines = products.map(lowerKeys);
    if (version === 2) {
      for (const line of lines) {
        const sku = typeof line?.sku === 'string' ? line.sku : '';
        const match = isDecimal(line?.value) ? this.#productBySku(sku, new Big(String(line!.value))) : undefined;
        if (!match) return json({ message: `Product with sku ${sku} not found` }, 400);
        line!.productid = match.product.id;
      }
    }
    if (lines.some((line) => typeof line?.productid !== 'number' || typeof line.quantity !== 'number' || line.quantity < 1 || !isDecimal(line.value))) {
      return json({ message: 'Each product needs ProductId, Quantity >= 1 and Value.' }, 400);
    }

    const fault = this.#takeCheckoutFault(requestId);
    if (fault?.delayMs) await this.#sleep(fault.delayMs);
    if (fault?.hang) return this.#hang(request);
    if (fault?.rateLimitSeconds !== undefined) return this.#tooMany(fault.rateLimitSeconds);
    if (fault?.status && !fault.afterCommit) return json({ message: 'An error has occurred.' }, fault.status);

    // Rate limits: 2 a second, 500 ms apart, 6 orders per product a minute.
    if (this.#options.rateLimits !== false) {
      const now = this.#clock.now();
      const last = this.#lastCheckout.get(credential.clientId);
      if (last !== undefined && now - last < CHECKOUT_GAP_MS) return this.#tooMany(1);
      const productIds = [...new Set(lines.map((line) => line!.productid as number))];
      for (const productId of productIds) {
        const wait = this.#rateLimit(`${credential.clientId}:checkout:${productId}`, CHECKOUT_PER_PRODUCT, false);
        if (wait !== undefined) return this.#tooMany(wait);
      }
      const wait = this.#rateLimit(`${credential.clientId}:checkout`, BAMBOO_LIMITS.checkout);
      if (wait !== undefined) return this.#tooMany(wait);
      this.#lastCheckout.set(credential.clientId, now);
    }

    const outcome = this.#placeOrder(credential, requestId, accountId, lines as Record<string, unknown>[], fault?.order ?? requestFault);
    if (typeof outcome === 'string') return reason(outcome);
    // Only orders count toward "6 orders for the same product per minute".
    for (const productId of new Set(outcome.lines.map((orderLine) => orderLine.product.id))) {
      const key = `${credential.clientId}:checkout:${productId}`;
      this.#windows.set(key, [...(this.#windows.get(key) ?? []), this.#clock.now()]);
    }
    if (fault?.status) return json({ message: 'An error has occurred.' }, fault.status);
    if (version === 2) {
      const totalCards = outcome.lines.reduce((sum, orderLine) => sum + orderLine.quantity, 0);
      return json({ requestId, orderNumber: orderNumber(outcome.orderId), status: outcome.status, currencyCode: outcome.currency, totalCards });
    }
    // The documented v1 answer: the RequestId as a bare JSON string.
    return json(requestId);
  }

  /** Validates in the documented order (§9.4); a reason code, or the new order. */
  #placeOrder(credential: SimulatorCredential, requestId: string, accountId: number, lines: Record<string, unknown>[], requestFault: ProductFault | undefined): string | SimOrder {
    if (credential.enabled === false) return 'UserNotEnabled';
    if (credential.catalogAssigned === false) return 'ClientCatalogNotExist';
    if (lines.length === 0) return 'NoProducts';
    const orderKey = `${credential.clientId}:${requestId}`;
    if (this.#orders.has(orderKey)) return 'OrderAlreadyExists';
    const account = this.#accounts.get(accountId);
    if (!account || !account.isActive || account.credential.clientId !== credential.clientId) return 'WrongAccount';

    const resolved: { brand: SimBrand; product: SimProduct; value: Big; quantity: number }[] = [];
    for (const line of lines) {
      const entry = this.#products.get(line.productid as number);
      if (!entry) return 'InvalidProductIds';
      resolved.push({ ...entry, value: new Big(String(line.value)), quantity: line.quantity as number });
    }
    for (const { product } of resolved) if (product.disabled) return 'InvalidProduct';
    for (const { product } of resolved) if (product.noClientPrice) return 'ClientPriceInvalid';
    for (const { brand, product, value } of resolved) {
      const decimals = value.toFixed().split('.')[1]?.length ?? 0;
      if (value.lt(product.minFaceValue) || value.gt(product.maxFaceValue) || decimals > currencyExponent(brand.currencyCode)) return 'InvalidDenomination';
    }
    if (resolved.reduce((sum, line) => sum + line.quantity, 0) > 500) return 'CardsLimitExceeded';
    const wanted = new Map<number, number>();
    for (const { product, quantity } of resolved) wanted.set(product.id, (wanted.get(product.id) ?? 0) + quantity);
    for (const [productId, quantity] of wanted) {
      const count = this.#products.get(productId)!.product.count;
      if (count !== null && count < quantity) return 'ProductIsOutOfStock';
    }
    const orderLines: SimOrderLine[] = resolved.map(({ brand, product, value, quantity }) => {
      const rate = crossRate(brand.currencyCode, account.currency) ?? new Big(1);
      return { brand, product, faceValue: value.toFixed(), quantity, unitCost: unitPrice(product, value.toFixed()).times(rate).round(4, Big.roundHalfUp), cards: [] };
    });
    const cost = orderLines.reduce((sum, line) => sum.plus(line.unitCost.times(line.quantity)), new Big(0));
    if (cost.gt(account.balance)) return 'InsufficientBalance';

    // Accepted: stock and balance move now, cards come later.
    for (const [productId, quantity] of wanted) {
      const product = this.#products.get(productId)!.product;
      if (product.count !== null) product.count -= quantity;
    }
    account.balance = account.balance.minus(cost);
    const now = this.#clock.now();
    const fault = requestFault ?? orderLines.map((line) => this.#productFaults.get(line.product.id)).find(Boolean) ?? {};
    const order: SimOrder = {
      orderId: this.#nextOrderId++,
      requestId,
      credential,
      accountId,
      currency: account.currency,
      status: 'Created',
      createdAt: now,
      completedAt: null,
      total: cost,
      errorMessage: null,
      lines: orderLines,
      fault,
    };
    for (const line of orderLines) {
      line.cards = Array.from({ length: line.quantity }, () => ({
        id: this.#nextCardId++,
        serialNumber: randomUUID(),
        cardCode: null,
        pin: null,
        expiresAt: null,
        status: 'Created' as const,
      }));
    }
    this.#orders.set(orderKey, order);
    this.#record('Order', order, cost.times(-1), account);
    this.#scheduleFulfilment(order);
    return order;
  }

  #scheduleFulfilment(order: SimOrder): void {
    const processingAfter = this.#options.processingAfterMs ?? 200;
    const completeAfter = order.fault.fulfilAfterMs ?? this.#options.completeAfterMs ?? 1_000;
    this.#clock.schedule(processingAfter, () => {
      order.status = 'Processing';
      for (const card of order.lines.flatMap((line) => line.cards)) card.status = 'Processing';
    });
    this.#clock.schedule(Math.max(completeAfter, processingAfter), () => {
      const hold = order.fault.holdPendingMs;
      if (hold === undefined || this.#released.has(order.requestId)) return this.#finish(order);
      order.status = 'Pending';
      if (hold !== 'until-released') this.#clock.schedule(hold, () => this.#finish(order));
    });
  }

  #finish(order: SimOrder): void {
    if (['Succeeded', 'Failed', 'PartialFailed'].includes(order.status)) return;
    const cards = order.lines.flatMap((line) => line.cards.map((card) => ({ line, card })));
    const failing = order.fault.outcome === 'fail' ? cards.length : order.fault.outcome === 'partial-fail' ? Math.min(order.fault.failedCards ?? 1, cards.length - 1) : 0;
    let refund = new Big(0);
    cards.forEach(({ line, card }, index) => {
      if (index >= cards.length - failing) {
        card.status = 'Failed';
        refund = refund.plus(line.unitCost);
        return;
      }
      card.status = 'Sold';
      card.cardCode = createHash('sha256').update(`${card.serialNumber}:${card.id}`).digest('hex').slice(0, 32).toUpperCase();
      card.pin = String(100 + (card.id % 900));
      card.expiresAt = order.createdAt + 365 * 86_400_000;
    });
    order.completedAt = this.#clock.now();
    if (failing === 0) order.status = 'Succeeded';
    else if (failing === cards.length) {
      order.status = 'Failed';
      order.errorMessage = 'The order could not be fulfilled: no cards were purchased.';
    } else {
      order.status = 'PartialFailed';
      order.errorMessage = `${failing} of ${cards.length} cards could not be purchased.`;
    }
    if (refund.gt(0)) {
      const account = this.#accounts.get(order.accountId)!;
      account.balance = account.balance.plus(refund);
      order.total = order.total.minus(refund);
      this.#record('Refund', order, refund, account);
    }
    this.#sendCallback(order);
  }

  #record(type: SimTransaction['type'], order: SimOrder, amount: Big, account: SimAccount): void {
    this.#transactions.push({
      transactionId: `${this.#nextTransactionId++} `, // Bamboo's sample has a trailing space
      type,
      order,
      amount,
      balanceAfter: account.balance,
      at: this.#clock.now(),
    });
  }

  #sendCallback(order: SimOrder): void {
    const settings = this.#notification.get(order.credential.clientId);
    const url = order.credential.sandbox ? settings?.notificationUrlSandbox || settings?.notificationUrl : settings?.notificationUrl;
    if (!settings || !url) return;
    const status = this.#options.callbackStatusCase === 'pascal' ? order.status : order.status.toLowerCase();
    const body = {
      orderId: order.orderId,
      status,
      totalCards: order.lines.reduce((sum, line) => sum + line.quantity, 0),
      createdOn: bambooTimestamp(order.createdAt),
      completedOn: bambooTimestamp(order.completedAt ?? this.#clock.now()),
      secretKey: settings.secretKey,
      requestId: order.requestId,
    };
    const record: CallbackRecord = { url, body };
    this.callbacks.push(record);
    const send = this.#options.callbackFetch ?? ((callback: Request) => fetch(callback));
    const pending = send(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
      .then((response) => {
        record.status = response.status;
      })
      .catch((error: unknown) => {
        record.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => this.#pendingCallbacks.delete(pending));
    this.#pendingCallbacks.add(pending);
  }

  #getOrder(credential: SimulatorCredential, requestId: string): Response {
    const order = this.#orders.get(`${credential.clientId}:${requestId}`);
    if (!order) return this.#options.orderNotFoundAs404 ? json({ message: 'Not found' }, 404) : reason('OrderNotFound');
    return json({
      orderId: order.orderId,
      requestId: order.requestId,
      items: order.lines.map((line) => ({
        brandCode: null,
        productId: line.product.id,
        productFaceValue: jsonDecimal(line.faceValue),
        quantity: line.quantity,
        pictureUrl: line.brand.logoUrl,
        countryCode: line.brand.countryCode,
        currencyCode: line.brand.currencyCode,
        cards: line.cards.map((card) => ({
          id: card.id,
          serialNumber: card.serialNumber,
          cardCode: card.cardCode,
          pin: card.pin,
          expirationDate: card.expiresAt === null ? null : bambooTimestamp(card.expiresAt),
          status: card.status,
        })),
      })),
      status: order.status,
      createdDate: bambooTimestamp(order.createdAt),
      total: decimalOut(order.total),
      errorMessage: order.errorMessage,
      orderType: order.credential.sandbox ? 'Sandbox' : 'Production',
      currency: order.currency,
    });
  }

  // ---- reports, FX, notification -----------------------------------------------------------------

  #range(query: Map<string, string>): { from: number; to: number } | Response {
    const start = query.get('startdate');
    const end = query.get('enddate');
    if (!start || !end || !DAY_PATTERN.test(start) || !DAY_PATTERN.test(end)) return json({ message: 'startDate and endDate (YYYY-MM-DD) are required.' }, 400);
    return { from: dayStart(start), to: dayStart(end) + 86_400_000 - 1 };
  }

  #ordersReport(credential: SimulatorCredential, query: Map<string, string>): Response {
    const range = this.#range(query);
    if (range instanceof Response) return range;
    const rows = [...this.#orders.values()]
      .filter((order) => order.credential.clientId === credential.clientId && order.createdAt >= range.from && order.createdAt <= range.to)
      .flatMap((order) =>
        order.lines.map((line) => {
          const sold = line.cards.filter((card) => card.status !== 'Failed').length;
          return {
            clientName: credential.clientName,
            orderNumber: orderNumber(order.orderId),
            orderDate: `${new Date(order.createdAt).toISOString().slice(0, 10)}T00:00:00`,
            clientReferenceNumber: order.requestId,
            channel: credential.sandbox ? 'Sandbox' : 'Production',
            productName: line.product.name,
            denomination: `${line.brand.currencyCode} ${line.faceValue}`,
            quantity: line.quantity,
            unitPrice: decimalOut(line.unitCost),
            subTotal: decimalOut(line.unitCost.times(line.quantity), 2),
            total: decimalOut(line.unitCost.times(sold)),
            accountCurrency: order.currency,
            status: order.status,
          };
        }),
      );
    return json(rows);
  }

  #transactionsOf(credential: SimulatorCredential, query: Map<string, string>): Response {
    const range = this.#range(query);
    if (range instanceof Response) return range;
    const amount = (value: Big, currencyCode: string) => ({ value: decimalOut(value), currencyCode });
    const transactions = this.#transactions
      .filter((txn) => txn.order.credential.clientId === credential.clientId && txn.at >= range.from && txn.at <= range.to)
      .map(({ transactionId, type, order, amount: value, balanceAfter, at }) => ({
        orderId: order.orderId,
        requestId: order.requestId,
        productId: order.lines[0]?.product.id ?? null,
        orderNumber: orderNumber(order.orderId),
        orderTotal: amount(order.total, order.currency),
        orderTotalForSelectedProducts: amount(order.total, order.currency),
        currencyCode: null,
        orderDate: bambooTimestamp(order.createdAt),
        transactionId,
        transactionType: type,
        comment: null,
        notes: null,
        availableBalance: amount(balanceAfter, order.currency),
        transactionAmount: amount(value, order.currency),
        transactionDate: bambooTimestamp(at),
        orderItems: order.lines.map((line) => {
          const rate = line.brand.currencyCode === order.currency ? new Big(0) : (crossRate(line.brand.currencyCode, order.currency) ?? new Big(0));
          return {
            createdDate: '0001-01-01T00:00:00',
            productName: line.product.name,
            brandName: line.brand.name,
            brandCurrencyCode: line.brand.currencyCode,
            brandWithDenominationCurrency: `${line.brand.name} ${line.brand.currencyCode} ${line.faceValue}`,
            denomination: amount(new Big(line.faceValue), line.brand.currencyCode),
            clientDiscountType: 'Percentage',
            clientDiscountValue: decimalOut(new Big(line.product.discount).times(100)),
            clientTransactionFeeType: 'Fixed',
            clientTransactionFeeValue: 0,
            clientPrice: amount(line.unitCost, order.currency),
            estimatedPrice: amount(line.unitCost, order.currency),
            quantity: line.quantity,
            clientTotal: decimalOut(line.unitCost.times(line.quantity)),
            clientExchangeRate: { fromCurrency: line.brand.currencyCode, toCurrency: order.currency, exchangeRate: decimalOut(rate, 10) },
          };
        }),
        clientName: null,
        orderType: null,
        xeroCreditNoteNumber: null,
      }));
    const start = new Date(range.from).toISOString().slice(0, 10);
    const end = new Date(range.to).toISOString().slice(0, 10);
    return json({ startDate: `${start}T00:00:00`, endDate: `${end}T23:59:59`, clients: [{ clientName: credential.clientName, transactions }] });
  }

  #exchangeRates(query: Map<string, string>): Response {
    const base = (query.get('basecurrency') || 'USD').toUpperCase();
    const only = query.get('currency')?.toUpperCase();
    if (!USD_RATES[base] || (only && !USD_RATES[only])) return json({ message: 'Currency is not supported.' }, 400);
    const currencies = only ? [only] : Object.keys(USD_RATES).filter((code) => code !== base);
    return json({
      baseCurrencyCode: base,
      rates: currencies.map((code) => ({ currencyCode: code, value: jsonDecimal(crossRate(base, code)!.toFixed(10)) })),
    });
  }

  #getNotification(credential: SimulatorCredential): Response {
    return json(this.#notification.get(credential.clientId) ?? { notificationUrl: null, notificationUrlSandbox: null, secretKey: null });
  }

  async #setNotification(credential: SimulatorCredential, request: Request): Promise<Response> {
    let body: Record<string, unknown> | undefined;
    try {
      body = lowerKeys(parseJsonExact(await request.text()));
    } catch {
      body = undefined;
    }
    if (!body || typeof body.notificationurl !== 'string') return json({ message: 'notificationUrl is required.' }, 400);
    const settings = {
      notificationUrl: body.notificationurl,
      notificationUrlSandbox: typeof body.notificationurlsandbox === 'string' ? body.notificationurlsandbox : '',
      secretKey: typeof body.secretkey === 'string' ? body.secretkey : '',
    };
    this.#notification.set(credential.clientId, settings);
    return json(settings);
  }
}

/** "O-" + the order id zero-padded to 8 digits. */
export const orderNumber = (orderId: number) => `O-${String(orderId).padStart(8, '0')}`;

/** A brand's SKU (v2.1 API): given for the documented test brands, derived for generated ones. */
export function brandSku(brand: SimBrand): string {
  return (brand.sku ?? `${brand.name.replace(/[^A-Za-z0-9]+/g, '').slice(0, 12)}-${brand.countryCode}-${brand.id}`).toUpperCase();
}

/** Request bodies bind case-insensitively (ASP.NET): compare keys in lower case. */
function lowerKeys(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.toLowerCase(), item]));
}

function isDecimal(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value));
}
