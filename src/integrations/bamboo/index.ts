// The Bamboo integration's public face, and the vendor the app context carries: the real Bamboo
// with VENDOR=bamboo (or anything speaking its protocol at BAMBOO_BASE_URL, such as `steller
// simulator`), or the simulator (sandbox credentials) by default.
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { isUuid } from '../../shared/ids.ts';
import type { SharedState } from '../../shared-state/types.ts';
import { BambooClient, type BambooClientOptions } from './client.ts';
import { BambooRateLimiter } from './rate-limits.ts';
import { BambooSimulator, PostgresSimulatorStore, SANDBOX_CREDENTIAL } from './simulator/index.ts';

export { BambooClient, type BambooClientOptions, type CatalogQuery, type FetchFunction } from './client.ts';
export { BambooError, BambooRateLimitError } from './errors.ts';
export * from './model.ts';
export { BAMBOO_LIMITS, BambooRateLimiter, CHECKOUT_PACE_MS, parseRetryAfterMs, type CheckoutTurn, type EndpointClass } from './rate-limits.ts';
export { wireOrderCallback } from './wire.ts';

/** The simulator's sandbox account: what VENDOR=simulator orders are paid from. */
export const SIMULATOR_ACCOUNT_ID = 555;

/** Where `npm start` serves the simulator beside the api (same port): `<api url>/bamboo-simulator/api/integration/…`. */
export const SIMULATOR_PATH_PREFIX = '/bamboo-simulator';

/** How often a process's simulator moves on orders nobody reads (their callbacks go out then). */
const SIMULATOR_SWEEP_MS = 2_000;

// One simulator per database in a process: the vendor, the sandbox vendor and the api's mount share
// it (one catalog generated, one set of rate-limit windows), and its state is the database's.
const simulators = new WeakMap<object, BambooSimulator>();

/**
 * The simulator over this database's `bamboo_sim` schema: every process on the database sees the
 * same orders and balances, and they survive restarts. Without a database (unit tests), one in
 * memory for this vendor alone.
 */
export function simulatorOf(db: Kysely<any> | undefined): BambooSimulator {
  if (!db) return new BambooSimulator();
  let simulator = simulators.get(db);
  if (!simulator) {
    simulator = new BambooSimulator({
      store: new PostgresSimulatorStore(db),
      hosts: 'any',
      sweepEveryMs: SIMULATOR_SWEEP_MS,
      // A sandbox order's referenceId may name a fault trigger (docs/api.md, Sandbox).
      faultTrigger: (requestId) => sandboxReferenceOf(db, requestId),
    });
    simulators.set(db, simulator);
  }
  return simulator;
}

/** The partner's reference of our sandbox order with this vendor RequestId. */
async function sandboxReferenceOf(db: Kysely<any>, requestId: string): Promise<string | undefined> {
  if (!isUuid(requestId)) return undefined;
  const { rows } = await sql<{ client_reference: string }>`
    select client_reference from orders where vendor_request_id = ${requestId}::uuid and sandbox`.execute(db);
  return rows[0]?.client_reference;
}

/** `fetch` with the database's simulator answering under `SIMULATOR_PATH_PREFIX` (what `npm start` serves). */
export function withSimulatorMount(db: Kysely<any>, fetch: (request: Request) => Response | Promise<Response>) {
  return underSimulatorPath(fetch, () => simulatorOf(db));
}

/** `fetch`, except that paths under `SIMULATOR_PATH_PREFIX` go to the simulator (made on first use). */
export function underSimulatorPath(fetch: (request: Request) => Response | Promise<Response>, simulator: () => BambooSimulator) {
  return (request: Request): Response | Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname !== SIMULATOR_PATH_PREFIX && !pathname.startsWith(`${SIMULATOR_PATH_PREFIX}/`)) return fetch(request);
    return simulator().handle(request, { pathPrefix: SIMULATOR_PATH_PREFIX });
  };
}

export interface VendorOptions extends Pick<BambooClientOptions, 'onCall'> {
  /** The app's database: with VENDOR=simulator, the shared persistent simulator lives there. */
  db?: Kysely<any>;
}

export function createVendor(config: Config, state: SharedState, logger: Logger, options: VendorOptions = {}): BambooClient {
  const { db, ...clientOptions } = options;
  const simulated = config.VENDOR === 'simulator';
  const clientId = simulated ? SANDBOX_CREDENTIAL.clientId : config.BAMBOO_CLIENT_ID;
  const clientSecret = simulated ? SANDBOX_CREDENTIAL.clientSecret : config.BAMBOO_CLIENT_SECRET;
  const accountId = simulated ? SIMULATOR_ACCOUNT_ID : config.BAMBOO_ACCOUNT_ID;
  if (!clientId || !clientSecret || accountId === undefined)
    throw new Error('VENDOR=bamboo needs BAMBOO_CLIENT_ID, BAMBOO_CLIENT_SECRET and BAMBOO_ACCOUNT_ID');
  // The simulator is reached in-process (no network); it is built on first use because generating
  // its catalog takes a moment.
  let simulator: BambooSimulator | undefined;
  return new BambooClient({
    baseUrl: simulated ? 'https://api.bamboocardportal.com' : config.BAMBOO_BASE_URL,
    clientId,
    clientSecret,
    accountId,
    limiter: new BambooRateLimiter(state, { key: clientId, maxWaitMs: config.BAMBOO_MAX_WAIT_MS }),
    logger: logger.child({ component: 'bamboo' }),
    ...clientOptions,
    ...(simulated ? { fetch: (request: Request) => (simulator ??= simulatorOf(db)).handle(request) } : {}),
  });
}

/**
 * `{ sandboxVendor }` for a process buying from the real Bamboo: the database's simulator for
 * sandbox orders, so test money never reaches the vendor. Nothing with VENDOR=simulator (its vendor
 * is one).
 */
export function sandboxVendorOf(config: Config, state: SharedState, logger: Logger, options: VendorOptions = {}): { sandboxVendor?: BambooClient } {
  if (config.VENDOR === 'simulator') return {};
  return { sandboxVendor: createVendor({ ...config, VENDOR: 'simulator' }, state, logger, options) };
}
export { verifyOrderCallback, type CallbackCheck, type OrderCallback } from './callback.ts';
