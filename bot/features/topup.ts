// Top-ups (docs/product.md#top-ups-and-allocation). Agent: amount → proof (photo or reference) → summary → send; every admin gets
// the request with the proof and Approve / Reject buttons. The request id in those buttons is the
// idempotency key: approving credits the wallet with the ledger key `topup:<id>` after a
// conditional update, so a double tap or a second admin moves money once.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { telegramAdmins } from '#src/domain/accounts/language.ts';
import { accountOverview } from '#src/domain/accounts/listing.ts';
import {
  approveTopup,
  createTopupRequest,
  getTopupRequest,
  listPendingTopups,
  rejectTopup,
  type TopupProof,
  type TopupRequest,
} from '#src/domain/funding/topups.ts';
import type { AppContext } from '#src/context.ts';
import { notify, recipientOf } from '#src/notifications/notify.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, askAmount, waitConfirmation, waitText, domainCall, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, isRole, showMoney, telegramActor, newRow } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { topupCallbacks } from './topup.callbacks.ts';

export const TOPUP_FLOW = 'topup';
export const TOPUP_REJECT_FLOW = 'topup-reject';
const PAGE_SIZE = 8;

/** The Approve / Reject buttons of a request (as notification buttons: text keys, not texts). */
const decisionButtons = (requestId: string) => [
  [
    { text: { key: 'topup-approve', vars: {} }, callbackData: topupCallbacks.approve.build({ requestId }) },
    { text: { key: 'topup-reject', vars: {} }, callbackData: topupCallbacks.reject.build({ requestId }) },
  ],
];

/** What an admin reads about a request (vars of `topup-admin-request`). */
function requestVars(request: TopupRequest, agentName: string): Record<string, string> {
  return {
    name: agentName,
    amount: showMoney(request.amount),
    proof: request.proof.kind === 'reference' ? request.proof.value : '📷',
    duplicate: request.duplicateOf ? 'yes' : 'no',
  };
}

/** Tells every admin (in their language) about a new request, the proof photo attached. */
async function notifyAdmins(app: AppContext, request: TopupRequest, agentName: string): Promise<void> {
  for (const admin of await telegramAdmins(app.db)) {
    await notify(app, admin, {
      text: { key: 'topup-admin-request', vars: requestVars(request, agentName) },
      buttons: decisionButtons(request.id),
      ...(request.proof.kind === 'photo' ? { photo: request.proof.value } : {}),
    });
  }
}

async function topupFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const account = ctx.user?.account;
  if (!account) return;
  const asked = await askAmount(conversation, ctx, account.currency, 'topup-ask-amount');
  await asked.ctx.reply(asked.ctx.t('topup-ask-proof'), { reply_markup: cancelKeyboard(asked.ctx) });
  const proofMessage = await conversation.waitFor(['message:photo', 'message:text'], {
    otherwise: async (other) => {
      if (other.message) await other.reply(other.t('topup-ask-proof'));
    },
    next: true,
  });
  const photo = proofMessage.message.photo?.at(-1); // the largest size
  const proof: TopupProof = photo
    ? { kind: 'photo', fileId: photo.file_id, fileUniqueId: photo.file_unique_id }
    : { kind: 'reference', text: proofMessage.message.text ?? '' };

  const key = await conversation.external(() => randomUUID());
  const summary = new InlineKeyboard()
    .text(proofMessage.t('topup-send'), topupCallbacks.confirm.build({ action: 'send', key }))
    .text(proofMessage.t('button-cancel'), topupCallbacks.confirm.build({ action: 'drop', key }));
  await proofMessage.reply(proofMessage.t('topup-summary', { amount: showMoney(asked.amount), proof: proof.kind === 'photo' ? '📷' : proof.text }), {
    reply_markup: summary,
  });
  const confirmation = await waitConfirmation(conversation, topupCallbacks.confirm, key);
  if (confirmation.action !== 'send') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const amountText = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const request = await createTopupRequest(app.db, telegramActor(account), { amount: asked.amount, proof });
    await notifyAdmins(app, request, account.name);
    return showMoney(request.amount);
  });
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('topup-sent', { amount: amountText }), { reply_markup: backHome(confirmation.ctx) });
}

async function rejectFlow(conversation: Flow, ctx: ConvContext, requestId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('topup-ask-reason'), { reply_markup: cancelKeyboard(ctx) });
  const answer = await waitText(conversation);
  const amountText = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const rejected = await rejectTopup(app.db, telegramActor(admin), requestId, answer.text);
    const agent = await recipientOf(app, rejected.accountId);
    if (agent) await notify(app, agent, { text: { key: 'topup-rejected', vars: { amount: showMoney(rejected.amount), reason: answer.text } } });
    return showMoney(rejected.amount);
  });
  await answer.ctx.reply(answer.ctx.t('topup-rejected-admin', { amount: amountText }), { reply_markup: backHome(answer.ctx) });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(topupFlow, TOPUP_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(rejectFlow, TOPUP_REJECT_FLOW));
  return composer;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  const agents = feature.filter((ctx) => isRole(ctx, 'agent'));
  agents.callbackQuery(topupCallbacks.start.pattern, async (ctx) => {
    await enterFlow(ctx, TOPUP_FLOW);
    await ctx.answerCallbackQuery();
  });

  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(topupCallbacks.approve.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const admin = telegramActor(ctx.user!.account);
    const approved = await approveTopup(app.db, admin, topupCallbacks.approve.read(ctx.match).requestId);
    const agent = await recipientOf(app, approved.accountId);
    if (agent) {
      // Just credited, so the agent's wallet has a balance.
      const { balance } = await accountOverview(app.db, admin, approved.accountId);
      await notify(app, agent, { text: { key: 'topup-approved', vars: { amount: showMoney(approved.amount), balance: showMoney(balance!) } } });
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup(); // the decision is made: no more buttons on this request
    await ctx.reply(ctx.t('topup-approved-admin', { amount: showMoney(approved.amount) }), { reply_markup: backHome(ctx) });
  });

  admins.callbackQuery(topupCallbacks.reject.pattern, async (ctx) => {
    const request = await getTopupRequest(ctx.deps.app.db, telegramActor(ctx.user!.account), topupCallbacks.reject.read(ctx.match).requestId);
    if (request.status !== 'pending') return ctx.answerCallbackQuery({ text: ctx.t('error-topup-already-decided'), show_alert: true });
    await enterFlow(ctx, TOPUP_REJECT_FLOW, request.id);
    await ctx.answerCallbackQuery();
  });

  // The pending queue, oldest first, a page at a time; a request opens with its proof and buttons.
  admins.callbackQuery(topupCallbacks.pending.pattern, async (ctx) => {
    const page = topupCallbacks.pending.read(ctx.match).page ?? 0;
    const admin = telegramActor(ctx.user!.account);
    const pending = await listPendingTopups(ctx.deps.app.db, admin, (page + 1) * PAGE_SIZE + 1);
    const shown = pending.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const keyboard = new InlineKeyboard();
    for (const request of shown) {
      const { account: agent } = await accountOverview(ctx.deps.app.db, admin, request.accountId);
      keyboard.text(`${showMoney(request.amount)} · ${agent.name}`, topupCallbacks.view.build({ requestId: request.id })).row();
    }
    if (page > 0) keyboard.text(ctx.t('button-previous'), topupCallbacks.pending.build({ page: page - 1 }));
    if (pending.length > (page + 1) * PAGE_SIZE) keyboard.text(ctx.t('button-next'), topupCallbacks.pending.build({ page: page + 1 }));
    newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t(shown.length > 0 ? 'topup-pending-title' : 'topup-pending-none'), { reply_markup: keyboard });
  });

  admins.callbackQuery(topupCallbacks.view.pattern, async (ctx) => {
    const admin = telegramActor(ctx.user!.account);
    const request = await getTopupRequest(ctx.deps.app.db, admin, topupCallbacks.view.read(ctx.match).requestId);
    const { account: agent } = await accountOverview(ctx.deps.app.db, admin, request.accountId);
    await ctx.answerCallbackQuery();
    if (request.status !== 'pending') return ctx.reply(ctx.t('error-topup-already-decided'));
    const text = ctx.t('topup-admin-request', requestVars(request, agent.name));
    const keyboard = new InlineKeyboard()
      .text(ctx.t('topup-approve'), topupCallbacks.approve.build({ requestId: request.id }))
      .text(ctx.t('topup-reject'), topupCallbacks.reject.build({ requestId: request.id }));
    if (request.proof.kind === 'photo') await ctx.replyWithPhoto(request.proof.value, { caption: text, reply_markup: keyboard });
    else await ctx.reply(text, { reply_markup: keyboard });
  });

  return feature;
}

export const topupFeature: Feature = { flows, handlers };
