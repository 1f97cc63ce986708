export { BambooSimulator, LIVE_CREDENTIAL, SANDBOX_CREDENTIAL, SIMULATOR_HOSTS, bambooTimestamp, orderNumber } from './simulator.ts';
export type { CallbackRecord, ProductFault, RequestFault, SimulatorCredential, SimulatorOptions } from './simulator.ts';
export { CATEGORIES, SIM_PRODUCTS, USD_RATES, generateCatalog } from './catalog.ts';
export type { SimBrand, SimProduct } from './catalog.ts';
export { ManualClock, systemClock, type SimulatorClock } from './clock.ts';
