// Recent API key lookups, so a request authenticates without reading its key from the database
// (docs/api.md, Caching). A cached row is used only while the `api_keys` generation is the one it
// was read under: revoking, rotating or re-scoping a key, pausing an account or changing a sandbox
// link bumps it in the same transaction (src/db/generations.ts), so the next request after such a
// commit, in any process, reads the key afresh. The caller reads the generations once for its
// request (shared with the requests waiting at the same moment) and passes them in. Expiry, the IP allowlist and paused accounts are still checked per
// request from the row (`authenticateApiKey`). Unknown keys are never cached.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Generations } from '../../db/generations.ts';
import { RecentlyUsed } from '../../shared/recently-used.ts';
import { findKeyForAuth, type KeyForAuth, type KeyLookup } from './api-keys.ts';

/** How long a row is kept even if nothing changes: a bound on anything the generation would miss. */
const MAX_AGE_MS = 60_000;

export interface ApiKeyCache {
  /** Lookups checked against `generations`, read for this request after it arrived. */
  at(generations: Generations): KeyLookup;
}

export function createApiKeyCache(deps: { db: Kysely<DB>; now?: () => number }): ApiKeyCache {
  const now = deps.now ?? Date.now;
  const rows = new RecentlyUsed<{ row: KeyForAuth; generation: string; readAt: number }>(10_000);
  return {
    at: ({ apiKeys: generation }) => ({
      async find(keyHash) {
        const entry = rows.get(keyHash);
        if (entry && entry.generation === generation && now() - entry.readAt < MAX_AGE_MS) return entry.row;
        const row = await findKeyForAuth(deps.db, keyHash);
        if (row) rows.set(keyHash, { row, generation, readAt: now() });
        return row;
      },
      used(keyHash, at) {
        const entry = rows.get(keyHash);
        if (entry) entry.row = { ...entry.row, last_used_at: at };
      },
    }),
  };
}
