// The simulator's HTTP surface in Bamboo's wire format: which endpoint a request names (both path
// casings, v1 = v1.0), Basic auth, JSON answers with Bamboo's headers and timestamps, the 429 text,
// and reading request bodies the way ASP.NET binds them. No state lives here.
import Big from 'big.js';
import { jsonDecimal } from '../json.ts';
import type { EndpointClass } from '../rate-limits.ts';
import type { SimulatorCredential } from './state.ts';

/** The endpoints our client uses, plus the ones it does not (v1 catalog, brands, stock, countries, v2 checkout). */
export type SimEndpoint = EndpointClass | 'catalogV1' | 'brands' | 'stock' | 'countries' | 'checkoutV2' | 'unknown';

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'api-supported-versions': '1.0, 2.0', ...headers },
  });

/** A 400 with one of Bamboo's reason codes. */
export const reason = (code: string) => json({ message: code }, 400);

export const serverError = (status: number) => json({ message: 'An error has occurred.' }, status);

/** Bamboo's timestamp: no zone, 7 fractional digits. */
export function bambooTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const decimalOut = (value: Big, places = 4) => jsonDecimal(value.round(places, Big.roundHalfUp).toFixed());

/** "O-" + the order id zero-padded to 8 digits. */
export const orderNumber = (orderId: number) => `O-${String(orderId).padStart(8, '0')}`;

/** The API version and the path after `/api/integration/vN/` (empty when the path is not the API's). */
export function apiRoute(url: URL): { version: string | undefined; rest: string } {
  const route = /^\/api\/integration\/v([12])(?:\.0)?\/(.+?)\/?$/i.exec(url.pathname);
  return { version: route?.[1], rest: route?.[2] ?? '' };
}

export function endpointOf(method: string, version: string | undefined, rest: string): SimEndpoint {
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

/** The RequestId in a Get Order path (`orders/{requestId}`). */
export const getOrderRequestId = (rest: string) => decodeURIComponent(rest.slice('orders/'.length));

/** The credential a Basic authorization header names, when its secret matches. */
export function authenticate(credentials: SimulatorCredential[], header: string | null): SimulatorCredential | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  const [clientId, clientSecret] = [decoded.slice(0, separator), decoded.slice(separator + 1)];
  return credentials.find((credential) => credential.clientId === clientId && credential.clientSecret === clientSecret);
}

/** Answers only once the caller gives up (its abort); what it answers then is never read. */
export function hang(request: Request): Promise<Response> {
  return new Promise((resolve) => {
    const giveUp = () => resolve(new Response(null, { status: 499 }));
    if (request.signal.aborted) giveUp();
    else request.signal.addEventListener('abort', giveUp, { once: true });
  });
}

const TOO_MANY_TEXT = 'Too many requests. Please wait for N seconds for the next request';

export interface TooManyOptions {
  /** Also send `Retry-After: N` with a 429 (Bamboo has not been seen to). */
  retryAfterHeader?: boolean;
  /** Send the 429 text as text/plain instead of `{"message": …}`. */
  plainText429?: boolean;
}

/** Bamboo's 429 with the observed text. */
export function tooManyRequests(seconds: number, options: TooManyOptions): Response {
  const text = TOO_MANY_TEXT.replace('N', String(seconds));
  const headers: Record<string, string> = options.retryAfterHeader ? { 'retry-after': String(seconds) } : {};
  if (options.plainText429) return new Response(text, { status: 429, headers: { 'content-type': 'text/plain', ...headers } });
  return json({ message: text }, 429, headers);
}

/** Query parameters bind case-insensitively: names in lower case. */
export const lowerQuery = (url: URL) => new Map([...url.searchParams].map(([name, value]) => [name.toLowerCase(), value]));

/** Request bodies bind case-insensitively (ASP.NET): compare keys in lower case. */
export function lowerKeys(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.toLowerCase(), item]));
}

export function isDecimal(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value));
}
