// Readiness: can this process do its work right now? Each dependency is checked with a time bound.
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from './db/database.ts';
import type { SharedState } from './shared-state/index.ts';

export type CheckStatus = 'ok' | 'fail' | 'skipped';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<'database' | 'redis' | 'queue', { status: CheckStatus; error?: string }>;
}

export interface ReadinessDeps {
  db: Database;
  state: SharedState;
  boss: Pick<PgBoss, 'getQueues'>;
}

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<{ status: CheckStatus; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'fail', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(deps: ReadinessDeps, timeoutMs = 2_000): Promise<ReadinessReport> {
  const [database, redis, queue] = await Promise.all([
    timed(() => sql`select 1`.execute(deps.db), timeoutMs),
    deps.state.kind === 'redis' ? timed(() => deps.state.ping(), timeoutMs) : Promise.resolve({ status: 'skipped' as const }),
    timed(() => deps.boss.getQueues(), timeoutMs),
  ]);
  return { ready: [database, redis, queue].every((check) => check.status !== 'fail'), checks: { database, redis, queue } };
}
