export { BambooSimulator, SIMULATOR_HOSTS, type SimulatorOptions } from './simulator.ts';
export { LIVE_CREDENTIAL, SANDBOX_CREDENTIAL, type ProductFault, type SimulatorCredential } from './state.ts';
export type { RequestFault } from './faults.ts';
export type { CallbackRecord } from './callbacks.ts';
export { bambooTimestamp, orderNumber } from './http.ts';
export { brandSku } from './catalog-endpoints.ts';
export { CATEGORIES, SIM_PRODUCTS, USD_RATES, generateCatalog } from './catalog.ts';
export type { SimBrand, SimProduct } from './catalog.ts';
export { ManualClock, systemClock, type SimulatorClock } from './clock.ts';
