// Admin: price plans (docs/product.md#pricing-and-revenue-share) in the bot. The plans list → one plan (default discount, per-product
// discounts, where it applies) with buttons to set a product discount, make it the default of a
// role; a new plan (name → default discount); and from an account's screen, give it a plan.
// Discounts are typed in percent (5, 2.5, or -3 for a markup) and stored in basis points; the
// domain functions check admin rights, validate and audit.
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { accountOverview } from '#src/domain/accounts/listing.ts';
import { assignPricePlan, createPricePlan, listPricePlans, setProductDiscount, type PricePlanOverview } from '#src/domain/pricing/pricing.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, waitButton, waitText, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, newRow, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { adminCallbacks } from './admin.callbacks.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { pricePlanCallbacks } from './price-plans.callbacks.ts';

export const PLAN_NEW_FLOW = 'price-plan-new';
export const PLAN_DISCOUNT_FLOW = 'price-plan-discount';
export const PLAN_ASSIGN_FLOW = 'price-plan-assign';

/** "5", "2.5", "-3" (percent, at most two decimals) → basis points; undefined when not one. */
export function parsePercent(text: string): number | undefined {
  const match = /^(-?)(\d{1,2})(?:[.,](\d{1,2}))?\s*%?$/.exec(text.trim());
  if (!match) return undefined;
  const bps = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -bps : bps;
}

const percent = (bps: number) => `${(bps / 100).toFixed(2).replace(/\.?0+$/, '')}%`;

/** Plans per page in the plans list and in the plan picker. */
export const PLAN_PAGE_SIZE = 8;

/** One page of plan buttons (`button(index)` for each) with previous/next (`pageData(page)`). */
function planPage(
  keyboard: InlineKeyboard,
  ctx: { t: BotContext['t'] },
  labels: readonly string[],
  page: number,
  button: (index: number) => string,
  pageData: (page: number) => string,
): InlineKeyboard {
  const start = page * PLAN_PAGE_SIZE;
  labels.slice(start, start + PLAN_PAGE_SIZE).forEach((label, offset) => keyboard.text(label, button(start + offset)).row());
  if (page > 0) keyboard.text(ctx.t('button-previous'), pageData(page - 1));
  if (labels.length > start + PLAN_PAGE_SIZE) keyboard.text(ctx.t('button-next'), pageData(page + 1));
  return newRow(keyboard);
}

function planText(ctx: BotContext, plan: PricePlanOverview): string {
  const lines = [
    ctx.t('plan-detail', { name: plan.name, discount: percent(plan.defaultDiscountBps), roles: plan.roles.join(', ') || '—', accounts: plan.accounts }),
  ];
  for (const discount of plan.discounts) lines.push(ctx.t('plan-product-line', { product: discount.productId, discount: percent(discount.discountBps) }));
  return lines.join('\n');
}

async function newPlanFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('plan-ask-name'), { reply_markup: cancelKeyboard(ctx) });
  const name = await waitText(conversation);
  await name.ctx.reply(name.ctx.t('plan-ask-default'), { reply_markup: cancelKeyboard(name.ctx) });
  for (;;) {
    const answer = await waitText(conversation);
    const bps = parsePercent(answer.text);
    if (bps === undefined) {
      await answer.ctx.reply(answer.ctx.t('plan-percent-invalid'), { reply_markup: cancelKeyboard(answer.ctx) });
      continue;
    }
    const planId = await domainCall(
      conversation,
      async () => (await createPricePlan(ctx.deps.app.db, telegramActor(admin), { name: name.text, defaultDiscountBps: bps })).id,
    );
    await answer.ctx.reply(answer.ctx.t('plan-created', { name: name.text, discount: percent(bps) }), {
      reply_markup: new InlineKeyboard().text(answer.ctx.t('plan-open'), pricePlanCallbacks.view.build({ planId })),
    });
    return;
  }
}

async function discountFlow(conversation: Flow, ctx: ConvContext, planId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('plan-ask-discount'), { reply_markup: cancelKeyboard(ctx) });
  for (;;) {
    const answer = await waitText(conversation);
    const match = /^(\d{1,18})\s+(\S+)$/.exec(answer.text);
    const bps = match?.[2] === '-' ? null : match ? parsePercent(match[2] as string) : undefined;
    if (!match || bps === undefined) {
      await answer.ctx.reply(answer.ctx.t('plan-discount-invalid'), { reply_markup: cancelKeyboard(answer.ctx) });
      continue;
    }
    await domainCall(conversation, () =>
      setProductDiscount(ctx.deps.app.db, telegramActor(admin), { planId, productId: BigInt(match[1] as string), discountBps: bps }),
    );
    await answer.ctx.reply(answer.ctx.t('plan-discount-set', { product: match[1] as string, discount: bps === null ? '—' : percent(bps) }), {
      reply_markup: new InlineKeyboard().text(answer.ctx.t('plan-open'), pricePlanCallbacks.view.build({ planId })),
    });
    return;
  }
}

async function assignFlow(conversation: Flow, ctx: ConvContext, accountId: string): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  const plans = await domainCall(conversation, async () =>
    (await listPricePlans(ctx.deps.app.db, telegramActor(admin))).map((plan) => ({ id: plan.id, label: `${plan.name} · ${percent(plan.defaultDiscountBps)}` })),
  );
  const picker = (pageCtx: { t: BotContext['t'] }, page: number) =>
    planPage(
      new InlineKeyboard(),
      pageCtx,
      plans.map((plan) => plan.label),
      page,
      (index) => pricePlanCallbacks.pickPlan.build({ index }),
      (to) => pricePlanCallbacks.pickerPage.build({ page: to }),
    ).text(pageCtx.t('button-cancel'), basicsCallbacks.cancelFlow.build());
  await ctx.reply(ctx.t(plans.length > 0 ? 'plan-pick' : 'plans-none'), { reply_markup: picker(ctx, 0) });
  let picked = await waitButton(conversation, pricePlanCallbacks.pickPlan, pricePlanCallbacks.pickerPage);
  for (let turn = pricePlanCallbacks.pickerPage.parse(picked.data); turn; turn = pricePlanCallbacks.pickerPage.parse(picked.data)) {
    await picked.ctx.answerCallbackQuery();
    await picked.ctx.editMessageReplyMarkup({ reply_markup: picker(picked.ctx, turn.page) });
    picked = await waitButton(conversation, pricePlanCallbacks.pickPlan, pricePlanCallbacks.pickerPage);
  }
  const plan = plans[pricePlanCallbacks.pickPlan.read(picked.data).index];
  if (!plan) return;
  const name = await domainCall(conversation, async () => {
    await assignPricePlan(ctx.deps.app.db, telegramActor(admin), { accountId }, plan.id);
    return (await accountOverview(ctx.deps.app.db, telegramActor(admin), accountId)).account.name;
  });
  await picked.ctx.answerCallbackQuery();
  await picked.ctx.editMessageText(picked.ctx.t('plan-assigned', { name, plan: plan.label }), {
    reply_markup: new InlineKeyboard().text(picked.ctx.t('button-back'), adminCallbacks.account.build({ accountId })),
  });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(newPlanFlow, PLAN_NEW_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(discountFlow, PLAN_DISCOUNT_FLOW));
  composer.use(createConversation<BotContext, ConvContext>(assignFlow, PLAN_ASSIGN_FLOW));
  return composer;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(pricePlanCallbacks.list.pattern, async (ctx) => {
    const plans = await listPricePlans(ctx.deps.app.db, telegramActor(ctx.user!.account));
    const page = pricePlanCallbacks.list.read(ctx.match).page ?? 0;
    const keyboard = planPage(
      new InlineKeyboard(),
      ctx,
      plans.map((plan) => `${plan.name} · ${percent(plan.defaultDiscountBps)}`),
      page,
      (index) => pricePlanCallbacks.view.build({ planId: plans[index]!.id }),
      (to) => pricePlanCallbacks.list.build({ page: to }),
    );
    keyboard.text(ctx.t('plan-new'), pricePlanCallbacks.create.build()).row().text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t(plans.length > 0 ? 'plans-title' : 'plans-none'), { reply_markup: keyboard });
  });

  admins.callbackQuery(pricePlanCallbacks.view.pattern, async (ctx) => {
    const { planId } = pricePlanCallbacks.view.read(ctx.match);
    const plan = (await listPricePlans(ctx.deps.app.db, telegramActor(ctx.user!.account))).find((candidate) => candidate.id === planId);
    if (!plan) return ctx.answerCallbackQuery({ text: ctx.t('error-price-plan-not-found'), show_alert: true });
    const keyboard = new InlineKeyboard()
      .text(ctx.t('plan-set-discount'), pricePlanCallbacks.setDiscount.build({ planId: plan.id }))
      .row()
      .text(ctx.t('plan-default-agents'), pricePlanCallbacks.roleDefault.build({ planId: plan.id, role: 'agent' }))
      .text(ctx.t('plan-default-subs'), pricePlanCallbacks.roleDefault.build({ planId: plan.id, role: 'sub' }));
    newRow(keyboard).text(ctx.t('button-back'), pricePlanCallbacks.list.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(planText(ctx, plan), { reply_markup: keyboard });
  });

  admins.callbackQuery(pricePlanCallbacks.create.pattern, async (ctx) => {
    await enterFlow(ctx, PLAN_NEW_FLOW);
    await ctx.answerCallbackQuery();
  });

  admins.callbackQuery(pricePlanCallbacks.setDiscount.pattern, async (ctx) => {
    await enterFlow(ctx, PLAN_DISCOUNT_FLOW, pricePlanCallbacks.setDiscount.read(ctx.match).planId);
    await ctx.answerCallbackQuery();
  });

  admins.callbackQuery(pricePlanCallbacks.roleDefault.pattern, async (ctx) => {
    const { planId, role: chosen } = pricePlanCallbacks.roleDefault.read(ctx.match);
    const role = chosen === 'agent' ? 'agent' : 'sub_agent';
    await assignPricePlan(ctx.deps.app.db, telegramActor(ctx.user!.account), { role }, planId);
    await ctx.answerCallbackQuery({ text: ctx.t('plan-role-set', { role: ctx.t(role === 'agent' ? 'plan-role-agents' : 'plan-role-subs') }) });
  });

  // From an account's admin screen: give the account its own plan.
  admins.callbackQuery(pricePlanCallbacks.assign.pattern, async (ctx) => {
    await enterFlow(ctx, PLAN_ASSIGN_FLOW, pricePlanCallbacks.assign.read(ctx.match).accountId);
    await ctx.answerCallbackQuery();
  });

  return feature;
}

export const pricePlansFeature: Feature = { flows, handlers };
