// Building blocks of the conversations (multi-step flows). Replay rules (conversations v2): every
// DB, Redis or clock call goes through `conversation.external`; Bot API calls on the inside ctx do not.
// Waiting steps pass updates they do not want on (`next: true`), so menu buttons keep working; a
// menu that starts another flow leaves this one first (enterFlow). A conversation is keyed by chat
// and user (index.ts), so a waiting step only ever sees updates of the user who started the flow.
import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import { isErrorCode } from '#src/shared/error-codes.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import type { Money } from '#src/shared/money.ts';
import { safeText } from '#src/shared/text.ts';
import { anyOf, type Callback } from './callback-data.ts';
import type { BotContext, ConvContext } from './context.ts';
import { basicsCallbacks } from './features/basics.callbacks.ts';
import { parseAmount } from './helpers.ts';

export type Flow = Conversation<BotContext, ConvContext>;

export const cancelKeyboard = (ctx: ConvContext) => new InlineKeyboard().text(ctx.t('button-cancel'), basicsCallbacks.cancelFlow.build());

/** Only plain messages get the reminder; buttons and commands go on to the menus. */
const remind =
  (key: string, vars: Record<string, string> = {}) =>
  async (ctx: ConvContext) => {
    if (ctx.message && !ctx.message.text?.startsWith('/')) await ctx.reply(ctx.t(key, vars));
  };

/** The reminder of a step that waits for a button (a `waitUntil` of its own passes it as `otherwise`). */
export const remindButton = remind('flow-expect-button');

/**
 * Waits for a text message; anything else is reminded (messages) or passed on (buttons, commands).
 * Text nothing can store (NUL, lone surrogates: the shared safeText rule) is asked again.
 */
export async function waitText(conversation: Flow, reminderKey = 'flow-expect-text'): Promise<{ ctx: ConvContext; text: string }> {
  for (;;) {
    const answer = await conversation.waitFor('message:text', { otherwise: remind(reminderKey), next: true });
    const text = safeText().safeParse(answer.message.text.trim());
    if (text.success) return { ctx: answer, text: text.data };
    await answer.reply(answer.t('flow-text-unreadable'), { reply_markup: cancelKeyboard(answer) });
  }
}

/** Asks until a positive amount in `currency` is typed (with the currency's decimals). */
export async function askAmount(conversation: Flow, ctx: ConvContext, currency: string, promptKey: string): Promise<{ ctx: ConvContext; amount: Money }> {
  await ctx.reply(ctx.t(promptKey, { currency }), { reply_markup: cancelKeyboard(ctx) });
  for (;;) {
    const answer = await waitText(conversation);
    const amount = parseAmount(answer.text, currency);
    if (amount) return { ctx: answer.ctx, amount };
    await answer.ctx.reply(answer.ctx.t('flow-amount-invalid', { currency }), { reply_markup: cancelKeyboard(answer.ctx) });
  }
}

/** The buttons ending a flow (`defineCallback(prefix, { action: field.oneOf(…), key: field.uuid })`). */
interface ConfirmButtons<A extends string> {
  matching(fixed: { key: string }): RegExp;
  read(data: string): { action: A };
}

/**
 * Waits for a press on a confirmation (`<prefix>:<action>:<key>`) carrying this flow's `key`. The
 * caller answers the callback query after acting, so a refusal can still answer it with an alert.
 */
export async function waitConfirmation<A extends string>(
  conversation: Flow,
  confirm: ConfirmButtons<A>,
  key: string,
): Promise<{ ctx: ConvContext; action: A }> {
  const answer = await conversation.waitForCallbackQuery(confirm.matching({ key }), { otherwise: remindButton, next: true });
  return { ctx: answer, action: confirm.read(answer.callbackQuery.data).action };
}

/** Waits for a press on one of `buttons` (a choice in a list, a page of it); the caller answers it. */
export async function waitButton(conversation: Flow, ...buttons: Callback<any>[]): Promise<{ ctx: ConvContext; data: string }> {
  const answer = await conversation.waitForCallbackQuery(anyOf(...buttons), { otherwise: remindButton, next: true });
  return { ctx: answer, data: answer.callbackQuery.data };
}

/**
 * `conversation.external` for domain calls. Results are stored and structured-cloned, which turns a
 * DomainError into a plain Error; this keeps its code so the refusal reaches the user as a message.
 */
export function domainCall<T>(conversation: Flow, task: () => Promise<T>): Promise<T> {
  return conversation.external({
    task,
    beforeStoreError: (error: unknown) =>
      isDomainError(error) ? { domainError: { code: error.code, message: error.message, details: error.details } } : error,
    afterLoadError: (stored: unknown) => {
      const domain = (stored as { domainError?: { code: string; message: string; details: Record<string, unknown> } } | null)?.domainError;
      if (!domain) return stored;
      // A code stored before a deploy that removed it from the registry is a plain failure now.
      return isErrorCode(domain.code) ? new DomainError(domain.code, domain.message, domain.details) : new Error(domain.message);
    },
  });
}
