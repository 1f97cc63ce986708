// Admin: partner self-service signups (docs/signup.md). "New signups" in the admin menu lists the
// pending ones (paged, oldest first) → one signup (company, email, use case, stage) with Approve /
// Reject; Reject offers a few reasons as buttons (no typing, so no conversation). The domain checks
// admin rights, decides once, revokes keys on rejection and audits.
import { Composer, InlineKeyboard } from 'grammy';
import { approveSignup, listSignups, rejectSignup, viewSignup, type PartnerSignup } from '#src/domain/signups/signups.ts';
import { isDomainError } from '#src/shared/errors.ts';
import type { BotContext } from '../context.ts';
import { isActiveAdmin, newRow, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { signupCallbacks } from './signups.callbacks.ts';

export const SIGNUP_PAGE_SIZE = 6;
/** The rejection reasons offered as buttons (`signup-reason-<n>` in the locale files). */
export const REJECT_REASONS = 3;

const day = (date: Date) => date.toISOString().slice(0, 10);

function signupText(ctx: BotContext, signup: PartnerSignup): string {
  return ctx.t('signup-detail', {
    company: signup.companyName,
    email: signup.email,
    useCase: signup.useCase,
    day: day(signup.signedUpAt),
    stage: ctx.t(`signup-stage-${signup.stage.replaceAll('_', '-')}`),
    status: signup.status,
  });
}

async function showPending(ctx: BotContext, page: number): Promise<void> {
  const { items, nextCursor } = await listSignups(ctx.deps.app.db, telegramActor(ctx.user!.account), {
    status: 'pending',
    offset: page * SIGNUP_PAGE_SIZE,
    limit: SIGNUP_PAGE_SIZE,
  });
  const keyboard = new InlineKeyboard();
  for (const signup of items) keyboard.text(`${signup.companyName} · ${signup.email}`, signupCallbacks.view.build({ accountId: signup.accountId })).row();
  if (page > 0) keyboard.text(ctx.t('button-previous'), signupCallbacks.list.build({ page: page - 1 }));
  if (nextCursor !== null) keyboard.text(ctx.t('button-next'), signupCallbacks.list.build({ page: page + 1 }));
  newRow(keyboard).text(ctx.t('button-menu'), basicsCallbacks.home.build());
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t(items.length > 0 || page > 0 ? 'signups-title' : 'signups-none'), { reply_markup: keyboard });
}

/** Runs a decision; a signup already decided (by another admin, or a double tap) is answered, not an error. */
async function decide(ctx: BotContext, run: () => Promise<PartnerSignup>, doneKey: string, vars: Record<string, string> = {}): Promise<void> {
  let signup: PartnerSignup;
  try {
    signup = await run();
  } catch (error) {
    if (!isDomainError(error, 'signup_already_decided') && !isDomainError(error, 'signup_not_found')) throw error;
    await ctx.answerCallbackQuery({ text: ctx.t('signup-already-decided'), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t(doneKey, { company: signup.companyName, ...vars }), {
    reply_markup: new InlineKeyboard().text(ctx.t('button-back'), signupCallbacks.list.build({ page: 0 })),
  });
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(signupCallbacks.open.pattern, (ctx) => showPending(ctx, 0));
  admins.callbackQuery(signupCallbacks.list.pattern, (ctx) => showPending(ctx, signupCallbacks.list.read(ctx.match).page));

  admins.callbackQuery(signupCallbacks.view.pattern, async (ctx) => {
    const signup = await viewSignup(ctx.deps.app.db, telegramActor(ctx.user!.account), signupCallbacks.view.read(ctx.match).accountId);
    if (!signup) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    const keyboard = new InlineKeyboard();
    if (signup.status === 'pending') {
      const { accountId } = signup;
      keyboard
        .text(ctx.t('signup-approve'), signupCallbacks.approve.build({ accountId }))
        .text(ctx.t('signup-reject'), signupCallbacks.reject.build({ accountId }))
        .row();
    }
    keyboard.text(ctx.t('button-back'), signupCallbacks.list.build({ page: 0 }));
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(signupText(ctx, signup), { reply_markup: keyboard });
  });

  admins.callbackQuery(signupCallbacks.approve.pattern, async (ctx) => {
    const { accountId } = signupCallbacks.approve.read(ctx.match);
    await decide(ctx, () => approveSignup(ctx.deps.app, telegramActor(ctx.user!.account), accountId), 'signup-approved');
  });

  // Reject: pick a reason first.
  admins.callbackQuery(signupCallbacks.reject.pattern, async (ctx) => {
    const { accountId } = signupCallbacks.reject.read(ctx.match);
    const keyboard = new InlineKeyboard();
    for (let index = 0; index < REJECT_REASONS; index += 1)
      keyboard.text(ctx.t(`signup-reason-${index}`), signupCallbacks.rejectWithReason.build({ accountId, reason: index })).row();
    keyboard.text(ctx.t('button-back'), signupCallbacks.view.build({ accountId }));
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('signup-reject-why'), { reply_markup: keyboard });
  });

  admins.callbackQuery(signupCallbacks.rejectWithReason.pattern, async (ctx) => {
    const { accountId, reason: index } = signupCallbacks.rejectWithReason.read(ctx.match);
    if (index >= REJECT_REASONS) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    const reason = ctx.t(`signup-reason-${index}`);
    await decide(ctx, async () => (await rejectSignup(ctx.deps.app, telegramActor(ctx.user!.account), accountId, reason)).signup, 'signup-rejected', {
      reason,
    });
  });

  return feature;
}

export const signupsFeature: Feature = { flows: () => new Composer<BotContext>(), handlers };
