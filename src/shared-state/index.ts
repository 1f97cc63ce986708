import type { Config } from '../config.ts';
import { createMemoryState } from './memory.ts';
import { createPostgresKeyValueStore, sweepExpiredEntries } from './postgres.ts';
import { createRedisState } from './redis.ts';
import type { SharedState } from './types.ts';

export * from './types.ts';
export { createMemoryState, createPostgresKeyValueStore, createRedisState, sweepExpiredEntries };

export function createSharedState(config: Pick<Config, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>): SharedState {
  return config.REDIS_URL ? createRedisState(config.REDIS_URL, config.REDIS_KEY_PREFIX) : createMemoryState();
}
