// Admin: the Telegram card list (docs/product.md#catalog-and-the-card-list). Shown in its order with buttons to move an entry up or
// remove it, and an "add" flow: product id → fixed values ("10, 25, 50") or a range ("5-200").
// Every change is one `editCardList` (admin-only, validated against the synced product, audited,
// under the list's lock). The buttons name the entry's position and product, so a button shown
// before another admin's change is refused (`card_list_changed`) instead of acting on a different entry.
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard } from 'grammy';
import { editCardList, parseCardListFaces, readCardList } from '#src/domain/pricing/card-list.ts';
import { getProduct } from '#src/domain/pricing/pricing.ts';
import { DomainError } from '#src/shared/errors.ts';
import { formatMoney, money } from '#src/shared/money.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, waitText, type Flow } from '../flows.ts';
import { enterFlow, isActiveAdmin, newRow, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { cardListCallbacks } from './card-list.callbacks.ts';

export const CARD_LIST_ADD_FLOW = 'card-list-add';

/** Entries per page of the admin's card list (each has up to two buttons). */
export const CARD_LIST_PAGE_SIZE = 8;

async function showCardList(ctx: BotContext, page = 0): Promise<void> {
  const { db } = ctx.deps.app;
  const entries = await readCardList(db);
  const lines: string[] = [];
  const keyboard = new InlineKeyboard();
  const start = page * CARD_LIST_PAGE_SIZE;
  for (const entry of entries.slice(start, start + CARD_LIST_PAGE_SIZE)) {
    const product = await getProduct(db, entry.productId);
    const show = (minor: bigint) => formatMoney(money(minor, product.face_currency));
    const faces = 'denominations' in entry ? entry.denominations.map(show).join(', ') : `${show(entry.range.min)} – ${show(entry.range.max)}`;
    const position = entry.position + 1;
    lines.push(ctx.t('card-list-line', { position, name: product.name, id: String(product.id), faces }));
    const entryData = (action: 'up' | 'rm') => cardListCallbacks.change.build({ action, position: entry.position, productId: String(entry.productId) });
    if (entry.position > 0) keyboard.text(`⬆️ ${position}`, entryData('up'));
    keyboard.text(`✖️ ${position}`, entryData('rm')).row();
  }
  if (page > 0) keyboard.text(ctx.t('button-previous'), cardListCallbacks.page.build({ page: page - 1 }));
  if (entries.length > start + CARD_LIST_PAGE_SIZE) keyboard.text(ctx.t('button-next'), cardListCallbacks.page.build({ page: page + 1 }));
  newRow(keyboard).text(ctx.t('card-list-add'), cardListCallbacks.add.build()).row().text(ctx.t('button-menu'), basicsCallbacks.home.build());
  const text = lines.length > 0 ? `${ctx.t('card-list-title')}\n\n${lines.join('\n')}` : ctx.t('card-list-empty');
  if (ctx.callbackQuery) await ctx.editMessageText(text, { reply_markup: keyboard });
  else await ctx.reply(text, { reply_markup: keyboard });
}

async function addFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const admin = ctx.user?.account;
  if (!admin) return;
  await ctx.reply(ctx.t('card-list-ask-product'), { reply_markup: cancelKeyboard(ctx) });
  const asked = await waitText(conversation);
  if (!/^\d{1,18}$/.test(asked.text)) {
    await asked.ctx.reply(asked.ctx.t('card-list-product-invalid'));
    return;
  }
  const product = await domainCall(conversation, async () => {
    const row = await getProduct(ctx.deps.app.db, BigInt(asked.text));
    const show = (minor: bigint) => formatMoney(money(minor, row.face_currency));
    return { id: String(row.id), name: row.name, kind: row.kind, currency: row.face_currency, min: show(row.min_face_minor), max: show(row.max_face_minor) };
  });
  await asked.ctx.reply(asked.ctx.t(product.kind === 'range' ? 'card-list-ask-range' : 'card-list-ask-fixed', product), {
    reply_markup: cancelKeyboard(asked.ctx),
  });
  for (;;) {
    const answer = await waitText(conversation);
    const faces = parseCardListFaces(answer.text, product.currency);
    if (!faces) {
      await answer.ctx.reply(answer.ctx.t('card-list-faces-invalid'), { reply_markup: cancelKeyboard(answer.ctx) });
      continue;
    }
    const count = await domainCall(conversation, async () => {
      const { app } = ctx.deps;
      const saved = await editCardList(
        app.db,
        telegramActor(admin),
        { action: 'add', productId: BigInt(product.id), faces },
        {
          maxEntries: app.config.CARD_LIST_MAX_ENTRIES,
        },
      );
      return saved.length;
    });
    await answer.ctx.reply(answer.ctx.t('card-list-added', { name: product.name, count }), {
      reply_markup: new InlineKeyboard().text(answer.ctx.t('card-list-open'), cardListCallbacks.open.build()),
    });
    return;
  }
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(addFlow, CARD_LIST_ADD_FLOW));
  return composer;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admins = feature.filter((ctx) => isActiveAdmin(ctx));

  admins.callbackQuery(cardListCallbacks.open.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showCardList(ctx);
  });

  admins.callbackQuery(cardListCallbacks.page.pattern, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showCardList(ctx, cardListCallbacks.page.read(ctx.match).page);
  });

  admins.callbackQuery(cardListCallbacks.add.pattern, async (ctx) => {
    await enterFlow(ctx, CARD_LIST_ADD_FLOW);
    await ctx.answerCallbackQuery();
  });

  // Move up or remove the entry at a position, if it still holds the product the button was drawn for.
  admins.callbackQuery(cardListCallbacks.change.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const { action, position, productId: productDigits } = cardListCallbacks.change.read(ctx.match);
    const edit = { action: action === 'up' ? ('up' as const) : ('remove' as const), position, productId: BigInt(productDigits) };
    let entries;
    try {
      entries = await editCardList(app.db, telegramActor(ctx.user!.account), edit, { maxEntries: app.config.CARD_LIST_MAX_ENTRIES });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'card_list_changed') {
        return ctx.answerCallbackQuery({ text: ctx.t('error-card-list-changed'), show_alert: true });
      }
      throw error;
    }
    await ctx.answerCallbackQuery();
    await showCardList(ctx, Math.floor(Math.max(0, action === 'up' ? position - 1 : Math.min(position, entries.length - 1)) / CARD_LIST_PAGE_SIZE));
  });

  return feature;
}

export const cardListFeature: Feature = { flows, handlers };
