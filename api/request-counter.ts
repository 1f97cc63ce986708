// Counts authenticated /v1 requests per account and UTC day in memory and adds them to the
// database every few seconds (one upsert per account and day, not one write per request). A stop
// writes the rest (`close`, after the server stopped); a crash loses at most the last interval's
// counts: usage stats, not money.
import type { AppContext } from '#src/context.ts';
import { addApiRequests } from '#src/domain/usage/usage.ts';

export const REQUEST_COUNT_FLUSH_MS = 10_000;

export interface RequestCounter {
  count(accountId: string, now?: Date): void;
  /** Writes the counts so far (GET /v1/usage calls it so a partner sees its own latest requests). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left (when the process stops, after its server). */
  close(): Promise<void>;
}

export function createRequestCounter(ctx: Pick<AppContext, 'db' | 'logger'>): RequestCounter {
  let pending = new Map<string, { accountId: string; day: string; requests: number }>();
  const counter: RequestCounter = {
    async close() {
      clearInterval(timer);
      await counter.flush();
    },
    count(accountId, now = new Date()) {
      const day = now.toISOString().slice(0, 10);
      const key = `${accountId}:${day}`;
      const entry = pending.get(key);
      if (entry) entry.requests += 1;
      else pending.set(key, { accountId, day, requests: 1 });
    },
    async flush() {
      if (pending.size === 0) return;
      const counts = [...pending.values()];
      pending = new Map();
      try {
        await addApiRequests(ctx.db, counts);
      } catch (error) {
        // Put them back for the next flush.
        for (const count of counts) {
          const key = `${count.accountId}:${count.day}`;
          const entry = pending.get(key);
          if (entry) entry.requests += count.requests;
          else pending.set(key, count);
        }
        throw error;
      }
    },
  };
  const timer = setInterval(() => {
    counter.flush().catch((error: unknown) => ctx.logger.warn({ err: error }, 'request counts not saved yet'));
  }, REQUEST_COUNT_FLUSH_MS);
  timer.unref();
  return counter;
}
