// A stateful fake of Bamboo's Client Integration API as a web-standard handler:
// `(Request) => Promise<Response>`. Tests mount it through msw; `VENDOR=simulator` passes
// `simulator.fetch` to the client; `server.ts` serves it over HTTP (`steller simulator`). It follows Bamboo's documented API (docs/bamboo.md): both hosts,
// any path casing with v1 = v1.0, Basic auth (401/403), every 400 reason code in the documented
// validation order (§9.4), the bare-JSON-string checkout answer, asynchronous fulfilment with
// callbacks, balances with FX, a transactions ledger, the orders report and the published rate
// limits with the observed 429 text. Faults are injected per product or per request.
//
// Its state lives in a store (`store.ts`): in memory by default, or in PostgreSQL (`pg-store.ts`)
// so that every process on one database sees one vendor and restarts lose nothing. Orders move on
// with time (`lifecycle.ts`), applied when read and by sweeps, never by a timer that dies with the
// process. The catalog is generated from a seed and stays in memory, as do the faults tests inject
// and the rate-limit windows (per instance).
//
// This file routes a request and runs checkout; the rooms it uses: `state.ts` (what is remembered),
// `store.ts` / `pg-store.ts` (where), `http.ts` (wire format, routing, auth), `faults.ts`,
// `limits.ts` (rate limits), `orders.ts` and `lifecycle.ts` (order lifecycle), `callbacks.ts`,
// `catalog-endpoints.ts` and `account-endpoints.ts`.
import Big from 'big.js';
import { parseJsonExact } from '../json.ts';
import { accountsOf, exchangeRates, getNotification, ordersReport, setNotification, transactionsOf } from './account-endpoints.ts';
import { CallbackSender, type CallbackOptions, type CallbackRecord } from './callbacks.ts';
import { brandList, catalogPage, catalogV1, categories, countries, productBySku, stock } from './catalog-endpoints.ts';
import { generateCatalog, type SimBrand, type SimProduct } from './catalog.ts';
import { systemClock, type SimulatorClock } from './clock.ts';
import { parseFaultTrigger, SimulatorFaults, type RequestFault } from './faults.ts';
import {
  apiRoute,
  authenticate,
  endpointOf,
  getOrderRequestId,
  hang,
  isDecimal,
  json,
  lowerKeys,
  lowerQuery,
  orderNumber,
  reason,
  serverError,
  tooManyRequests,
  type TooManyOptions,
} from './http.ts';
import { SimulatorRateLimits } from './limits.ts';
import { SimulatorOrders, type FulfilmentTiming } from './orders.ts';
import { LIVE_CREDENTIAL, SANDBOX_CREDENTIAL, type ProductFault, type SimulatorCredential } from './state.ts';
import { MemorySimulatorStore, type SimulatorStore } from './store.ts';

export const SIMULATOR_HOSTS = ['api.bamboocardportal.com', 'api-stage.bamboocardportal.com'];

export interface SimulatorOptions extends TooManyOptions, FulfilmentTiming, CallbackOptions {
  /** Where orders, accounts and settings are kept (default: in memory, this instance only). */
  store?: SimulatorStore;
  /** Host names answered; `'any'` for a server reached under its own address. */
  hosts?: string[] | 'any';
  /** Applies due order steps (and sends callbacks) this often, for orders nobody reads (default: never). */
  sweepEveryMs?: number;
  /**
   * The reference a sandbox checkout's RequestId belongs to, for its fault trigger (`sim:fail`, …;
   * `parseFaultTrigger`). Our orders keep it; the wire protocol has no field for it.
   */
  faultTrigger?: (requestId: string) => Promise<string | undefined>;
  credentials?: SimulatorCredential[];
  clock?: SimulatorClock;
  /** Sleep for injected delays; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  catalog?: SimBrand[];
  catalogSeed?: number;
  /** false disables the published limits (fast unit tests). */
  rateLimits?: boolean;
  /** Answer Get Order for an unknown id with 404 instead of 400 OrderNotFound. */
  orderNotFoundAs404?: boolean;
  /** Largest PageSize honoured (default: no cap). */
  maxPageSize?: number;
}

/** How often an instance reads the outage switch from its store. */
const OUTAGE_READ_MS = 1_000;

export class BambooSimulator {
  readonly brands: SimBrand[];
  readonly callbacks: CallbackRecord[];
  readonly #options: SimulatorOptions;
  readonly #clock: SimulatorClock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #hosts: Set<string> | 'any';
  readonly #credentials: SimulatorCredential[];
  readonly #products = new Map<number, { brand: SimBrand; product: SimProduct }>();
  readonly #store: SimulatorStore;
  /** The credentials' accounts exist in the store (created once, on first use). */
  #ready: Promise<void> | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  readonly #faults = new SimulatorFaults();
  readonly #limits: SimulatorRateLimits;
  readonly #callbacks: CallbackSender;
  readonly #orders: SimulatorOrders;
  #requestCount = 0;

  constructor(options: SimulatorOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock();
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#hosts = options.hosts === 'any' ? 'any' : new Set((options.hosts ?? SIMULATOR_HOSTS).map((host) => host.toLowerCase()));
    this.#credentials = (options.credentials ?? [SANDBOX_CREDENTIAL, LIVE_CREDENTIAL]).map((credential) => ({ ...credential }));
    this.brands = options.catalog ?? generateCatalog({ seed: options.catalogSeed ?? 42 });
    for (const brand of this.brands) for (const product of brand.products) this.#products.set(product.id, { brand, product });
    this.#store = options.store ?? new MemorySimulatorStore();
    this.#limits = new SimulatorRateLimits(this.#clock, options.rateLimits !== false);
    this.#callbacks = new CallbackSender(this.#clock, options);
    this.callbacks = this.#callbacks.records;
    this.#orders = new SimulatorOrders({
      store: this.#store,
      products: this.#products,
      clock: this.#clock,
      faults: this.#faults,
      callbacks: this.#callbacks,
      timing: options,
    });
  }

  /** The outage's end as last read from the store, and when it was read (read at most once a second). */
  #outage: { until: number | undefined; readAt: number } | undefined;

  async #inOutage(): Promise<boolean> {
    const now = this.#clock.now();
    if (this.#outage === undefined || now - this.#outage.readAt >= OUTAGE_READ_MS) this.#outage = { until: await this.#store.outageUntil(), readAt: now };
    return this.#outage.until !== undefined && now < this.#outage.until;
  }

  /** Every request answers 503 for `ms` from now (every instance on the same store, within a second). */
  async setOutage(ms: number): Promise<void> {
    await this.#store.setOutageUntil(this.#clock.now() + ms);
    this.#outage = undefined;
  }

  /** Sets an account's balance (a decimal such as `30.00`): the float running out, or topped up. */
  async setBalance(accountId: number, balance: string): Promise<void> {
    await this.#ensureReady();
    await this.#store.setBalance(accountId, balance);
  }

  /** The handler: give it any request to a Bamboo host. */
  readonly fetch = (request: Request): Promise<Response> => this.handle(request);

  /** Where orders, accounts and settings are kept. */
  get store(): SimulatorStore {
    return this.#store;
  }

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
    this.#faults.setProductFault(productId, fault);
  }

  /** Queues a fault for the next matching request(s). */
  injectFault(fault: RequestFault): void {
    this.#faults.inject(fault);
  }

  /** Lets an order held with `holdPendingMs: 'until-released'` finish. */
  async release(requestId: string): Promise<void> {
    await this.#ensureReady();
    await this.#orders.release(requestId);
  }

  /** An account's balance as of now (due refunds applied), 4 decimals. */
  async balance(accountId: number): Promise<string | undefined> {
    await this.#ensureReady();
    await this.#orders.sweep();
    const owner = this.#credentials.find((credential) => credential.accounts.some((account) => account.id === accountId));
    const accounts = owner ? await this.#store.accounts(owner.clientId) : [];
    return accounts.find((account) => account.id === accountId)?.balance.toFixed(4);
  }

  /** Applies every order step due by now (sending callbacks); the periodic sweep runs this. */
  async sweep(): Promise<void> {
    await this.#ensureReady();
    await this.#orders.sweep();
  }

  /** Waits for sweeps and callbacks in flight (tests). */
  async idle(): Promise<void> {
    await this.#orders.idle();
  }

  /** Stops the periodic sweep. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Answers a request; `pathPrefix`: the path the simulator is mounted under (stripped before routing). */
  async handle(request: Request, { pathPrefix: prefix }: { pathPrefix?: string } = {}): Promise<Response> {
    this.#requestCount += 1;
    await this.#ensureReady();
    const url = new URL(request.url);
    if (this.#hosts !== 'any' && !this.#hosts.has(url.hostname.toLowerCase())) return json({ message: 'Unknown host' }, 404);
    if (prefix) {
      if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return json({ message: 'Not found' }, 404);
      url.pathname = url.pathname.slice(prefix.length) || '/';
    }
    const { version, rest } = apiRoute(url);
    const endpoint = endpointOf(request.method, version, rest);

    const credential = authenticate(this.#credentials, request.headers.get('authorization'));
    if (!credential) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic' } });
    if (credential.ipAllowed === false) return json({ error: 'Access denied: IP address is not whitelisted' }, 403);
    if (endpoint === 'unknown') return json({ message: 'Not found' }, 404);
    // A vendor outage (setOutage): every endpoint answers 503 until it ends.
    if (await this.#inOutage())
      return new Response('<html><body><h1>503 Service Unavailable</h1></body></html>', { status: 503, headers: { 'content-type': 'text/html' } });

    // Checkout faults naming a RequestId wait for the body.
    const fault = this.#faults.takeForRequest(endpoint, endpoint === 'getOrder' ? getOrderRequestId(rest) : undefined);
    const early = await this.#applyFault(request, fault);
    if (early) return early;

    // Checkout counts its own windows once it knows the products (6 per product a minute).
    if (endpoint !== 'checkout' && endpoint !== 'checkoutV2') {
      const wait = this.#limits.takeEndpoint(credential.clientId, endpoint);
      if (wait !== undefined) return tooManyRequests(wait, this.#options);
    }
    const query = lowerQuery(url);
    const brands = this.brands;

    switch (endpoint) {
      case 'catalog':
        return catalogPage(brands, query, this.#options.maxPageSize);
      case 'categories':
        return categories();
      case 'accounts':
        await this.#orders.sweep(); // balances include the refunds due by now
        return accountsOf(this.#store, credential);
      case 'checkout':
      case 'checkoutV2': {
        const response = await this.#checkout(credential, request, fault?.order, endpoint === 'checkoutV2' ? 2 : 1);
        if (response.status !== 200) return response;
        return fault?.hang ? hang(request) : fault?.status ? serverError(fault.status) : response;
      }
      case 'catalogV1':
        return catalogV1(brands);
      case 'brands':
        return brandList(brands, query);
      case 'stock':
        return stock(brands, rest);
      case 'countries':
        return countries(brands);
      case 'getOrder':
        return this.#orders.getOrder(credential, getOrderRequestId(rest), this.#options.orderNotFoundAs404 === true);
      case 'ordersReport':
        await this.#orders.sweep();
        return ordersReport(this.#store, credential, query);
      case 'exchangeRates':
        return exchangeRates(query);
      case 'transactions':
        await this.#orders.sweep();
        return transactionsOf(this.#store, credential, query);
      case 'notification':
        return request.method === 'POST' ? setNotification(this.#store, credential, request) : getNotification(this.#store, credential);
    }
  }

  /** The answer a fault gives before the request is served (a 5xx `afterCommit` waits for the order). */
  async #applyFault(request: Request, fault: RequestFault | undefined): Promise<Response | undefined> {
    if (fault?.delayMs) await this.#sleep(fault.delayMs);
    if (fault?.hang && !fault.afterCommit) return hang(request);
    if (fault?.rateLimitSeconds !== undefined) return tooManyRequests(fault.rateLimitSeconds, this.#options);
    if (fault?.status && !fault.afterCommit) return serverError(fault.status);
    return undefined;
  }

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
        const match = isDecimal(line?.value) ? productBySku(this.brands, sku, new Big(String(line!.value))) : undefined;
        if (!match) return json({ message: `Product with sku ${sku} not found` }, 400);
        line!.productid = match.product.id;
      }
    }
    if (lines.some((line) => typeof line?.productid !== 'number' || typeof line.quantity !== 'number' || line.quantity < 1 || !isDecimal(line.value))) {
      return json({ message: 'Each product needs ProductId, Quantity >= 1 and Value.' }, 400);
    }

    const fault = this.#faults.takeForCheckout(requestId) ?? (await this.#triggeredFault(credential, requestId));
    const early = await this.#applyFault(request, fault);
    if (early) return early;

    const wait = this.#limits.takeCheckout(
      credential.clientId,
      lines.map((line) => line!.productid as number),
    );
    if (wait !== undefined) return tooManyRequests(wait, this.#options);

    const outcome = await this.#orders.place(credential, requestId, accountId, lines as Record<string, unknown>[], fault?.order ?? requestFault);
    if (typeof outcome === 'string') return reason(outcome);
    this.#limits.countOrder(
      credential.clientId,
      outcome.lines.map((orderLine) => orderLine.productId),
    );
    if (fault?.hang) return hang(request);
    if (fault?.status) return serverError(fault.status);
    if (version === 2) {
      const totalCards = outcome.lines.reduce((sum, orderLine) => sum + orderLine.quantity, 0);
      return json({ requestId, orderNumber: orderNumber(outcome.orderId), status: outcome.status, currencyCode: outcome.currency, totalCards });
    }
    // The documented v1 answer: the RequestId as a bare JSON string.
    return json(requestId);
  }

  /** The fault a sandbox order's trigger asks for (`faultTrigger`); its first answer once per RequestId, whichever instance gets it. */
  async #triggeredFault(credential: SimulatorCredential, requestId: string): Promise<RequestFault | undefined> {
    if (!credential.sandbox || !this.#options.faultTrigger) return undefined;
    const trigger = parseFaultTrigger(await this.#options.faultTrigger(requestId));
    if (!trigger) return undefined;
    const first = trigger.firstAnswer !== undefined && (await this.#store.takeFirstTriggerAnswer(requestId));
    return { ...(first ? trigger.firstAnswer : {}), ...(trigger.order ? { order: trigger.order } : {}) };
  }

  /** Creates the credentials' accounts in the store once, and starts the periodic sweep. */
  #ensureReady(): Promise<void> {
    this.#ready ??= this.#store.ensureAccounts(this.#credentials).then(
      () => {
        const every = this.#options.sweepEveryMs;
        if (every) {
          // Never keeps the process alive; a failed run is retried by the next.
          this.#sweeper = setInterval(() => void this.#orders.sweep().catch(() => undefined), every);
          this.#sweeper.unref();
        }
      },
      (error: unknown) => {
        this.#ready = undefined; // the database was away: the next request tries again
        throw error;
      },
    );
    return this.#ready;
  }
}
