// Admin control (issue 20): an account's risk limits (shown with today's use, set in one typed
// line), an order's tools (its timeline; refund or cancel with a reason, confirmed; retry; the
// decision on an order needing attention, vendor has it or lacks it, with a reason, confirmed), the
// invites with their state (revoke an unused one), and the typed commands for admins who prefer
// them: /topups, /approve <id>, /reject <id> <reason>, /order <number>, /find <name>,
// /limits <account>. Agents use the invites screen too, for the invites they made. Commands and buttons call the same domain services, which check the rights
// again (requireAdmin) whatever the menus show.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { listInvites, revokeInvite } from '#src/domain/accounts/invites.ts';
import { accountOverview, findAccounts } from '#src/domain/accounts/listing.ts';
import { approveTopup, findTopupRequest, listPendingTopups, rejectTopup } from '#src/domain/funding/topups.ts';
import { findOrders, orderTimeline, refundOrder, resolveOrder, retryOrder, type ResolveDecision } from '#src/domain/orders/operator.ts';
import type { OrderMessageRecord } from '#src/domain/orders/order-messages.ts';
import { FINAL_STATUSES } from '#src/domain/orders/orders.tables.ts';
import { accountRiskLimits, setAccountRiskLimits, type AccountRiskLimits } from '#src/domain/orders/risk.ts';
import { isUuid, shortId } from '#src/shared/ids.ts';
import type { Money } from '#src/shared/money.ts';
import type { BaseContext, BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, waitConfirmation, waitText, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, isRole, newRow, parseAmount, showMoney, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { adminCallbacks } from './admin.callbacks.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { controlCallbacks } from './control.callbacks.ts';
import { topupCallbacks } from './topup.callbacks.ts';

export const LIMITS_FLOW = 'admin-limits';
export const REFUND_FLOW = 'admin-refund';
export const RESOLVE_FLOW = 'admin-resolve';
const INVITES_PAGE_SIZE = 8;
const LIST_SIZE = 10;

const shownLimit = (ctx: BaseContext, value: Money | number | null) =>
  value === null ? ctx.t('limits-none') : typeof value === 'number' ? String(value) : showMoney(value);

function limitsScreen(ctx: BaseContext, view: AccountRiskLimits): { text: string; keyboard: InlineKeyboard } {
  const text = ctx.t('limits-screen', {
    name: view.account.name,
    role: view.account.role,
    source: ctx.t(`limits-source-${view.source}`),
    dailySpend: shownLimit(ctx, view.dailySpend),
    dailyOrders: shownLimit(ctx, view.dailyOrderCount),
    maxOrder: shownLimit(ctx, view.maxOrder),
    spent: showMoney(view.today.spent),
    orders: view.today.orders,
  });
  const keyboard = new InlineKeyboard()
    .text(ctx.t('limits-set'), controlCallbacks.setLimits.build({ accountId: view.account.id }))
    .text(ctx.t('button-back'), adminCallbacks.account.build({ accountId: view.account.id }));
  return { text, keyboard };
}

/** One typed limit: `-` for none, else an amount in the account's currency or a whole number of orders. */
function parseLimits(text: string, currency: string): { dailySpend: Money | null; dailyOrderCount: number | null; maxOrder: Money | null } | undefined {
  const parts = text.split(/\s+/);
  if (parts.length !== 3) return undefined;
  const [spend, count, largest] = parts as [string, string, string];
  const amount = (value: string) => (value === '-' ? null : (parseAmount(value, currency) ?? undefined));
  const dailySpend = amount(spend);
  const maxOrder = amount(largest);
  const dailyOrderCount = count === '-' ? null : /^\d{1,9}$/.test(count) && Number(count) > 0 ? Number(count) : undefined;
  if (dailySpend === undefined || maxOrder === undefined || dailyOrderCount === undefined) return undefined;
  return { dailySpend, dailyOrderCount, maxOrder };
}

/** Set limits: one line of three values, then saved (audited by the domain). */
async function limitsFlow(conversation: Flow, ctx: ConvContext, accountId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  const target = await domainCall(conversation, async () => {
    const { account } = await accountOverview(ctx.deps.app.db, telegramActor(admin), accountId);
    return { name: account.name, currency: account.currency };
  });
  await ctx.reply(ctx.t('limits-ask', target), { reply_markup: cancelKeyboard(ctx) });
  for (;;) {
    const answer = await waitText(conversation);
    const limits = parseLimits(answer.text, target.currency);
    if (!limits) {
      await answer.ctx.reply(answer.ctx.t('limits-invalid', target), { reply_markup: cancelKeyboard(answer.ctx) });
      continue;
    }
    const view = await domainCall(conversation, () => setAccountRiskLimits(ctx.deps.app.db, telegramActor(admin), accountId, limits));
    const screen = limitsScreen(answer.ctx, view);
    await answer.ctx.reply(`${answer.ctx.t('limits-saved')}\n\n${screen.text}`, { reply_markup: screen.keyboard });
    return;
  }
}

/** The buyer's Telegram messages as steps: one per kind and status, at the first one's time. */
function telegramSteps(messages: readonly OrderMessageRecord[]): { what: string; at: Date; count: number }[] {
  const steps = new Map<string, { what: string; at: Date; count: number }>();
  for (const message of messages) {
    const what = `telegram ${message.kind} (${message.status})`;
    const step = steps.get(what);
    if (step) step.count += 1;
    else steps.set(what, { what, at: message.queuedAt, count: 1 });
  }
  return [...steps.values()];
}

async function orderScreen(ctx: BaseContext, idOrNumber: string): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const timeline = await orderTimeline(ctx.deps.app.db, telegramActor(ctx.user!.account), idOrNumber);
  const { order, vendor } = timeline;
  const time = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    ...timeline.transitions.map((transition) => ctx.t('order-tools-step', { at: time(transition.at), what: transition.status })),
    ...timeline.money.map((transfer) => ctx.t('order-tools-step', { at: time(transfer.at), what: transfer.kind })),
    ...timeline.webhookEvents.map((event) => ctx.t('order-tools-step', { at: time(event.createdAt), what: `${event.type} (${event.status})` })),
    // The buyer's Telegram messages, one line per kind and status (an order of 50 cards is one line).
    ...telegramSteps(timeline.telegramMessages).map(({ what, at, count }) => ctx.t('order-tools-step', { at: time(at), what: `${what} ×${count}` })),
    ...timeline.actions.map((action) => {
      const reason = (action.after as { reason?: string } | null)?.reason;
      return ctx.t('order-tools-step', { at: time(action.at), what: reason ? `${action.action}: ${reason}` : action.action });
    }),
  ].sort();
  const text = ctx.t('order-tools', {
    number: order.number,
    status: order.status,
    buyer: timeline.buyer.name,
    total: showMoney(order.total),
    reference: order.clientReference,
    vendorRequest: vendor.requestId ?? '—',
    vendorOrder: vendor.orderId ?? '—',
    polls: vendor.pollCount,
    steps: lines.join('\n'),
  });
  const keyboard = new InlineKeyboard();
  if (!FINAL_STATUSES.includes(order.status) && order.status !== 'needs_attention') {
    keyboard
      .text(ctx.t('order-tools-refund'), controlCallbacks.refund.build({ orderId: order.id }))
      .text(ctx.t('order-tools-retry'), controlCallbacks.retry.build({ orderId: order.id }))
      .row();
  }
  if (order.status === 'needs_attention') {
    keyboard
      .text(ctx.t('order-tools-vendor-has'), controlCallbacks.resolve.build({ orderId: order.id, decision: 'has' }))
      .text(ctx.t('order-tools-vendor-lacks'), controlCallbacks.resolve.build({ orderId: order.id, decision: 'lacks' }))
      .row();
  }
  keyboard.text(ctx.t('button-menu'), basicsCallbacks.home.build());
  return { text, keyboard };
}

/** Refund (or cancel, when never sent): reason → confirm. The vendor's answer decides; the domain audits. */
async function refundFlow(conversation: Flow, ctx: ConvContext, orderId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  const number = await domainCall(conversation, async () => (await orderTimeline(ctx.deps.app.db, telegramActor(admin), orderId)).order.number);
  await ctx.reply(ctx.t('order-refund-reason', { number }), { reply_markup: cancelKeyboard(ctx) });
  const reason = await waitText(conversation);
  const key = await conversation.external(() => randomUUID());
  const keyboard = new InlineKeyboard()
    .text(reason.ctx.t('button-confirm'), controlCallbacks.confirmRefund.build({ action: 'ok', key }))
    .text(reason.ctx.t('button-cancel'), controlCallbacks.confirmRefund.build({ action: 'drop', key }));
  await reason.ctx.reply(reason.ctx.t('order-refund-confirm', { number, reason: reason.text }), { reply_markup: keyboard });
  const confirmation = await waitConfirmation(conversation, controlCallbacks.confirmRefund, key);
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const outcome = await domainCall(conversation, () => refundOrder(ctx.deps.app, telegramActor(admin), orderId, reason.text));
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('order-refund-done', { number, outcome }), {
    reply_markup: new InlineKeyboard().text(confirmation.ctx.t('button-back'), controlCallbacks.order.build({ orderId })),
  });
}

/**
 * The decision on an order needing attention: reason → confirm. The domain takes it once (a second
 * decision, from any admin or channel, is refused) and audits it with the reason.
 */
async function resolveFlow(conversation: Flow, ctx: ConvContext, orderId: string, choice: 'has' | 'lacks'): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  const decision: ResolveDecision = choice === 'has' ? 'vendor_has' : 'vendor_lacks';
  const number = await domainCall(conversation, async () => (await orderTimeline(ctx.deps.app.db, telegramActor(admin), orderId)).order.number);
  await ctx.reply(ctx.t('order-resolve-reason', { number, decision }), { reply_markup: cancelKeyboard(ctx) });
  const reason = await waitText(conversation);
  const key = await conversation.external(() => randomUUID());
  const keyboard = new InlineKeyboard()
    .text(reason.ctx.t('button-confirm'), controlCallbacks.confirmResolve.build({ action: 'ok', key }))
    .text(reason.ctx.t('button-cancel'), controlCallbacks.confirmResolve.build({ action: 'drop', key }));
  await reason.ctx.reply(reason.ctx.t('order-resolve-confirm', { number, decision, reason: reason.text }), { reply_markup: keyboard });
  const confirmation = await waitConfirmation(conversation, controlCallbacks.confirmResolve, key);
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const status = await domainCall(conversation, () => resolveOrder(ctx.deps.app, telegramActor(admin), orderId, decision, reason.text));
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('order-resolve-done', { number, status }), {
    reply_markup: new InlineKeyboard().text(confirmation.ctx.t('button-back'), controlCallbacks.order.build({ orderId })),
  });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(limitsFlow, LIMITS_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(refundFlow, REFUND_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(resolveFlow, RESOLVE_FLOW));
  return composer;
}

async function invitesScreen(ctx: BaseContext, page: number): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const { invites, total } = await listInvites(ctx.deps.app.db, telegramActor(ctx.user!.account), {
    limit: INVITES_PAGE_SIZE,
    offset: page * INVITES_PAGE_SIZE,
  });
  const lines = invites.map((invite) =>
    ctx.t('invites-line', {
      id: shortId(invite.id),
      state: ctx.t(`invite-state-${invite.state}`),
      role: invite.role,
      name: invite.name ?? '—',
      expires: invite.expiresAt.toISOString().slice(0, 10),
    }),
  );
  const keyboard = new InlineKeyboard();
  for (const invite of invites.filter((one) => one.state === 'pending'))
    keyboard.text(ctx.t('invites-revoke', { id: shortId(invite.id) }), controlCallbacks.revokeInvite.build({ inviteId: invite.id })).row();
  if (page > 0) keyboard.text(ctx.t('button-previous'), controlCallbacks.invites.build({ page: page - 1 }));
  if (total > (page + 1) * INVITES_PAGE_SIZE) keyboard.text(ctx.t('button-next'), controlCallbacks.invites.build({ page: page + 1 }));
  newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
  const text = `${ctx.t('invites-title', { count: total })}\n\n${lines.join('\n') || ctx.t('invites-empty')}`;
  return { text, keyboard };
}

/** `/limits <account>`, `/find <name>`: the accounts a typed id or name stands for. */
async function accountsFor(ctx: BotContext, typed: string) {
  const actor = telegramActor(ctx.user!.account);
  if (isUuid(typed)) return [(await accountOverview(ctx.deps.app.db, actor, typed)).account];
  return findAccounts(ctx.deps.app.db, actor, typed, LIST_SIZE);
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(controlCallbacks.limits.pattern, async (ctx) => {
    const view = await accountRiskLimits(ctx.deps.app.db, telegramActor(ctx.user!.account), controlCallbacks.limits.read(ctx.match).accountId);
    const { text, keyboard } = limitsScreen(ctx, view);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(text, { reply_markup: keyboard });
  });
  admins.callbackQuery(controlCallbacks.setLimits.pattern, async (ctx) => {
    await enterFlow(ctx, LIMITS_FLOW, controlCallbacks.setLimits.read(ctx.match).accountId);
    await ctx.answerCallbackQuery();
  });

  admins.callbackQuery(controlCallbacks.order.pattern, async (ctx) => {
    const { text, keyboard } = await orderScreen(ctx, controlCallbacks.order.read(ctx.match).orderId);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(text, { reply_markup: keyboard });
  });
  admins.callbackQuery(controlCallbacks.refund.pattern, async (ctx) => {
    await enterFlow(ctx, REFUND_FLOW, controlCallbacks.refund.read(ctx.match).orderId);
    await ctx.answerCallbackQuery();
  });
  admins.callbackQuery(controlCallbacks.resolve.pattern, async (ctx) => {
    const { orderId, decision } = controlCallbacks.resolve.read(ctx.match);
    await enterFlow(ctx, RESOLVE_FLOW, orderId, decision);
    await ctx.answerCallbackQuery();
  });
  admins.callbackQuery(controlCallbacks.retry.pattern, async (ctx) => {
    const { orderId } = controlCallbacks.retry.read(ctx.match);
    const outcome = await retryOrder(ctx.deps.app, telegramActor(ctx.user!.account), orderId);
    await ctx.answerCallbackQuery({ text: ctx.t('order-retried', { outcome }) });
    const { text, keyboard } = await orderScreen(ctx, orderId);
    await ctx.editMessageText(text, { reply_markup: keyboard });
  });

  // Invites: an admin sees and revokes every invite, an agent the ones it made (the domain filters).
  const inviters = feature.filter((ctx) => isActiveAdmin(ctx) || isRole(ctx, 'agent'));
  inviters.callbackQuery(controlCallbacks.invites.pattern, async (ctx) => {
    const { text, keyboard } = await invitesScreen(ctx, controlCallbacks.invites.read(ctx.match).page);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(text, { reply_markup: keyboard });
  });
  inviters.callbackQuery(controlCallbacks.revokeInvite.pattern, async (ctx) => {
    const revoked = await revokeInvite(ctx.deps.app.db, telegramActor(ctx.user!.account), controlCallbacks.revokeInvite.read(ctx.match).inviteId);
    await ctx.answerCallbackQuery({ text: ctx.t('invites-revoked', { id: shortId(revoked.id) }) });
    const { text, keyboard } = await invitesScreen(ctx, 0);
    await ctx.editMessageText(text, { reply_markup: keyboard });
  });

  // Typed commands: the same services as the buttons.
  admins.command('topups', async (ctx) => {
    const admin = telegramActor(ctx.user!.account);
    const pending = await listPendingTopups(ctx.deps.app.db, admin, LIST_SIZE);
    const keyboard = new InlineKeyboard();
    const lines: string[] = [];
    for (const request of pending) {
      const { account } = await accountOverview(ctx.deps.app.db, admin, request.accountId);
      lines.push(ctx.t('topups-command-line', { id: shortId(request.id), amount: showMoney(request.amount), name: account.name }));
      keyboard.text(`${shortId(request.id)} · ${showMoney(request.amount)}`, topupCallbacks.view.build({ requestId: request.id })).row();
    }
    newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    const text = pending.length > 0 ? `${ctx.t('topups-command-title')}\n\n${lines.join('\n')}` : ctx.t('topup-pending-none');
    await ctx.reply(text, { reply_markup: keyboard });
  });

  admins.command('approve', async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed || /\s/.test(typed)) return ctx.reply(ctx.t('command-usage-approve'));
    const admin = telegramActor(ctx.user!.account);
    const request = await findTopupRequest(ctx.deps.app.db, admin, typed);
    // The agent hears of it through the decision's `topup.decided` event, as with the button.
    const approved = await approveTopup(ctx.deps.app, admin, request.id);
    await ctx.reply(ctx.t('topup-approved-admin', { amount: showMoney(approved.amount) }), { reply_markup: backHome(ctx) });
  });

  admins.command('reject', async (ctx) => {
    const [typed, ...words] = ctx.match.trim().split(/\s+/);
    const reason = words.join(' ');
    if (!typed || !reason) return ctx.reply(ctx.t('command-usage-reject'));
    const admin = telegramActor(ctx.user!.account);
    const request = await findTopupRequest(ctx.deps.app.db, admin, typed);
    const rejected = await rejectTopup(ctx.deps.app, admin, request.id, reason);
    await ctx.reply(ctx.t('topup-rejected-admin', { amount: showMoney(rejected.amount) }), { reply_markup: backHome(ctx) });
  });

  admins.command('order', async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed) return ctx.reply(ctx.t('command-usage-order'));
    const found = await findOrders(ctx.deps.app.db, telegramActor(ctx.user!.account), typed, LIST_SIZE);
    if (found.length === 0) return ctx.reply(ctx.t('error-order-not-found'));
    if (found.length === 1) {
      const { text, keyboard } = await orderScreen(ctx, found[0]!.order.id);
      return ctx.reply(text, { reply_markup: keyboard });
    }
    const keyboard = new InlineKeyboard();
    for (const { order, buyerName } of found)
      keyboard.text(`${order.number} · ${showMoney(order.total)} · ${buyerName}`, controlCallbacks.order.build({ orderId: order.id })).row();
    newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.reply(ctx.t('orders-found', { count: found.length }), { reply_markup: keyboard });
  });

  admins.command('find', async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed) return ctx.reply(ctx.t('command-usage-find'));
    const accounts = await accountsFor(ctx, typed);
    if (accounts.length === 0) return ctx.reply(ctx.t('find-none'));
    const keyboard = new InlineKeyboard();
    for (const account of accounts) keyboard.text(`${account.name} · ${account.role}`, adminCallbacks.account.build({ accountId: account.id })).row();
    newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.reply(ctx.t('find-title', { count: accounts.length }), { reply_markup: keyboard });
  });

  admins.command('limits', async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed) return ctx.reply(ctx.t('command-usage-limits'));
    const accounts = await accountsFor(ctx, typed);
    if (accounts.length === 0) return ctx.reply(ctx.t('find-none'));
    if (accounts.length === 1) {
      const view = await accountRiskLimits(ctx.deps.app.db, telegramActor(ctx.user!.account), accounts[0]!.id);
      const { text, keyboard } = limitsScreen(ctx, view);
      return ctx.reply(text, { reply_markup: keyboard });
    }
    const keyboard = new InlineKeyboard();
    for (const account of accounts) keyboard.text(`${account.name} · ${account.role}`, controlCallbacks.limits.build({ accountId: account.id })).row();
    newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.reply(ctx.t('find-title', { count: accounts.length }), { reply_markup: keyboard });
  });

  return feature;
}

export const controlFeature: Feature = { flows, handlers };
