// An agent sets a sub-agent's margin (src/domain/pricing/margins.ts): a markup in percent on its own
// price, inside the bounds the admins set, or `-` for the sub-agent's price plan again. Before the
// Confirm button the agent sees what it means for the first cards of the card list (its price, the
// sub-agent's price, its share), priced by `priceCard` as orders are. The domain checks again who
// may set it and the bounds.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { getDirectChild, resolvePrincipal } from '#src/domain/accounts/accounts.ts';
import { marginPreview } from '#src/domain/pricing/margin-preview.ts';
import { setSubAgentMargin, subAgentMargin } from '#src/domain/pricing/margins.ts';
import { formatMoney } from '#src/shared/money.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, waitConfirmation, waitText, type Flow } from '../flows.ts';
import { enterFlow, isRole, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { marginCallbacks } from './margins.callbacks.ts';
import { networkCallbacks } from './network.callbacks.ts';

export const MARGIN_FLOW = 'sub-margin';

/** Basis points as people type and read them: 2.5 (%). */
const percent = (bps: number) => (bps / 100).toFixed(2).replace(/\.?0+$/, '');

/** A typed percent (`2`, `2.5`, `2,75`) in basis points, or undefined. */
function parsePercent(text: string): number | undefined {
  const match = /^(\d{1,2})(?:[.,](\d{1,2}))?\s*%?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

async function marginFlow(conversation: Flow, ctx: ConvContext, childId: string): Promise<void> {
  const agent = ctx.user?.account;
  if (!agent) return;
  const actor = telegramActor(agent);
  const current = await domainCall(conversation, async () => {
    const { db } = ctx.deps.app;
    const child = await getDirectChild(db, await resolvePrincipal(db, actor), childId);
    const margin = await subAgentMargin(db, actor, child.id);
    return { name: child.name, ...margin };
  });
  const { minBps, maxBps } = current.bounds;
  if (maxBps === 0) {
    await ctx.reply(ctx.t('margin-not-allowed'), {
      reply_markup: new InlineKeyboard().text(ctx.t('button-back'), networkCallbacks.subAgent.build({ childId })),
    });
    return;
  }
  const bounds = { min: percent(minBps), max: percent(maxBps) };
  const now = current.markupBps === null ? ctx.t('margin-by-plan') : `${percent(current.markupBps)}%`;
  await ctx.reply(ctx.t('margin-ask', { name: current.name, now, ...bounds }), { reply_markup: cancelKeyboard(ctx) });
  let answer: Awaited<ReturnType<typeof waitText>>;
  let markupBps: number | null;
  for (;;) {
    answer = await waitText(conversation);
    const typed = answer.text === '-' ? null : parsePercent(answer.text);
    if (typed === null || (typed !== undefined && typed >= minBps && typed <= maxBps)) {
      markupBps = typed;
      break;
    }
    await answer.ctx.reply(answer.ctx.t('margin-invalid', bounds), { reply_markup: cancelKeyboard(answer.ctx) });
  }
  const preview = await domainCall(conversation, async () => {
    const { app } = ctx.deps;
    const lines = await marginPreview(app.db, actor, {
      subAgentId: childId,
      markupBps,
      orderFee: { amount: app.config.ORDER_FEE, currency: app.config.SETTLEMENT_CURRENCY },
    });
    return lines.map((line) =>
      answer.ctx.t('margin-preview-line', {
        card: line.product,
        face: formatMoney(line.face),
        agent: formatMoney(line.agentPrice),
        sub: formatMoney(line.subAgentPrice),
        share: formatMoney(line.share),
      }),
    );
  });
  const key = await conversation.external(() => randomUUID());
  const keyboard = new InlineKeyboard()
    .text(answer.ctx.t('button-confirm'), marginCallbacks.confirm.build({ action: 'ok', key }))
    .text(answer.ctx.t('button-cancel'), marginCallbacks.confirm.build({ action: 'drop', key }));
  const heading =
    markupBps === null
      ? answer.ctx.t('margin-confirm-plan', { name: current.name })
      : answer.ctx.t('margin-confirm', { name: current.name, markup: percent(markupBps) });
  await answer.ctx.reply([heading, ...preview].join('\n'), { reply_markup: keyboard });
  const confirmation = await waitConfirmation(conversation, marginCallbacks.confirm, key);
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  await domainCall(conversation, () => setSubAgentMargin(ctx.deps.app.db, actor, childId, markupBps));
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('margin-saved', { name: current.name }), {
    reply_markup: new InlineKeyboard().text(confirmation.ctx.t('button-back'), networkCallbacks.subAgent.build({ childId })),
  });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(marginFlow, MARGIN_FLOW));
  return composer;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature
    .filter((ctx) => isRole(ctx, 'agent'))
    .callbackQuery(marginCallbacks.set.pattern, async (ctx) => {
      await enterFlow(ctx, MARGIN_FLOW, marginCallbacks.set.read(ctx.match).childId);
      await ctx.answerCallbackQuery();
    });
  return feature;
}

export const marginsFeature: Feature = { flows, handlers };
