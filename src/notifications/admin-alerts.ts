// Alerts for the admins in Telegram: ledger drift found by the consistency check. Subscribed at
// start-up in the processes that run the check (the worker role); sent through the telegram.send
// queue in each admin's language.
import type { AppContext } from '../context.ts';
import { telegramAdmins } from '../domain/accounts/language.ts';
import { onLedgerDrift } from '../domain/ledger/alerts.ts';
import { accountsInvolved, type ConsistencyReport } from '../domain/ledger/consistency.ts';
import { notify } from './notify.ts';

/** At most this many account ids in the alert text (the log has them all). */
const ACCOUNTS_SHOWN = 10;

export async function alertAdminsOfDrift(app: AppContext, report: ConsistencyReport): Promise<void> {
  const accounts = accountsInvolved(report);
  const vars = {
    count: report.drifts.length,
    invariants: [...new Set(report.drifts.map((drift) => drift.invariant))].join(', '),
    accounts: accounts.slice(0, ACCOUNTS_SHOWN).join(', ') || '—',
  };
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text: { key: 'ledger-drift-alert', vars } });
}

/** Subscribes the admins' drift alert; returns the unsubscribe function. */
export function subscribeDriftAlerts(app: AppContext): () => void {
  return onLedgerDrift((report) => alertAdminsOfDrift(app, report));
}
