// Email to partners, from domain events (`partnerEmailSink`, subscribed by the root): the signup
// decision, live access granted (the first live key), the wallet below the partner's threshold,
// the webhook endpoint failing for an hour, and re-engagement after a spell of inactivity. Each
// event becomes one `email.send` job per address (the signup address and the current users whose
// role cares: finance for money, developers for webhooks). Sandbox accounts (test money) get none.
// A partner without any address is logged, never skipped silently. The sink hears an event at least
// once, so a retried delivery may send an email twice.
import type { AppContext } from '../context.ts';
import { findAccounts } from '../domain/accounts/accounts.ts';
import { enqueueEmails, partnerEmailAddresses } from '../domain/email/email.ts';
import type { EmailData, EmailTemplateName } from '../domain/email/templates.ts';
import type { DomainEvent, DomainEventSink } from '../domain/events.ts';
import type { PartnerUserRole } from '../domain/partner-users/partner-users.tables.ts';
import { toJsonMoney } from '../shared/money.ts';

type Notice = {
  [Name in EmailTemplateName]: { accountId: string; template: Name; data: (companyName: string) => EmailData<Name>; roles?: readonly PartnerUserRole[] };
}[EmailTemplateName];

/** The email an event sends its partner, or none. */
function partnerNotice(event: DomainEvent): Notice | undefined {
  switch (event.type) {
    case 'signup.decided':
      return event.decision === 'approved'
        ? { accountId: event.accountId, template: 'signup.approved', data: (companyName) => ({ companyName }) }
        : { accountId: event.accountId, template: 'signup.rejected', data: (companyName) => ({ companyName, reason: event.reason }) };
    case 'partner.live_access_granted':
      return {
        accountId: event.accountId,
        template: 'partner.live_access_granted',
        data: (companyName) => ({ companyName, keyPrefix: event.keyPrefix, issuedBy: event.issuedBy }),
      };
    case 'wallet.low_balance':
      return {
        accountId: event.accountId,
        template: 'partner.low_balance',
        data: (companyName) => ({ companyName, balance: toJsonMoney(event.balance), threshold: toJsonMoney(event.threshold) }),
        roles: ['manager', 'finance'],
      };
    case 'webhook.endpoint_failing':
      return {
        accountId: event.accountId,
        template: 'partner.webhook_failing',
        data: (companyName) => ({ companyName, url: event.url, failingSince: event.failingSince, lastError: event.lastError }),
        roles: ['manager', 'developer'],
      };
    case 'partner.inactive':
      return {
        accountId: event.accountId,
        template: 'partner.inactive',
        data: (companyName) => ({ companyName, inactiveDays: event.inactiveDays, lastActivityAt: event.lastActivityAt }),
      };
    default:
      return undefined;
  }
}

export function partnerEmailSink(app: Pick<AppContext, 'db' | 'jobs' | 'logger'>): DomainEventSink {
  return async (event) => {
    const notice = partnerNotice(event);
    if (!notice) return;
    const account = (await findAccounts(app.db, [notice.accountId])).get(notice.accountId);
    // Bot users' low balance is the Telegram sink's; a sandbox account's money is test money.
    if (account?.role !== 'partner' || account.sandbox) return;
    const addresses = await partnerEmailAddresses(app.db, account.id, notice.roles);
    if (addresses.length === 0) {
      app.logger.warn({ accountId: account.id, template: notice.template }, 'partner has no email address: email not sent');
      return;
    }
    const data = notice.data(account.name);
    await enqueueEmails(
      app.jobs,
      addresses.map((to) => ({ to, template: notice.template, data })),
    );
  };
}
