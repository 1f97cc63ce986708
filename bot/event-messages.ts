// The Telegram sink of the domain events whose messages carry the bot's buttons (the bot owns its
// callback formats; the core knows none), wired by the root (src/main.ts): a new top-up request to
// every admin with Approve / Reject and the proof photo, a sub-agent's funding request to its agent
// with Allocate / Decline, a partner signup to every admin with the pending list, an approved top-up
// to its agent with Order cards, a monthly statement with its CSV button. Plain messages (wallet, rejected top-ups, payouts) are
// src/notifications/wallet-alerts.ts.
import type { AppContext } from '#src/context.ts';
import { telegramAdmins } from '#src/domain/accounts/language.ts';
import type { DomainEvent, DomainEventSink } from '#src/domain/events.ts';
import { notify, recipientOf } from '#src/notifications/notify.ts';
import { formatMoney } from '#src/shared/money.ts';
import { basicsCallbacks } from './features/basics.callbacks.ts';
import { networkCallbacks } from './features/network.callbacks.ts';
import { orderCallbacks } from './features/orders.callbacks.ts';
import { signupCallbacks } from './features/signups.callbacks.ts';
import { topupCallbacks } from './features/topup.callbacks.ts';
import { topupRequestVars } from './features/topup.ts';
import { walletCallbacks } from './features/wallet.callbacks.ts';

type EventOf<Type extends DomainEvent['type']> = Extract<DomainEvent, { type: Type }>;

async function accountName(app: AppContext, accountId: string): Promise<string> {
  const account = await app.db.selectFrom('accounts').select('name').where('id', '=', accountId).executeTakeFirst();
  return account?.name ?? accountId;
}

/** Every admin (in their language) hears of a new request, the proof photo attached. */
async function topupRequested(app: AppContext, event: EventOf<'topup.requested'>): Promise<void> {
  const vars = topupRequestVars(event, await accountName(app, event.accountId));
  const buttons = [
    [
      { text: { key: 'topup-approve', vars: {} }, callbackData: topupCallbacks.approve.build({ requestId: event.requestId }) },
      { text: { key: 'topup-reject', vars: {} }, callbackData: topupCallbacks.reject.build({ requestId: event.requestId }) },
    ],
  ];
  for (const admin of await telegramAdmins(app.db)) {
    await notify(app, admin, {
      text: { key: 'topup-admin-request', vars },
      buttons,
      ...(event.proof.kind === 'photo' ? { photo: event.proof.value } : {}),
    });
  }
}

/** The agent hears of its sub-agent's request, with the answers as buttons. */
async function fundsRequested(app: AppContext, event: EventOf<'funds.requested'>): Promise<void> {
  const agent = await recipientOf(app, event.agentId);
  if (!agent) return;
  const amount = formatMoney(event.amount);
  await notify(app, agent, {
    text: { key: 'funds-request', vars: { name: await accountName(app, event.subAgentId), amount } },
    buttons: [
      [
        { text: { key: 'funds-allocate-button', vars: { amount } }, callbackData: networkCallbacks.fulfilFundRequest.build({ requestId: event.requestId }) },
        { text: { key: 'funds-decline-button', vars: {} }, callbackData: networkCallbacks.declineFundRequest.build({ requestId: event.requestId }) },
      ],
    ],
  });
}

/** The agent hears its top-up was approved, with the next step (ordering) one tap away. */
async function topupApproved(app: AppContext, event: EventOf<'topup.decided'>): Promise<void> {
  const agent = await recipientOf(app, event.accountId);
  if (!agent || event.decision !== 'approved' || !event.balance) return;
  await notify(app, agent, {
    text: { key: 'topup-approved', vars: { amount: formatMoney(event.amount), balance: formatMoney(event.balance) } },
    buttons: [
      [
        { text: { key: 'menu-order', vars: {} }, callbackData: orderCallbacks.start.build() },
        { text: { key: 'button-menu', vars: {} }, callbackData: basicsCallbacks.home.build() },
      ],
    ],
  });
}

/** An agent or sub-agent gets its statement of the month that ended, with the CSV one tap away. */
async function monthlyStatement(app: AppContext, event: EventOf<'statement.monthly'>): Promise<void> {
  const owner = await recipientOf(app, event.accountId);
  if (!owner) return;
  const parts = {
    opening: event.opening,
    credits: event.credits,
    debits: event.debits,
    orders: event.orders,
    revenueShare: event.revenueShare,
    closing: event.closing,
  };
  const vars = Object.fromEntries(Object.entries(parts).map(([name, value]) => [name, formatMoney(value)]));
  await notify(app, owner, {
    text: { key: 'monthly-statement', vars: { month: event.month, ...vars } },
    buttons: [
      [
        { text: { key: 'wallet-statement-csv', vars: {} }, callbackData: walletCallbacks.statementCsv.build({ month: event.month }) },
        { text: { key: 'button-menu', vars: {} }, callbackData: basicsCallbacks.home.build() },
      ],
    ],
  });
}

/** Every admin hears of a new partner signup, with a button to the pending list. */
async function signupCreated(app: AppContext, event: EventOf<'signup.created'>): Promise<void> {
  const vars = { company: event.companyName, email: event.email, useCase: event.useCase, accountId: event.accountId };
  const buttons = [[{ text: { key: 'signup-alert-open' }, callbackData: signupCallbacks.list.build({ page: 0 }) }]];
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text: { key: 'signup-alert', vars }, buttons });
}

export function telegramEventSink(app: AppContext): DomainEventSink {
  return async (event) => {
    if (event.type === 'topup.requested') await topupRequested(app, event);
    else if (event.type === 'funds.requested') await fundsRequested(app, event);
    else if (event.type === 'signup.created') await signupCreated(app, event);
    else if (event.type === 'topup.decided') await topupApproved(app, event);
    else if (event.type === 'statement.monthly') await monthlyStatement(app, event);
  };
}
