// The daily re-engagement run: each inactive account is recorded and told in one transaction
// (partners by the `account.inactive` webhook event, agents and sub-agents by a bot message through
// the telegram.send queue), so a message exists exactly when its record does.
import type { AppContext } from '../context.ts';
import { withTransaction } from '../db/transaction.ts';
import { findTelegramUser } from '../domain/accounts/language.ts';
import { findInactiveAccounts, recordReengagementNotice } from '../domain/growth/reengagement.ts';
import { notify } from './notify.ts';

export async function sendReengagementNotices(app: AppContext, now = new Date()): Promise<{ notified: number; partners: number; agents: number }> {
  const inactiveDays = app.config.REENGAGEMENT_INACTIVE_DAYS;
  const counts = { notified: 0, partners: 0, agents: 0 };
  for (const account of await findInactiveAccounts(app.db, { inactiveDays, now })) {
    const recipient = account.telegramUserId === null ? undefined : await findTelegramUser(app.db, account.telegramUserId);
    const recorded = await withTransaction(app.db, async (trx) => {
      if (!(await recordReengagementNotice(trx, account, inactiveDays, now))) return false;
      if (account.role !== 'partner' && recipient) {
        await notify(app, recipient, { text: { key: 'reengagement-inactive', vars: { days: inactiveDays } } }, { db: trx });
      }
      return true;
    });
    if (!recorded) continue;
    counts.notified += 1;
    if (account.role === 'partner') counts.partners += 1;
    else counts.agents += 1;
  }
  if (counts.notified > 0) app.logger.info({ ...counts, inactiveDays }, 're-engagement notices sent');
  return counts;
}
