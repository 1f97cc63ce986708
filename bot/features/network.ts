// My network (agent): invite a sub-agent, list sub-agents with balance and month sales, allocate /
// reclaim (a confirmation whose button carries the idempotency key of the ledger transfer), pause /
// resume, revenue share. And the sub-agent's "ask for funds", which reaches the agent with a
// quick-allocate button (the fund request id keys the allocation, so it happens once).
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { getAccount, getDirectChild, resolvePrincipal, setAccountStatus } from '#src/domain/accounts/accounts.ts';
import { createInvite, inviteDeepLink } from '#src/domain/accounts/invites.ts';
import { childSummaries } from '#src/domain/accounts/network.ts';
import { allocate, declineFundRequest, fulfilFundRequest, listPendingFundRequests, reclaim, requestFunds } from '#src/domain/funding/allocation.ts';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { monthOf } from '#src/domain/month.ts';
import { accruedRevenueShare, paidRevenueShare } from '#src/domain/revenue-share/revenue-share.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { askAmount, waitConfirmation, domainCall, type Flow } from '../flows.ts';
import { enterFlow, isRole, showMoney, telegramActor, newRow } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { marginCallbacks } from './margins.callbacks.ts';
import { networkCallbacks } from './network.callbacks.ts';
import { controlCallbacks } from './control.callbacks.ts';
import { orderCallbacks } from './orders.callbacks.ts';

export const ALLOCATE_FLOW = 'allocate';
export const ASK_FUNDS_FLOW = 'ask-funds';
const PAGE_SIZE = 8;

/** Deep link that opens the bot with the invite (the same link the API gives partners). */
export const inviteLink = inviteDeepLink;

/** Allocate (`give`) or reclaim (`take`) an amount, confirmed with a button that carries the key. */
async function allocateFlow(conversation: Flow, ctx: ConvContext, direction: string, childId: string): Promise<void> {
  const agent = ctx.user?.account;
  if (!agent || (direction !== 'give' && direction !== 'take')) return;
  const childName = await domainCall(conversation, async () => {
    const principal = await resolvePrincipal(ctx.deps.app.db, telegramActor(agent));
    return (await getDirectChild(ctx.deps.app.db, principal, childId)).name;
  });
  const asked = await askAmount(conversation, ctx, agent.currency, direction === 'give' ? 'network-allocate-amount' : 'network-reclaim-amount');
  const key = await conversation.external(() => randomUUID());
  const keyboard = new InlineKeyboard()
    .text(asked.ctx.t('button-confirm'), networkCallbacks.confirmAllocation.build({ action: 'ok', key }))
    .text(asked.ctx.t('button-cancel'), networkCallbacks.confirmAllocation.build({ action: 'drop', key }));
  await asked.ctx.reply(
    asked.ctx.t(direction === 'give' ? 'network-allocate-confirm' : 'network-reclaim-confirm', { amount: showMoney(asked.amount), name: childName }),
    {
      reply_markup: keyboard,
    },
  );
  const confirmation = await waitConfirmation(conversation, networkCallbacks.confirmAllocation, key);
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const balances = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const input = { childId, amount: asked.amount, idempotencyKey: key };
    // The domain records the child's `wallet.funded` and a low-balance crossing of the wallet that paid.
    if (direction === 'give') await allocate(app, telegramActor(agent), input);
    else await reclaim(app, telegramActor(agent), input);
    const own = await walletBalance(app.db, agent.id);
    const child = await walletBalance(app.db, childId);
    return { own: showMoney(own), child: showMoney(child) };
  });
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(
    confirmation.ctx.t(direction === 'give' ? 'network-allocated' : 'network-reclaimed', { amount: showMoney(asked.amount), name: childName, ...balances }),
    { reply_markup: new InlineKeyboard().text(confirmation.ctx.t('button-back'), networkCallbacks.subAgent.build({ childId })) },
  );
}

/** A sub-agent asks its agent for funds. */
async function askFundsFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const sub = ctx.user?.account;
  if (!sub) return;
  const asked = await askAmount(conversation, ctx, sub.currency, 'funds-ask-amount');
  const amountText = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    // The agent hears of it through the request's `funds.requested` event (bot/event-messages.ts).
    const request = await requestFunds(app, telegramActor(sub), { amount: asked.amount });
    return showMoney(request.amount);
  });
  await asked.ctx.reply(asked.ctx.t('funds-asked', { amount: amountText }), { reply_markup: backHome(asked.ctx) });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(allocateFlow, ALLOCATE_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(askFundsFlow, ASK_FUNDS_FLOW));
  return composer;
}

async function showSubAgent(ctx: BotContext, childId: string): Promise<void> {
  const { app } = ctx.deps;
  const actor = telegramActor(ctx.user!.account);
  const child = await getDirectChild(app.db, await resolvePrincipal(app.db, actor), childId);
  const balance = await walletBalance(app.db, child.id);
  const keyboard = new InlineKeyboard()
    .text(ctx.t('network-allocate'), networkCallbacks.allocate.build({ direction: 'give', childId: child.id }))
    .text(ctx.t('network-reclaim'), networkCallbacks.allocate.build({ direction: 'take', childId: child.id }))
    .row()
    .text(
      ctx.t(child.status === 'active' ? 'network-pause' : 'network-resume'),
      networkCallbacks.setStatus.build({ action: child.status === 'active' ? 'pause' : 'resume', childId: child.id }),
    )
    .text(ctx.t('network-orders'), orderCallbacks.ofBuyer.build({ buyerId: child.id }))
    .row()
    .text(ctx.t('network-margin'), marginCallbacks.set.build({ childId: child.id }))
    .row()
    .text(ctx.t('button-back'), networkCallbacks.list.build({ page: 0 }));
  const text = ctx.t('network-sub-agent', { name: child.name, balance: showMoney(balance), status: child.status });
  await ctx.editMessageText(text, { reply_markup: keyboard });
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const agents = feature.filter((ctx) => isRole(ctx, 'agent'));

  agents.callbackQuery(networkCallbacks.list.pattern, async (ctx) => {
    const { page } = networkCallbacks.list.read(ctx.match);
    const month = monthOf(new Date()).label;
    const { items, total } = await childSummaries(ctx.deps.app.db, telegramActor(ctx.user!.account), { month, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
    const keyboard = new InlineKeyboard();
    const lines = items.map((item) =>
      ctx.t('network-line', { name: item.account.name, balance: showMoney(item.balance), sales: showMoney(item.monthSales), status: item.account.status }),
    );
    for (const item of items) keyboard.text(item.account.name, networkCallbacks.subAgent.build({ childId: item.account.id })).row();
    if (page > 0) keyboard.text(ctx.t('button-previous'), networkCallbacks.list.build({ page: page - 1 }));
    if (total > (page + 1) * PAGE_SIZE) keyboard.text(ctx.t('button-next'), networkCallbacks.list.build({ page: page + 1 }));
    newRow(keyboard)
      .text(ctx.t('network-invite'), networkCallbacks.invite.build())
      .text(ctx.t('network-requests'), networkCallbacks.fundRequests.build())
      .row()
      .text(ctx.t('network-my-invites'), controlCallbacks.invites.build({ page: 0 }))
      .text(ctx.t('button-menu'), basicsCallbacks.home.build());
    const title = ctx.t('network-title', { month, count: total });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(lines.length > 0 ? `${title}\n\n${lines.join('\n')}` : `${title}\n\n${ctx.t('network-empty')}`, { reply_markup: keyboard });
  });

  agents.callbackQuery(networkCallbacks.subAgent.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showSubAgent(ctx, networkCallbacks.subAgent.read(ctx.match).childId);
  });

  agents.callbackQuery(networkCallbacks.setStatus.pattern, async (ctx) => {
    const { action, childId } = networkCallbacks.setStatus.read(ctx.match);
    const status = action === 'pause' ? 'paused' : 'active';
    await setAccountStatus(ctx.deps.app.db, telegramActor(ctx.user!.account), childId, status);
    await ctx.answerCallbackQuery({ text: ctx.t(status === 'paused' ? 'network-paused' : 'network-resumed') });
    await showSubAgent(ctx, childId);
  });

  agents.callbackQuery(networkCallbacks.allocate.pattern, async (ctx) => {
    const { db } = ctx.deps.app;
    const { direction, childId } = networkCallbacks.allocate.read(ctx.match);
    await getDirectChild(db, await resolvePrincipal(db, telegramActor(ctx.user!.account)), childId); // refuse before asking
    await enterFlow(ctx, ALLOCATE_FLOW, direction, childId);
    await ctx.answerCallbackQuery();
  });

  agents.callbackQuery(networkCallbacks.invite.pattern, async (ctx) => {
    const { token } = await createInvite(ctx.deps.app.db, telegramActor(ctx.user!.account), { role: 'sub_agent' });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('network-invite-link', { link: inviteLink(ctx.me.username, token) }), { reply_markup: backHome(ctx) });
  });

  agents.callbackQuery(networkCallbacks.revenueShare.pattern, async (ctx) => {
    const { account } = ctx.user!;
    const month = monthOf(new Date()).label;
    const accrued = await accruedRevenueShare(ctx.deps.app.db, account.id, month);
    const paid = await paidRevenueShare(ctx.deps.app.db, account.id);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('revenue-share', { month, accrued: showMoney(accrued), paid: showMoney(paid) }), { reply_markup: backHome(ctx) });
  });

  // Open requests for funds (also reachable when the notification was missed), oldest first.
  agents.callbackQuery(networkCallbacks.fundRequests.pattern, async (ctx) => {
    const { db } = ctx.deps.app;
    const pending = (await listPendingFundRequests(db, telegramActor(ctx.user!.account))).slice(0, PAGE_SIZE);
    const keyboard = new InlineKeyboard();
    for (const request of pending) {
      const sub = await getAccount(db, request.subAgentId);
      keyboard
        .text(
          ctx.t('funds-request-line', { name: sub.name, amount: showMoney(request.amount) }),
          networkCallbacks.fulfilFundRequest.build({ requestId: request.id }),
        )
        .text(ctx.t('funds-decline-button'), networkCallbacks.declineFundRequest.build({ requestId: request.id }))
        .row();
    }
    keyboard.text(ctx.t('button-back'), networkCallbacks.list.build({ page: 0 }));
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t(pending.length > 0 ? 'network-requests-title' : 'network-requests-none'), { reply_markup: keyboard });
  });

  // The answers to a sub-agent's request (buttons of the notification and of the list above).
  agents.callbackQuery(networkCallbacks.fulfilFundRequest.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const fulfilled = await fulfilFundRequest(app, telegramActor(ctx.user!.account), networkCallbacks.fulfilFundRequest.read(ctx.match).requestId);
    const own = await walletBalance(app.db, fulfilled.agentId);
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup();
    await ctx.reply(ctx.t('funds-allocated', { amount: showMoney(fulfilled.amount), balance: showMoney(own) }), { reply_markup: backHome(ctx) });
  });

  agents.callbackQuery(networkCallbacks.declineFundRequest.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const declined = await declineFundRequest(app, telegramActor(ctx.user!.account), networkCallbacks.declineFundRequest.read(ctx.match).requestId);
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup();
    await ctx.reply(ctx.t('funds-declined-agent', { amount: showMoney(declined.amount) }), { reply_markup: backHome(ctx) });
  });

  const subAgents = feature.filter((ctx) => isRole(ctx, 'sub_agent'));
  subAgents.callbackQuery(networkCallbacks.askFunds.pattern, async (ctx) => {
    await enterFlow(ctx, ASK_FUNDS_FLOW);
    await ctx.answerCallbackQuery();
  });

  return feature;
}

export const networkFeature: Feature = { flows, handlers };
