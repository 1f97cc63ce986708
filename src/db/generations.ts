// The generations of what read caches hold (migration 2026_12_03_040000): `pricing` changes with
// every change a priced catalog depends on, `api_keys` with every change authentication reads.
// Triggers bump them in the transaction of the change, so a generation read after a commit always
// sees it. A cache entry is used only while its generation is current.
//
// One read answers every caller waiting for it: while a read is running, new callers wait for the
// next one, which starts when it ends. So every caller gets a value read after it asked (never one
// read before a change it could know of had committed), and under load many requests share a
// round trip.
import { sql } from 'kysely';
import { prepared, type Database } from './database.ts';

export interface Generations {
  pricing: string;
  apiKeys: string;
}

export interface GenerationReader {
  /** The generations now: read after this call, shared with the callers waiting at the same time. */
  current(): Promise<Generations>;
}

export function createGenerationReader(db: Database, read: (db: Database) => Promise<Generations> = readGenerations): GenerationReader {
  let running: Promise<Generations> | undefined;
  let next: Promise<Generations> | undefined;

  const start = (): Promise<Generations> => {
    running = read(db).finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    current() {
      if (next) return next;
      if (!running) return start();
      // The running read may have started before this call: wait for the one after it.
      next = running
        .catch(() => undefined)
        .then(() => {
          next = undefined;
          return start();
        });
      return next;
    },
  };
}

export async function readGenerations(db: Database): Promise<Generations> {
  const { rows } = await sql<{ name: string; generation: bigint }>`${prepared} select name, generation from cache_generations`.execute(db);
  const of = (name: string) => String(rows.find((row) => row.name === name)?.generation ?? 0n);
  return { pricing: of('pricing'), apiKeys: of('api_keys') };
}
