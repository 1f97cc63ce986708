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
import { HOME } from './menus.ts';
import { UUID_PATTERN } from '#src/shared/ids.ts';

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
  for (const signup of items) keyboard.text(`${signup.companyName} · ${signup.email}`, `sg:view:${signup.accountId}`).row();
  if (page > 0) keyboard.text(ctx.t('button-previous'), `sg:list:${page - 1}`);
  if (nextCursor !== null) keyboard.text(ctx.t('button-next'), `sg:list:${page + 1}`);
  newRow(keyboard).text(ctx.t('button-menu'), HOME);
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
    reply_markup: new InlineKeyboard().text(ctx.t('button-back'), 'sg:list:0'),
  });
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery('adm:signups', (ctx) => showPending(ctx, 0));
  admins.callbackQuery(/^sg:list:(\d{1,4})$/, (ctx) => showPending(ctx, Number(ctx.match[1])));

  admins.callbackQuery(new RegExp(`^sg:view:(${UUID_PATTERN})$`), async (ctx) => {
    const signup = await viewSignup(ctx.deps.app.db, telegramActor(ctx.user!.account), ctx.match[1] as string);
    if (!signup) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    const keyboard = new InlineKeyboard();
    if (signup.status === 'pending') keyboard.text(ctx.t('signup-approve'), `sg:ok:${signup.accountId}`).text(ctx.t('signup-reject'), `sg:no:${signup.accountId}`).row();
    keyboard.text(ctx.t('button-back'), 'sg:list:0');
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(signupText(ctx, signup), { reply_markup: keyboard });
  });

  admins.callbackQuery(new RegExp(`^sg:ok:(${UUID_PATTERN})$`), async (ctx) => {
    const accountId = ctx.match[1] as string;
    await decide(ctx, () => approveSignup(ctx.deps.app.db, telegramActor(ctx.user!.account), accountId), 'signup-approved');
  });

  // Reject: pick a reason first.
  admins.callbackQuery(new RegExp(`^sg:no:(${UUID_PATTERN})$`), async (ctx) => {
    const accountId = ctx.match[1] as string;
    const keyboard = new InlineKeyboard();
    for (let index = 0; index < REJECT_REASONS; index += 1) keyboard.text(ctx.t(`signup-reason-${index}`), `sg:rj:${accountId}:${index}`).row();
    keyboard.text(ctx.t('button-back'), `sg:view:${accountId}`);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('signup-reject-why'), { reply_markup: keyboard });
  });

  admins.callbackQuery(new RegExp(`^sg:rj:(${UUID_PATTERN}):(\\d)$`), async (ctx) => {
    const accountId = ctx.match[1] as string;
    const index = Number(ctx.match[2]);
    if (index >= REJECT_REASONS) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    const reason = ctx.t(`signup-reason-${index}`);
    await decide(ctx, async () => (await rejectSignup(ctx.deps.app.db, telegramActor(ctx.user!.account), accountId, reason)).signup, 'signup-rejected', { reason });
  });

  return feature;
}

export const signupsFeature: Feature = { flows: () => new Composer<BotContext>(), handlers };
