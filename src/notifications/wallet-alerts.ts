// Wallet messages to the wallet's owner in Telegram, from domain events (`walletAlertSink`,
// subscribed by the root): an admin's credit or debit made in the bot, a debit made in the bot that
// took the wallet below LOW_BALANCE_THRESHOLD (decided in src/domain/ledger/low-balance.ts), money
// from the parent, a declined funding request, a rejected top-up and a revenue-share payout; and,
// to a card's buyer, that a customer opened the card's claim link.
// Nothing when the owner is not bound to Telegram. Messages with buttons are the bot's
// (bot/event-messages.ts): the core knows no callback format.
import type { AppContext } from '../context.ts';
import type { DomainEvent, DomainEventSink } from '../domain/events.ts';
import { formatMoney } from '../shared/money.ts';
import { notify, recipientOf } from './notify.ts';
import type { TelegramMessage } from './telegram.ts';

/** The message a wallet event sends its owner, or none. */
function walletMessage(event: DomainEvent): { accountId: string; text: TelegramMessage['text'] } | undefined {
  switch (event.type) {
    case 'wallet.adjusted': {
      const vars = { amount: formatMoney(event.amount), balance: formatMoney(event.balance) };
      if (event.direction === 'credit') return { accountId: event.accountId, text: { key: 'funds-received', vars } };
      return { accountId: event.accountId, text: { key: 'funds-debited', vars: { ...vars, reason: event.reason } } };
    }
    case 'wallet.low_balance':
      return {
        accountId: event.accountId,
        text: { key: 'low-balance', vars: { balance: formatMoney(event.balance), threshold: formatMoney(event.threshold) } },
      };
    case 'wallet.funded':
      return { accountId: event.accountId, text: { key: 'funds-received', vars: { amount: formatMoney(event.amount), balance: formatMoney(event.balance) } } };
    case 'funds.declined':
      return { accountId: event.subAgentId, text: { key: 'funds-declined', vars: { amount: formatMoney(event.amount) } } };
    case 'topup.decided':
      // An approval carries the Order cards button: the bot's message (bot/event-messages.ts).
      if (event.decision === 'approved') return undefined;
      return { accountId: event.accountId, text: { key: 'topup-rejected', vars: { amount: formatMoney(event.amount), reason: event.reason ?? '' } } };
    case 'revenue_share.paid':
      return { accountId: event.accountId, text: { key: 'revenue-share-paid', vars: { month: event.month, amount: formatMoney(event.amount) } } };
    case 'card.claim_opened':
      return {
        accountId: event.accountId,
        text: {
          key: 'card-claim-opened',
          vars: {
            number: event.orderNumber,
            position: event.position,
            card: event.card,
            face: formatMoney(event.face),
            at: event.openedAt.slice(0, 16).replace('T', ' '),
          },
        },
      };
    default:
      return undefined;
  }
}

export function walletAlertSink(app: AppContext): DomainEventSink {
  return async (event) => {
    const message = walletMessage(event);
    if (!message) return;
    const owner = await recipientOf(app, message.accountId);
    if (owner) await notify(app, owner, { text: message.text });
  };
}
