// The ledger drift alert as an in-process event: the consistency check publishes, and whoever
// must react (the bot telling admins, metrics) subscribes at start-up. No subscriber: just the log.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Logger } from '../../logger.ts';
import { accountsInvolved, checkLedgerConsistency, type ConsistencyReport } from './consistency.ts';

export type LedgerDriftListener = (report: ConsistencyReport) => void | Promise<void>;

const listeners = new Set<LedgerDriftListener>();

/** Subscribes to drift alerts; returns the unsubscribe function. */
export function onLedgerDrift(listener: LedgerDriftListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Logs the drift with the accounts involved and tells every subscriber (one failing listener does not stop the others). */
export async function raiseLedgerDrift(report: ConsistencyReport, logger: Logger): Promise<void> {
  logger.error(
    { accountIds: accountsInvolved(report), drifts: report.drifts },
    `ledger drift: ${report.drifts.length} invariant violation(s)`,
  );
  for (const listener of [...listeners]) {
    try {
      await listener(report);
    } catch (error) {
      logger.error({ err: error }, 'ledger drift listener failed');
    }
  }
}

/** Checks the ledger and raises the alert on drift: what the hourly job and `steller ledger check` run. */
export async function runConsistencyCheck(db: Kysely<DB>, logger: Logger): Promise<ConsistencyReport> {
  const report = await checkLedgerConsistency(db);
  if (report.ok) logger.info({ transfers: report.transfers, wallets: report.wallets }, 'ledger consistent');
  else await raiseLedgerDrift(report, logger);
  return report;
}
