// The ledger drift alert: the consistency check publishes a `ledger.drift` event (ctx.events), and
// whoever must react (the admins in Telegram) is subscribed by the root. Logged either way.
import type { AppContext } from '../../context.ts';
import { accountsInvolved, checkLedgerConsistency, type ConsistencyReport } from './consistency.ts';

type DriftContext = Pick<AppContext, 'logger' | 'events'>;

/** Logs the drift with the accounts involved and publishes it. */
export async function raiseLedgerDrift(ctx: DriftContext, report: ConsistencyReport): Promise<void> {
  ctx.logger.error({ accountIds: accountsInvolved(report), drifts: report.drifts }, `ledger drift: ${report.drifts.length} invariant violation(s)`);
  await ctx.events.publish({ type: 'ledger.drift', report });
}

/** Checks the ledger and raises the alert on drift: what the hourly job and `steller ledger check` run. */
export async function runConsistencyCheck(ctx: DriftContext & Pick<AppContext, 'db'>): Promise<ConsistencyReport> {
  const report = await checkLedgerConsistency(ctx.db);
  if (report.ok) ctx.logger.info({ transfers: report.transfers, wallets: report.wallets }, 'ledger consistent');
  else await raiseLedgerDrift(ctx, report);
  return report;
}
