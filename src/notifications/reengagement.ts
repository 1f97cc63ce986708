// The daily re-engagement run: each inactive account is recorded and told in one transaction
// (partners by the `account.inactive` webhook event and an email, agents and sub-agents by a bot message through
// the telegram.send queue), so a message exists exactly when its record does.
import type { AppContext } from '../context.ts';
import { withTransaction } from '../db/transaction.ts';
import { findTelegramUser } from '../domain/accounts/language.ts';
import { findInactiveAccounts, recordReengagementNotice, type InactiveAccount } from '../domain/growth/reengagement.ts';
import { notify } from './notify.ts';

const BATCH = 500;

export async function sendReengagementNotices(app: AppContext, now = new Date()): Promise<{ notified: number; partners: number; agents: number }> {
  const inactiveDays = app.config.REENGAGEMENT_INACTIVE_DAYS;
  const counts = { notified: 0, partners: 0, agents: 0 };
  for (;;) {
    // In batches: a recorded account drops out of the next query, so each round finds the rest.
    const batch = await findInactiveAccounts(app.db, { inactiveDays, now, limit: BATCH });
    for (const account of batch) await remind(account);
    if (batch.length < BATCH) break;
  }
  if (counts.notified > 0) app.logger.info({ ...counts, inactiveDays }, 're-engagement notices sent');
  return counts;

  async function remind(account: InactiveAccount): Promise<void> {
    const recipient = account.telegramUserId === null ? undefined : await findTelegramUser(app.db, account.telegramUserId);
    const recorded = await withTransaction(app.db, async (trx) => {
      if (!(await recordReengagementNotice(trx, account, inactiveDays, now, app.events))) return false;
      if (account.role !== 'partner' && recipient) {
        await notify(app, recipient, { text: { key: 'reengagement-inactive', vars: { days: inactiveDays } } }, { db: trx });
      }
      return true;
    });
    if (!recorded) return;
    counts.notified += 1;
    if (account.role === 'partner') counts.partners += 1;
    else counts.agents += 1;
  }
}
