// The Bamboo integration's public face, and the vendor the app context carries: the real Bamboo
// with VENDOR=bamboo, or the in-process simulator (sandbox credentials, no network) by default.
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { SharedState } from '../../shared-state/types.ts';
import { BambooClient, type BambooClientOptions } from './client.ts';
import { BambooRateLimiter } from './rate-limits.ts';
import { BambooSimulator, SANDBOX_CREDENTIAL } from './simulator/index.ts';

export { BambooClient, type BambooClientOptions, type CatalogQuery, type FetchFunction } from './client.ts';
export { BambooError, BambooRateLimitError } from './errors.ts';
export * from './model.ts';
export { BAMBOO_LIMITS, BambooRateLimiter, parseRetryAfterMs, type EndpointClass } from './rate-limits.ts';
export { wireOrderCallback } from './wire.ts';

/** The simulator's sandbox account: what VENDOR=simulator orders are paid from. */
export const SIMULATOR_ACCOUNT_ID = 555;

export function createVendor(config: Config, state: SharedState, logger: Logger, options: Pick<BambooClientOptions, 'onCall'> = {}): BambooClient {
  const simulated = config.VENDOR === 'simulator';
  const clientId = simulated ? SANDBOX_CREDENTIAL.clientId : config.BAMBOO_CLIENT_ID;
  const clientSecret = simulated ? SANDBOX_CREDENTIAL.clientSecret : config.BAMBOO_CLIENT_SECRET;
  const accountId = simulated ? SIMULATOR_ACCOUNT_ID : config.BAMBOO_ACCOUNT_ID;
  if (!clientId || !clientSecret || accountId === undefined)
    throw new Error('VENDOR=bamboo needs BAMBOO_CLIENT_ID, BAMBOO_CLIENT_SECRET and BAMBOO_ACCOUNT_ID');
  // The simulator lives in this process (its orders and balance too); it is built on first use
  // because generating its catalog takes a moment.
  let simulator: BambooSimulator | undefined;
  return new BambooClient({
    baseUrl: simulated ? 'https://api.bamboocardportal.com' : config.BAMBOO_BASE_URL,
    clientId,
    clientSecret,
    accountId,
    limiter: new BambooRateLimiter(state, { key: clientId, maxWaitMs: config.BAMBOO_MAX_WAIT_MS }),
    logger: logger.child({ component: 'bamboo' }),
    ...options,
    ...(simulated ? { fetch: (request: Request) => (simulator ??= new BambooSimulator()).handle(request) } : {}),
  });
}

/**
 * `{ sandboxVendor }` for a process buying from the real Bamboo: an in-process simulator for sandbox
 * orders, so test money never reaches the vendor. Nothing with VENDOR=simulator (its vendor is one).
 */
export function sandboxVendorOf(config: Config, state: SharedState, logger: Logger): { sandboxVendor?: BambooClient } {
  if (config.VENDOR === 'simulator') return {};
  return { sandboxVendor: createVendor({ ...config, VENDOR: 'simulator' }, state, logger) };
}
export { verifyOrderCallback, type CallbackCheck, type OrderCallback } from './callback.ts';
