// Top-ups (docs/product.md#top-ups-and-allocation). Agent: amount → proof (photo or reference) → summary → send (or a photo
// sent outside any flow, its caption the amount → summary → send); every admin gets
// the request with the proof and Approve / Reject buttons. The request id in those buttons is the
// idempotency key: approving credits the wallet with the ledger key `topup:<id>` after a
// conditional update, so a double tap or a second admin moves money once.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { accountOverview } from '#src/domain/accounts/listing.ts';
import {
  approveTopup,
  assertMayRequestTopup,
  createTopupRequest,
  getTopupRequest,
  listPendingTopups,
  rejectTopup,
  type TopupProof,
} from '#src/domain/funding/topups.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, askAmount, waitConfirmation, waitText, domainCall, type Flow } from '../flows.ts';
import { money, type Money } from '#src/shared/money.ts';
import { enterFlow, isActiveAdmin, isRole, parseAmount, showMoney, telegramActor, newRow } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { topupCallbacks } from './topup.callbacks.ts';

export const TOPUP_FLOW = 'topup';
export const TOPUP_REJECT_FLOW = 'topup-reject';
const PAGE_SIZE = 8;

/** What an admin reads about a request (vars of `topup-admin-request`): in the view here and in the new-request message (bot/event-messages.ts). */
export function topupRequestVars(request: { amount: Money; proof: { kind: 'photo' | 'reference'; value: string }; duplicate: boolean }, agentName: string) {
  return {
    name: agentName,
    amount: showMoney(request.amount),
    proof: request.proof.kind === 'reference' ? request.proof.value : '📷',
    duplicate: request.duplicate ? 'yes' : 'no',
  };
}

/**
 * The agent's top-up. Started from the menu it asks the amount, then the proof. Started by a photo
 * sent outside any flow (`photoFileId`), that photo is the proof: it asks only the amount, or
 * nothing when the photo's caption was one (`presetAmount`, minor units): straight to the summary.
 */
async function topupFlow(conversation: Flow, ctx: ConvContext, photoFileId = '', photoUniqueId = '', presetAmount = ''): Promise<void> {
  const account = ctx.user?.account;
  if (!account) return;
  const givenPhoto: TopupProof | undefined = photoFileId ? { kind: 'photo', fileId: photoFileId, fileUniqueId: photoUniqueId } : undefined;
  const asked = presetAmount
    ? { ctx, amount: money(BigInt(presetAmount), account.currency) }
    : await askAmount(conversation, ctx, account.currency, givenPhoto ? 'topup-photo-ask-amount' : 'topup-ask-amount');
  let proofCtx = asked.ctx;
  let proof: TopupProof;
  if (givenPhoto) {
    proof = givenPhoto;
  } else {
    await asked.ctx.reply(asked.ctx.t('topup-ask-proof'), { reply_markup: cancelKeyboard(asked.ctx) });
    const proofMessage = await conversation.waitFor(['message:photo', 'message:text'], {
      otherwise: async (other) => {
        if (other.message) await other.reply(other.t('topup-ask-proof'));
      },
      next: true,
    });
    const photo = proofMessage.message.photo?.at(-1); // the largest size
    proof = photo ? { kind: 'photo', fileId: photo.file_id, fileUniqueId: photo.file_unique_id } : { kind: 'reference', text: proofMessage.message.text ?? '' };
    proofCtx = proofMessage;
  }

  const key = await conversation.external(() => randomUUID());
  const summary = new InlineKeyboard()
    .text(proofCtx.t('topup-send'), topupCallbacks.confirm.build({ action: 'send', key }))
    .text(proofCtx.t('button-cancel'), topupCallbacks.confirm.build({ action: 'drop', key }));
  await proofCtx.reply(proofCtx.t('topup-summary', { amount: showMoney(asked.amount), proof: proof.kind === 'photo' ? '📷' : proof.text }), {
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
    // The admins hear of it through the request's `topup.requested` event (bot/event-messages.ts).
    const request = await createTopupRequest(app, telegramActor(account), { amount: asked.amount, proof });
    return showMoney(request.amount);
  });
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('topup-sent', { amount: amountText }), { reply_markup: backHome(confirmation.ctx) });
}

/** `requestMessageId`: the request message whose Reject was pressed; it loses its buttons once decided (0: none). */
async function rejectFlow(conversation: Flow, ctx: ConvContext, requestId: string, requestMessageId: number): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('topup-ask-reason'), { reply_markup: cancelKeyboard(ctx) });
  const answer = await waitText(conversation);
  const amountText = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const rejected = await rejectTopup(app, telegramActor(admin), requestId, answer.text);
    return showMoney(rejected.amount);
  });
  // The decision is made: no more buttons on the request, as after an approval (a message too old to edit keeps them).
  if (requestMessageId > 0) await answer.ctx.api.editMessageReplyMarkup(answer.ctx.chat!.id, requestMessageId).catch(() => undefined);
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
    // Refused before the flow asks anything (a button from before the rule, or forged); the domain refuses it again at the end.
    assertMayRequestTopup(ctx.user!.account);
    await enterFlow(ctx, TOPUP_FLOW);
    await ctx.answerCallbackQuery();
  });

  // A photo sent outside any flow is most likely a payment proof: a top-up starts with it (asking
  // only the amount, or nothing when the caption is one: "100", "100 USD").
  agents.on('message:photo', async (ctx, next) => {
    if (Object.keys(ctx.conversation.active()).length > 0) return next();
    const photo = ctx.message.photo.at(-1)!; // the largest size
    const { currency } = ctx.user!.account;
    const caption = (ctx.message.caption ?? '').replace(new RegExp(`\\b${currency}\\b`, 'i'), '').trim();
    const amount = caption ? parseAmount(caption, currency) : undefined;
    await enterFlow(ctx, TOPUP_FLOW, photo.file_id, photo.file_unique_id, amount ? String(amount.amount) : '');
  });

  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(topupCallbacks.approve.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const admin = telegramActor(ctx.user!.account);
    // The agent hears of it through the decision's `topup.decided` event.
    const approved = await approveTopup(app, admin, topupCallbacks.approve.read(ctx.match).requestId);
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup(); // the decision is made: no more buttons on this request
    await ctx.reply(ctx.t('topup-approved-admin', { amount: showMoney(approved.amount) }), { reply_markup: backHome(ctx) });
  });

  admins.callbackQuery(topupCallbacks.reject.pattern, async (ctx) => {
    const request = await getTopupRequest(ctx.deps.app.db, telegramActor(ctx.user!.account), topupCallbacks.reject.read(ctx.match).requestId);
    if (request.status !== 'pending') return ctx.answerCallbackQuery({ text: ctx.t('error-topup-already-decided'), show_alert: true });
    await enterFlow(ctx, TOPUP_REJECT_FLOW, request.id, ctx.callbackQuery.message?.message_id ?? 0);
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
    const text = ctx.t('topup-admin-request', topupRequestVars({ ...request, duplicate: request.duplicateOf !== null }, agent.name));
    const keyboard = new InlineKeyboard()
      .text(ctx.t('topup-approve'), topupCallbacks.approve.build({ requestId: request.id }))
      .text(ctx.t('topup-reject'), topupCallbacks.reject.build({ requestId: request.id }));
    if (request.proof.kind === 'photo') await ctx.replyWithPhoto(request.proof.value, { caption: text, reply_markup: keyboard });
    else await ctx.reply(text, { reply_markup: keyboard });
  });

  return feature;
}

export const topupFeature: Feature = { flows, handlers };
