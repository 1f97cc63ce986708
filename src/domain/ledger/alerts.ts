// The ledger drift alert: the consistency check records a `ledger.drift` event (ctx.events), and
// whoever must react (the admins in Telegram) is subscribed by the root. Logged either way.
import type { AppContext } from '../../context.ts';
import { accountsInvolved, checkLedgerConsistency, type ConsistencyReport } from './consistency.ts';

type DriftContext = Pick<AppContext, 'db' | 'logger' | 'events'>;

/** Logs the drift with the accounts involved and records it. */
export async function raiseLedgerDrift(ctx: DriftContext, report: ConsistencyReport): Promise<void> {
  ctx.logger.error({ accountIds: accountsInvolved(report), drifts: report.drifts }, `ledger drift: ${report.drifts.length} invariant violation(s)`);
  await ctx.events.record(ctx.db, {
    type: 'ledger.drift',
    driftCount: report.drifts.length,
    invariants: [...new Set(report.drifts.map((drift) => drift.invariant))],
    accountIds: accountsInvolved(report),
  });
}

/** Checks the ledger and raises the alert on drift: what the hourly job and `steller ledger check` run. */
export async function runConsistencyCheck(ctx: DriftContext): Promise<ConsistencyReport> {
  const report = await checkLedgerConsistency(ctx.db);
  if (report.ok) ctx.logger.info({ transfers: report.transfers, wallets: report.wallets }, 'ledger consistent');
  else await raiseLedgerDrift(ctx, report);
  return report;
}
