// Bot state lives where it survives a restart: Redis when configured, PostgreSQL otherwise.
// Each kind of state has its own key prefix (sessions and conversations must never share keys).
import type { VersionedStateStorage } from '@grammyjs/conversations';
import type { AppContext } from '#src/context.ts';
import { createPostgresKeyValueStore, type KeyValueStore } from '#src/shared-state/index.ts';

/** Conversations idle for longer than this are forgotten. */
const CONVERSATION_TTL_MS = 7 * 24 * 3600 * 1000;

export function createBotStore(app: AppContext): KeyValueStore {
  return app.state.kind === 'redis' ? app.state.kv : createPostgresKeyValueStore(app.db);
}

/** Adapter for @grammyjs/conversations: versioned state as JSON under `bot:convo:<chat id>:<user id>`. */
export function conversationAdapter<S>(store: KeyValueStore): VersionedStateStorage<string, S> {
  return {
    async read(key) {
      const value = await store.get(key);
      return value === undefined ? undefined : JSON.parse(value);
    },
    async write(key, state) {
      await store.set(key, JSON.stringify(state), CONVERSATION_TTL_MS);
    },
    async delete(key) {
      await store.delete(key);
    },
  };
}
