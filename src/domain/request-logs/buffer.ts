// Where request logs wait before they reach PostgreSQL. A request only pushes an entry and never
// waits: with Redis the entry goes to a Redis list (any worker drains it), and when Redis is
// absent, down or slow it goes to a bounded in-process array instead; when that array is full the
// entry is dropped and counted (`api_request_logs_dropped_total`). `flush` writes both in batches.
//
// The Redis client here is our own, not the shared-state one: with the offline queue off and a
// command timeout, a push to an unreachable Redis fails at once instead of waiting for reconnects.
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import type { Logger } from '../../logger.ts';
import { insertRequestLogs, type RequestLogEntry } from './request-logs.ts';

/** The Redis list (under the client's key prefix). */
export const REQUEST_LOG_LIST = 'request-logs';
/** Rows per multi-row insert. */
export const REQUEST_LOG_BATCH = 1_000;
/** One flush writes at most this many batches, so a busy buffer cannot keep a flush going forever. */
const MAX_BATCHES_PER_FLUSH = 50;
/** How often the api process writes its in-process buffer. */
export const REQUEST_LOG_FLUSH_MS = 5_000;

export interface RequestLogBuffer {
  readonly kind: 'redis' | 'memory';
  /** Never throws and never waits on I/O. */
  push(entry: RequestLogEntry): void;
  /** Writes what is buffered (in-process first, then the Redis list); returns the rows written. */
  flush(db: Kysely<DB>): Promise<number>;
  /** Entries waiting in this process (not counting the Redis list). */
  readonly pendingInProcess: number;
  close(): Promise<void>;
}

export interface RequestLogBufferOptions {
  redisUrl?: string | undefined;
  keyPrefix: string;
  /** Most entries kept in process. */
  maxInProcess: number;
  registry?: Registry;
  logger: Logger;
}

// What a list item holds; parsed on the way out because another version may have written it.
const StoredEntry = z.object({
  accountId: z.string(),
  keyId: z.string(),
  keyMode: z.enum(['live', 'test']),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  durationMs: z.number().int(),
  requestId: z.string(),
  at: z.coerce.date(),
});

export function createRequestLogBuffer(options: RequestLogBufferOptions): RequestLogBuffer {
  const registers = options.registry ? [options.registry] : [];
  const dropped = new Counter({
    name: 'api_request_logs_dropped_total',
    help: 'Request logs dropped because the in-process buffer was full or an entry was unreadable',
    labelNames: ['reason'],
    registers,
  });
  const fallbacks = new Counter({ name: 'api_request_logs_fallback_total', help: 'Request logs kept in process because Redis did not take them', registers });

  let local: RequestLogEntry[] = [];
  const keepLocally = (entry: RequestLogEntry) => {
    if (local.length >= options.maxInProcess) dropped.inc({ reason: 'buffer_full' });
    else local.push(entry);
  };

  async function flushLocal(db: Kysely<DB>): Promise<number> {
    let written = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_FLUSH && local.length > 0; batch += 1) {
      const entries = local.splice(0, REQUEST_LOG_BATCH);
      try {
        await insertRequestLogs(db, entries);
      } catch (error) {
        // Back to the front for the next flush, within the bound.
        local = [...entries, ...local].slice(0, options.maxInProcess);
        throw error;
      }
      written += entries.length;
    }
    return written;
  }

  const redisUrl = options.redisUrl;
  if (!redisUrl) {
    return {
      kind: 'memory',
      push: keepLocally,
      flush: flushLocal,
      get pendingInProcess() {
        return local.length;
      },
      async close() {},
    };
  }

  const redis = new Redis(redisUrl, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
  });
  redis.on('error', () => undefined);

  async function drainRedis(db: Kysely<DB>): Promise<number> {
    let written = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_FLUSH; batch += 1) {
      const items = await redis.lpop(REQUEST_LOG_LIST, REQUEST_LOG_BATCH);
      if (!items || items.length === 0) break;
      const entries: RequestLogEntry[] = [];
      for (const item of items) {
        const parsed = StoredEntry.safeParse(safeJson(item));
        if (parsed.success) entries.push(parsed.data);
        else dropped.inc({ reason: 'unreadable' });
      }
      try {
        await insertRequestLogs(db, entries);
      } catch (error) {
        // Not written: back to the list (or, if Redis went away meanwhile, into this process).
        await redis.rpush(REQUEST_LOG_LIST, ...items).catch(() => entries.forEach(keepLocally));
        throw error;
      }
      written += entries.length;
      if (items.length < REQUEST_LOG_BATCH) break;
    }
    return written;
  }

  return {
    kind: 'redis',
    push(entry) {
      if (redis.status !== 'ready') {
        fallbacks.inc();
        keepLocally(entry);
        return;
      }
      redis.rpush(REQUEST_LOG_LIST, JSON.stringify(entry)).catch(() => {
        fallbacks.inc();
        keepLocally(entry);
      });
    },
    async flush(db) {
      const written = await flushLocal(db);
      if (redis.status !== 'ready') return written;
      return written + (await drainRedis(db));
    },
    get pendingInProcess() {
      return local.length;
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The api process writes its in-process buffer every few seconds; `stop` writes it once more. */
export function startRequestLogFlusher(buffer: RequestLogBuffer, db: Kysely<DB>, logger: Logger, intervalMs = REQUEST_LOG_FLUSH_MS): () => Promise<void> {
  const flush = () => buffer.flush(db).catch((error: unknown) => logger.warn({ err: error }, 'request logs not written yet'));
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await flush();
  };
}
