// Wallet messages to the wallet's owner in Telegram, from domain events (`walletAlertSink`,
// subscribed by the root): an admin's credit or debit made in the bot, and a debit made in the bot
// that took the wallet below LOW_BALANCE_THRESHOLD (decided in src/domain/ledger/low-balance.ts).
// Nothing when the owner is not bound to Telegram.
import type { AppContext } from '../context.ts';
import type { DomainEventSink } from '../domain/events.ts';
import { formatMoney } from '../shared/money.ts';
import { notify, recipientOf } from './notify.ts';

export function walletAlertSink(app: AppContext): DomainEventSink {
  return async (event) => {
    if (event.type === 'wallet.adjusted') {
      const owner = await recipientOf(app, event.accountId);
      if (!owner) return;
      const vars = { amount: formatMoney(event.amount), balance: formatMoney(event.balance) };
      if (event.direction === 'credit') await notify(app, owner, { text: { key: 'funds-received', vars } });
      else await notify(app, owner, { text: { key: 'funds-debited', vars: { amount: vars.amount, reason: event.reason, balance: vars.balance } } });
    } else if (event.type === 'wallet.low_balance') {
      const owner = await recipientOf(app, event.accountId);
      if (!owner) return;
      await notify(app, owner, { text: { key: 'low-balance', vars: { balance: formatMoney(event.balance), threshold: formatMoney(event.threshold) } } });
    }
  };
}
