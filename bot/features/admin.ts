// Admin: pending top-ups (topup.ts), credit / debit any wallet with a reason, invite an agent, the
// account tree (paged), pause / resume any account, the audit log, closing a month of revenue share
// (preview, then confirm), promoting and demoting admins. Rights are checked again by the domain
// (requireAdmin) whatever the buttons say.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { setAccountStatus, type Account } from '#src/domain/accounts/accounts.ts';
import { demoteAdmin, listAdmins, promoteAdmin } from '#src/domain/accounts/admins.ts';
import { createInvite } from '#src/domain/accounts/invites.ts';
import { accountOverview } from '#src/domain/accounts/listing.ts';
import { childSummaries } from '#src/domain/accounts/network.ts';
import { queryAuditLog } from '#src/domain/audit/query.ts';
import { creditWallet, debitWallet } from '#src/domain/funding/manual.ts';
import { monthOf, parseMonth } from '#src/domain/month.ts';
import { closeRevenueShareMonth, previewRevenueShareMonth } from '#src/domain/revenue-share/revenue-share.ts';
import { setChatCommands } from '../commands.ts';
import type { BaseContext, BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, askAmount, domainCall, waitConfirmation, waitText, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, isRole, showMoney, telegramActor, newRow } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { inviteLink } from './network.ts';
import { adminCallbacks } from './admin.callbacks.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { controlCallbacks } from './control.callbacks.ts';
import { pricePlanCallbacks } from './price-plans.callbacks.ts';

export const ADJUST_FLOW = 'admin-adjust';
export const PROMOTE_FLOW = 'admin-promote';
const PAGE_SIZE = 8;
const AUDIT_PAGE_SIZE = 10;
const PREVIEW_PAGE_SIZE = 15;

/** The month before `label`. */
const previousMonth = (label: string) => monthOf(new Date(parseMonth(label).start.getTime() - 1)).label;

/** Credit or debit a wallet: amount → reason → confirm (the button carries the idempotency key). */
async function adjustFlow(conversation: Flow, ctx: ConvContext, direction: string, accountId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin || (direction !== 'credit' && direction !== 'debit')) return;
  const target = await domainCall(conversation, async () => {
    const { account } = await accountOverview(ctx.deps.app.db, telegramActor(admin), accountId);
    return { name: account.name, currency: account.currency };
  });
  const asked = await askAmount(conversation, ctx, target.currency, direction === 'credit' ? 'admin-credit-amount' : 'admin-debit-amount');
  await asked.ctx.reply(asked.ctx.t('admin-adjust-reason'), { reply_markup: cancelKeyboard(asked.ctx) });
  const reason = await waitText(conversation);
  const key = await conversation.external(() => randomUUID());
  const keyboard = new InlineKeyboard()
    .text(reason.ctx.t('button-confirm'), adminCallbacks.confirmAdjustment.build({ action: 'ok', key }))
    .text(reason.ctx.t('button-cancel'), adminCallbacks.confirmAdjustment.build({ action: 'drop', key }));
  const vars = { amount: showMoney(asked.amount), name: target.name, reason: reason.text };
  await reason.ctx.reply(reason.ctx.t(direction === 'credit' ? 'admin-credit-confirm' : 'admin-debit-confirm', vars), { reply_markup: keyboard });
  const confirmation = await waitConfirmation(conversation, adminCallbacks.confirmAdjustment, key);
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const balance = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const input = { accountId, amount: asked.amount, reason: reason.text, idempotencyKey: key };
    // The domain tells the wallet's owner (wallet.adjusted, wallet.low_balance events).
    if (direction === 'credit') await creditWallet(app, telegramActor(admin), input);
    else await debitWallet(app, telegramActor(admin), input);
    // The adjustment moved money, so the account has a wallet.
    const after = (await accountOverview(app.db, telegramActor(admin), accountId)).balance!;
    return showMoney(after);
  });
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t(direction === 'credit' ? 'admin-credited' : 'admin-debited', { ...vars, balance }), {
    reply_markup: new InlineKeyboard().text(confirmation.ctx.t('button-back'), adminCallbacks.account.build({ accountId })),
  });
}

/** A promoted or demoted admin's chat gets the command menu of its rights now (a failure costs only the menu). */
async function refreshCommandMenu(ctx: BaseContext, account: Account): Promise<void> {
  if (account.telegramUserId === null) return;
  await setChatCommands(ctx.api, account.telegramUserId, account).catch((error: unknown) =>
    ctx.deps.app.logger.warn({ err: error }, 'the command menu of a chat was not set'),
  );
}

/** Promote: the admin types the new admin's numeric Telegram user id. */
async function promoteFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('admin-promote-ask'), { reply_markup: cancelKeyboard(ctx) });
  let answer = await waitText(conversation);
  while (!/^\d{1,19}$/.test(answer.text)) {
    await answer.ctx.reply(answer.ctx.t('admin-promote-invalid'), { reply_markup: cancelKeyboard(answer.ctx) });
    answer = await waitText(conversation);
  }
  const name = await domainCall(conversation, async () => {
    const promoted = await promoteAdmin(ctx.deps.app.db, telegramActor(admin), {
      telegramUserId: answer.text,
      currency: ctx.deps.app.config.SETTLEMENT_CURRENCY,
    });
    await refreshCommandMenu(ctx, promoted);
    return promoted.name;
  });
  await answer.ctx.reply(answer.ctx.t('admin-promoted', { name }), { reply_markup: backHome(answer.ctx) });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(adjustFlow, ADJUST_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(promoteFlow, PROMOTE_FLOW));
  return composer;
}

/** One page of accounts: the top level (parentId undefined) or an agent's sub-agents. */
async function showTree(ctx: BotContext, page: number, parentId: string | undefined, hintKey?: string): Promise<void> {
  const month = monthOf(new Date()).label;
  const { items, total } = await childSummaries(ctx.deps.app.db, telegramActor(ctx.user!.account), {
    month,
    offset: page * PAGE_SIZE,
    limit: PAGE_SIZE,
    ...(parentId ? { parentId } : {}),
  });
  const pageData = (to: number) => (parentId ? adminCallbacks.children.build({ parentId, page: to }) : adminCallbacks.tree.build({ page: to }));
  const keyboard = new InlineKeyboard();
  for (const item of items)
    keyboard.text(`${item.account.name} · ${showMoney(item.balance)}`, adminCallbacks.account.build({ accountId: item.account.id })).row();
  if (page > 0) keyboard.text(ctx.t('button-previous'), pageData(page - 1));
  if (total > (page + 1) * PAGE_SIZE) keyboard.text(ctx.t('button-next'), pageData(page + 1));
  newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
  const lines = items.map((item) =>
    ctx.t('network-line', { name: item.account.name, balance: showMoney(item.balance), sales: showMoney(item.monthSales), status: item.account.status }),
  );
  const title = ctx.t('admin-tree-title', { month, count: total });
  const hint = hintKey ? `${ctx.t(hintKey)}\n\n` : '';
  await ctx.editMessageText(`${hint}${title}\n\n${lines.length > 0 ? lines.join('\n') : ctx.t('admin-tree-empty')}`, { reply_markup: keyboard });
}

async function showAccount(ctx: BotContext, accountId: string): Promise<void> {
  const { account, balance } = await accountOverview(ctx.deps.app.db, telegramActor(ctx.user!.account), accountId);
  const keyboard = new InlineKeyboard();
  const balanceText = balance ? showMoney(balance) : '—';
  if (account.role !== 'admin') {
    keyboard
      .text(ctx.t('admin-credit'), adminCallbacks.adjustWallet.build({ direction: 'credit', accountId: account.id }))
      .text(ctx.t('admin-debit'), adminCallbacks.adjustWallet.build({ direction: 'debit', accountId: account.id }))
      .row();
  }
  keyboard.text(
    ctx.t(account.status === 'active' ? 'network-pause' : 'network-resume'),
    adminCallbacks.setStatus.build({ action: account.status === 'active' ? 'pause' : 'resume', accountId: account.id }),
  );
  if (account.role === 'agent' || account.role === 'partner')
    keyboard.text(ctx.t('admin-children'), adminCallbacks.children.build({ parentId: account.id, page: 0 }));
  if (account.role !== 'admin') {
    newRow(keyboard)
      .text(ctx.t('plan-give'), pricePlanCallbacks.assign.build({ accountId: account.id }))
      .text(ctx.t('limits-button'), controlCallbacks.limits.build({ accountId: account.id }));
  }
  const back = account.parentId ? adminCallbacks.children.build({ parentId: account.parentId, page: 0 }) : adminCallbacks.tree.build({ page: 0 });
  newRow(keyboard).text(ctx.t('button-back'), back);
  await ctx.editMessageText(ctx.t('admin-account', { name: account.name, role: account.role, status: account.status, balance: balanceText }), {
    reply_markup: keyboard,
  });
}

async function showClosePreview(ctx: BotContext, month: string, page = 0): Promise<void> {
  const preview = await previewRevenueShareMonth(ctx.deps.app.db, telegramActor(ctx.user!.account), month);
  const shown = preview.slice(page * PREVIEW_PAGE_SIZE, (page + 1) * PREVIEW_PAGE_SIZE);
  const lines = shown.map((row) => ctx.t('admin-close-line', { name: row.agentName, amount: showMoney(row.amount), paid: row.paid ? 'yes' : 'no' }));
  const keyboard = new InlineKeyboard();
  if (page > 0) keyboard.text(ctx.t('button-previous'), adminCallbacks.closePreview.build({ month, page: page - 1 }));
  if (preview.length > (page + 1) * PREVIEW_PAGE_SIZE) keyboard.text(ctx.t('button-next'), adminCallbacks.closePreview.build({ month, page: page + 1 }));
  if (preview.some((row) => !row.paid)) newRow(keyboard).text(ctx.t('admin-close-confirm'), adminCallbacks.closeConfirm.build({ month, confirm: 'ok' }));
  newRow(keyboard);
  keyboard
    .text(ctx.t('button-previous-month'), adminCallbacks.closePreview.build({ month: previousMonth(month) }))
    .text(ctx.t('button-menu'), basicsCallbacks.home.build());
  const body = lines.length > 0 ? lines.join('\n') : ctx.t('admin-close-nothing');
  await ctx.editMessageText(`${ctx.t('admin-close-title', { month })}\n\n${body}`, { reply_markup: keyboard });
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(adminCallbacks.tree.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showTree(ctx, adminCallbacks.tree.read(ctx.match).page, undefined);
  });
  admins.callbackQuery(adminCallbacks.children.pattern, async (ctx) => {
    const { parentId, page } = adminCallbacks.children.read(ctx.match);
    await ctx.answerCallbackQuery();
    await showTree(ctx, page, parentId);
  });
  admins.callbackQuery(adminCallbacks.adjust.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showTree(ctx, 0, undefined, 'admin-adjust-hint');
  });
  admins.callbackQuery(adminCallbacks.account.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showAccount(ctx, adminCallbacks.account.read(ctx.match).accountId);
  });
  admins.callbackQuery(adminCallbacks.setStatus.pattern, async (ctx) => {
    const { action, accountId } = adminCallbacks.setStatus.read(ctx.match);
    const status = action === 'pause' ? 'paused' : 'active';
    await setAccountStatus(ctx.deps.app.db, telegramActor(ctx.user!.account), accountId, status);
    await ctx.answerCallbackQuery({ text: ctx.t(status === 'paused' ? 'network-paused' : 'network-resumed') });
    await showAccount(ctx, accountId);
  });
  admins.callbackQuery(adminCallbacks.adjustWallet.pattern, async (ctx) => {
    const { direction, accountId } = adminCallbacks.adjustWallet.read(ctx.match);
    await enterFlow(ctx, ADJUST_FLOW, direction, accountId);
    await ctx.answerCallbackQuery();
  });

  admins.callbackQuery(adminCallbacks.invite.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const { token } = await createInvite(app.db, telegramActor(ctx.user!.account), { role: 'agent', currency: app.config.SETTLEMENT_CURRENCY });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('admin-invite-link', { link: inviteLink(ctx.me.username, token) }), { reply_markup: backHome(ctx) });
  });

  admins.callbackQuery(adminCallbacks.audit.pattern, async (ctx) => {
    const before = adminCallbacks.audit.read(ctx.match).beforeId;
    const rows = await queryAuditLog(ctx.deps.app.db, telegramActor(ctx.user!.account), {
      limit: AUDIT_PAGE_SIZE,
      ...(before ? { beforeId: BigInt(before) } : {}),
    });
    const lines = rows.map((row) =>
      ctx.t('admin-audit-line', {
        at: row.at.toISOString().slice(0, 16).replace('T', ' '),
        action: row.action,
        subject: row.subject_type,
        channel: row.channel,
      }),
    );
    const keyboard = new InlineKeyboard();
    if (rows.length === AUDIT_PAGE_SIZE) keyboard.text(ctx.t('button-older'), adminCallbacks.audit.build({ beforeId: String(rows.at(-1)!.id) }));
    keyboard.text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`${ctx.t('admin-audit-title')}\n\n${lines.join('\n') || ctx.t('admin-audit-empty')}`, { reply_markup: keyboard });
  });

  admins.callbackQuery(adminCallbacks.closeLastMonth.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showClosePreview(ctx, previousMonth(monthOf(new Date()).label));
  });
  admins.callbackQuery(adminCallbacks.closePreview.pattern, async (ctx) => {
    const { month, page } = adminCallbacks.closePreview.read(ctx.match);
    await ctx.answerCallbackQuery();
    await showClosePreview(ctx, month, page ?? 0);
  });
  // Safe to press twice: each agent's payout is keyed by (agent, month) in the ledger.
  admins.callbackQuery(adminCallbacks.closeConfirm.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const { month } = adminCallbacks.closeConfirm.read(ctx.match);
    // Each agent paid hears of it through the payout's `revenue_share.paid` event.
    const payouts = await closeRevenueShareMonth(app, telegramActor(ctx.user!.account), month);
    const fresh = payouts.filter((payout) => !payout.alreadyPaid);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('admin-closed', { month, count: fresh.length }), { reply_markup: backHome(ctx) });
  });

  admins.callbackQuery(adminCallbacks.admins.pattern, async (ctx) => {
    const page = adminCallbacks.admins.read(ctx.match).page ?? 0;
    const all = await listAdmins(ctx.deps.app.db, telegramActor(ctx.user!.account));
    const shown = all.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const lines = shown.map((admin) => ctx.t('admin-admin-line', { name: admin.name, status: admin.status }));
    const keyboard = new InlineKeyboard();
    for (const admin of shown) {
      if (admin.status === 'active' && admin.id !== ctx.user!.account.id)
        keyboard.text(ctx.t('admin-demote', { name: admin.name }), adminCallbacks.demote.build({ adminId: admin.id })).row();
    }
    if (page > 0) keyboard.text(ctx.t('button-previous'), adminCallbacks.admins.build({ page: page - 1 }));
    if (all.length > (page + 1) * PAGE_SIZE) keyboard.text(ctx.t('button-next'), adminCallbacks.admins.build({ page: page + 1 }));
    newRow(keyboard).text(ctx.t('admin-promote'), adminCallbacks.promote.build()).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`${ctx.t('admin-admins-title')}\n\n${lines.join('\n')}`, { reply_markup: keyboard });
  });
  admins.callbackQuery(adminCallbacks.demote.pattern, async (ctx) => {
    const demoted = await demoteAdmin(ctx.deps.app.db, telegramActor(ctx.user!.account), adminCallbacks.demote.read(ctx.match).adminId);
    await refreshCommandMenu(ctx, demoted);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('admin-demoted', { name: demoted.name }), { reply_markup: backHome(ctx) });
  });
  admins.callbackQuery(adminCallbacks.promote.pattern, async (ctx) => {
    await enterFlow(ctx, PROMOTE_FLOW);
    await ctx.answerCallbackQuery();
  });

  // A demoted admin (role admin, paused) pressing an old admin button is told why and shown nothing.
  // Every admin feature's handlers skip it (isActiveAdmin), so any of its buttons ends here.
  feature
    .filter((ctx) => isRole(ctx, 'admin') && !isActiveAdmin(ctx))
    .on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('error-account-paused'), show_alert: true }));

  return feature;
}

export const adminFeature: Feature = { flows, handlers };
