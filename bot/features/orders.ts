// Ordering (docs/product.md#catalog-and-the-card-list, docs/product.md#orders) for agents and sub-agents: card list → card → denomination (buttons for
// fixed values, a typed amount for a range) → quantity → confirmation (price from `quotePrice`,
// balance after) → Confirm, or "Add another card" → the next card → the cart's summary (every item,
// the total, the balance after) → one Confirm for the cart (`createCart`). The Confirm button carries a
// random key drawn inside the flow; the order's (or cart's) client reference is `tg:<key>`, so a double
// tap (a stale button after the first) or any replay of the same key finds the same order or cart
// and never holds money twice.
import { randomUUID } from 'node:crypto';
import { createConversation } from '@grammyjs/conversations';
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { createCart, MAX_CART_ITEMS } from '#src/domain/orders/carts.ts';
import { createOrder } from '#src/domain/orders/intake.ts';
import { FINAL_STATUSES, type StatusLine } from '#src/domain/orders/orders.tables.ts';
import { orderQueueEstimates } from '#src/domain/orders/queue-estimate.ts';
import { recordOrderStatusMessage, statusLineOf } from '#src/domain/orders/queue-messages.ts';
import { assertMayOrder } from '#src/domain/orders/may-order.ts';
import {
  formatOrderNumber,
  getOrderFor,
  listOrders,
  maskedOrderCards,
  orderCardsCsv,
  revealOrderCards,
  type Order,
  type RevealedCard,
} from '#src/domain/orders/orders.ts';
import {
  claimLinksAvailable,
  claimUrl,
  createCardClaim,
  SHARE_LANGUAGES,
  shareOrderCard,
  type CardVoucher,
  type ShareLanguage,
} from '#src/domain/orders/sharing.ts';
import { readCardList } from '#src/domain/pricing/card-list.ts';
import { quotePrice } from '#src/domain/pricing/pricing.ts';
import { telegramDeleteQueue } from '#src/notifications/telegram-queues.ts';
import { add, formatMoney, isNegative, money, multiply, subtract } from '#src/shared/money.ts';
import type { BotContext, ConvContext } from '../context.ts';
import { cancelKeyboard, domainCall, remindButton, waitButton, waitText, type Flow } from '../flows.ts';
import { enterFlow, isRole, newRow, parseAmount, showMoney, telegramActor } from '../helpers.ts';
import type { Feature } from './index.ts';
import { backHome } from './menus.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { networkCallbacks } from './network.callbacks.ts';
import { orderCallbacks } from './orders.callbacks.ts';
import { topupCallbacks } from './topup.callbacks.ts';

/** Cards per page in the ordering card picker. */
export const CARD_PAGE_SIZE = 8;
/** A fixed card with at most this many values shows them in the picker (one tap for card and value). */
const INLINE_VALUES_MAX = 3;

export const ORDER_FLOW = 'order';
const PAGE_SIZE = 8;

/** A card list entry as the flow keeps it (plain strings: the replay log stores it). */
interface CardChoice {
  productId: string;
  name: string;
  currency: string;
  /** Fixed values in minor units, or the range's bounds. */
  denominations: string[] | null;
  min: string;
  max: string;
}

/** The card list with its products' names and values, cached until the list or the catalog changes (`ctx.reads.priced`). */
async function cardChoices(ctx: ConvContext): Promise<CardChoice[]> {
  const { db, reads } = ctx.deps.app;
  const cached = await reads.priced.forEveryone('bot:card-choices', async () => JSON.stringify(await readCardChoices(db)));
  return JSON.parse(cached.body) as CardChoice[];
}

async function readCardChoices(db: ConvContext['deps']['app']['db']): Promise<CardChoice[]> {
  const entries = await readCardList(db);
  const ids = entries.map((entry) => entry.productId);
  const products = ids.length === 0 ? [] : await db.selectFrom('catalog_products').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(products.map((product) => [product.id, product]));
  const choices: CardChoice[] = [];
  for (const entry of entries) {
    const product = byId.get(entry.productId);
    if (!product?.active) continue;
    const fixed = 'denominations' in entry ? entry.denominations : null;
    choices.push({
      productId: String(product.id),
      name: product.name,
      currency: product.face_currency,
      denominations: fixed ? fixed.map(String) : null,
      min: String(fixed ? fixed[0] : 'range' in entry ? entry.range.min : 0n),
      max: String(fixed ? fixed.at(-1) : 'range' in entry ? entry.range.max : 0n),
    });
  }
  return choices;
}

const showFace = (minor: string, currency: string) => formatMoney(money(BigInt(minor), currency));

/** Asks for a face value of a range card until one inside its bounds is typed. */
async function askFace(conversation: Flow, ctx: ConvContext, card: CardChoice): Promise<{ ctx: ConvContext; face: string }> {
  const bounds = { min: showFace(card.min, card.currency), max: showFace(card.max, card.currency), currency: card.currency };
  await ctx.reply(ctx.t('order-ask-amount', bounds), { reply_markup: cancelKeyboard(ctx) });
  for (;;) {
    const answer = await waitText(conversation);
    const amount = parseAmount(answer.text, card.currency);
    if (amount && amount.amount >= BigInt(card.min) && amount.amount <= BigInt(card.max)) return { ctx: answer.ctx, face: String(amount.amount) };
    await answer.ctx.reply(answer.ctx.t('order-amount-invalid', bounds), { reply_markup: cancelKeyboard(answer.ctx) });
  }
}

/** The quantities offered as buttons on the summary (typing any other from 1 to the maximum works too). */
const QUANTITY_CHOICES = [1, 2, 3, 5, 10];

interface Summary {
  text: string;
  /** The wallet covers the total: Confirm is offered; otherwise the way to more funds is. */
  affordable: boolean;
}

/** One item of the cart as the flow keeps it (plain values: the replay log stores them). */
interface CartLine {
  card: CardChoice;
  /** The face value in minor units of the card's currency. */
  face: string;
  quantity: number;
}

const faceOf = (line: CartLine) => money(BigInt(line.face), line.card.currency);

/**
 * The summary's buttons: Confirm (or the way to more funds when short), Cancel, the other
 * quantities (of the last item), and Add another card while the cart has room.
 */
function summaryKeyboard(ctx: ConvContext, key: string, quantity: number, max: number, summary: Summary, canAdd: boolean): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (summary.affordable) keyboard.text(ctx.t('button-confirm'), orderCallbacks.confirm.build({ action: 'ok', key }));
  else if (ctx.user?.account.role === 'agent') keyboard.text(ctx.t('menu-topup'), topupCallbacks.start.build());
  else keyboard.text(ctx.t('menu-ask-funds'), networkCallbacks.askFunds.build());
  keyboard.text(ctx.t('button-cancel'), orderCallbacks.confirm.build({ action: 'drop', key })).row();
  for (const choice of QUANTITY_CHOICES.filter((choice) => choice <= max && choice !== quantity)) {
    keyboard.text(ctx.t('order-quantity-button', { quantity: choice }), orderCallbacks.quantity.build({ quantity: choice }));
  }
  if (canAdd) newRow(keyboard).text(ctx.t('order-add-item'), orderCallbacks.addItem.build({ key }));
  return keyboard;
}

type Picked = { ctx: ConvContext; card: CardChoice; face: string } | { ctx: ConvContext; review: true };

/**
 * The card picker, then the value when the card has several: a card and its face value. With items
 * in the cart it also offers Review cart (back to the summary without another card).
 */
async function pickItem(conversation: Flow, ctx: ConvContext, cards: CardChoice[], cartSize: number): Promise<Picked | undefined> {
  const cardPage = (pageCtx: { t: BotContext['t'] }, page: number) => {
    const list = new InlineKeyboard();
    const start = page * CARD_PAGE_SIZE;
    cards.slice(start, start + CARD_PAGE_SIZE).forEach((card, offset) => {
      const index = start + offset;
      const values = card.denominations;
      // A card of a few fixed values shows them on its row: card and value in one tap.
      if (values && values.length > 1 && values.length <= INLINE_VALUES_MAX) {
        values.forEach((face, position) => {
          const label = position === 0 ? `${card.name} · ${showFace(face, card.currency)}` : showFace(face, card.currency);
          list.text(label, orderCallbacks.pickCardValue.build({ index, face }));
        });
        list.row();
      } else {
        list.text(card.name, orderCallbacks.pickCard.build({ index })).row();
      }
    });
    if (page > 0) list.text(pageCtx.t('button-previous'), orderCallbacks.cardPage.build({ page: page - 1 }));
    if (cards.length > start + CARD_PAGE_SIZE) list.text(pageCtx.t('button-next'), orderCallbacks.cardPage.build({ page: page + 1 }));
    if (cartSize > 0) newRow(list).text(pageCtx.t('order-cart-review', { count: cartSize }), orderCallbacks.reviewCart.build());
    return newRow(list).text(pageCtx.t('button-cancel'), basicsCallbacks.cancelFlow.build());
  };
  await ctx.reply(ctx.t(cartSize > 0 ? 'order-choose-another' : 'order-choose-card'), { reply_markup: cardPage(ctx, 0) });
  const pickers = [orderCallbacks.pickCard, orderCallbacks.pickCardValue, orderCallbacks.cardPage, ...(cartSize > 0 ? [orderCallbacks.reviewCart] : [])];
  let picked = await waitButton(conversation, ...pickers);
  for (let turn = orderCallbacks.cardPage.parse(picked.data); turn; turn = orderCallbacks.cardPage.parse(picked.data)) {
    await picked.ctx.answerCallbackQuery();
    await picked.ctx.editMessageReplyMarkup({ reply_markup: cardPage(picked.ctx, turn.page) });
    picked = await waitButton(conversation, ...pickers);
  }
  await picked.ctx.answerCallbackQuery();
  if (orderCallbacks.reviewCart.parse(picked.data)) return { ctx: picked.ctx, review: true };
  const direct = orderCallbacks.pickCardValue.parse(picked.data);
  const card = cards[direct ? direct.index : orderCallbacks.pickCard.read(picked.data).index];
  if (!card) return undefined;

  if (direct && card.denominations?.includes(direct.face)) return { ctx: picked.ctx, card, face: direct.face };
  if (card.denominations?.length === 1) return { ctx: picked.ctx, card, face: card.denominations[0]! }; // one value: nothing to choose
  if (!card.denominations) return { card, ...(await askFace(conversation, picked.ctx, card)) };
  const values = new InlineKeyboard();
  card.denominations.forEach((face, index) => {
    if (index > 0 && index % 3 === 0) values.row();
    values.text(showFace(face, card.currency), orderCallbacks.pickFace.build({ face }));
  });
  newRow(values).text(picked.ctx.t('button-cancel'), basicsCallbacks.cancelFlow.build());
  await picked.ctx.reply(picked.ctx.t('order-choose-value', { card: card.name }), { reply_markup: values });
  for (;;) {
    const value = await waitButton(conversation, orderCallbacks.pickFace);
    await value.ctx.answerCallbackQuery();
    const { face } = orderCallbacks.pickFace.read(value.data);
    if (card.denominations.includes(face)) return { ctx: value.ctx, card, face };
  }
}

/**
 * Ordering: a card, its value, then the summary (quantity buttons, Confirm). "Add another card"
 * keeps the item in a cart and picks the next; the summary then lists every item with the total and
 * the balance after, and one Confirm places the whole cart (`createCart`: all items held, or none).
 */
async function orderFlow(conversation: Flow, ctx: ConvContext): Promise<void> {
  const account = ctx.user?.account;
  if (!account) return;
  const cards = await domainCall(conversation, () => cardChoices(ctx));
  if (cards.length === 0) {
    await ctx.reply(ctx.t('order-no-cards'), { reply_markup: backHome(ctx) });
    return;
  }
  const max = ctx.deps.app.config.BOT_MAX_QUANTITY;
  // The summary comes at once with one card: other quantities are its buttons (or typed), and a
  // wallet that cannot pay is told here, with the way to more funds instead of Confirm.
  const summarize = (lines: CartLine[]) =>
    domainCall(conversation, async (): Promise<Summary & { vars: Record<string, string | number> }> => {
      const { app } = ctx.deps;
      const priced = [];
      for (const line of lines) {
        const quote = await quotePrice(app.db, {
          accountId: account.id,
          productId: BigInt(line.card.productId),
          face: faceOf(line),
          orderFee: { amount: app.config.ORDER_FEE, currency: app.config.SETTLEMENT_CURRENCY },
        });
        priced.push({ line, unit: quote.unitPrice, total: multiply(quote.unitPrice, BigInt(line.quantity)) });
      }
      const total = priced.map((item) => item.total).reduce((sum, each) => add(sum, each));
      const balance = await walletBalance(app.db, account.id);
      const after = subtract(balance, total);
      const last = priced.at(-1)!;
      const vars = {
        card: last.line.card.name,
        face: formatMoney(faceOf(last.line)),
        quantity: last.line.quantity,
        unit: showMoney(last.unit),
        total: showMoney(total),
        balance: showMoney(balance),
        after: showMoney(after),
        missing: showMoney(subtract(total, balance)),
      };
      const affordable = !isNegative(after);
      const body =
        priced.length === 1
          ? ctx.t('order-summary', vars)
          : [
              ctx.t('order-cart-summary-title'),
              ...priced.map((item, index) =>
                ctx.t('order-cart-line', {
                  position: index + 1,
                  card: item.line.card.name,
                  face: formatMoney(faceOf(item.line)),
                  quantity: item.line.quantity,
                  total: showMoney(item.total),
                }),
              ),
              ctx.t('order-cart-summary-totals', vars),
              '',
              ctx.t('order-cart-quantity-hint', { position: priced.length }),
            ].join('\n');
      const text = affordable ? body : `${body}\n\n${ctx.t('order-summary-short', vars)}`;
      return { text, affordable, vars };
    });

  let key = '';
  const lines: CartLine[] = [];
  let stepCtx = ctx;
  let current: CartLine;
  let confirmation: { ctx: ConvContext; action: 'ok' | 'drop' };
  let summary: Summary & { vars: Record<string, string | number> };
  cart: for (;;) {
    const picked = await pickItem(conversation, stepCtx, cards, lines.length);
    if (!picked) return;
    // Drawn once, after the first card, where the flow has always drawn it: a conversation replayed
    // across a deploy meets its steps in the order it recorded them.
    if (!key) key = await conversation.external(() => randomUUID());
    current = 'review' in picked ? lines.pop()! : { card: picked.card, face: picked.face, quantity: 1 };
    const canAdd = () => lines.length + 1 < MAX_CART_ITEMS;
    summary = await summarize([...lines, current]);
    await picked.ctx.reply(summary.text, { reply_markup: summaryKeyboard(picked.ctx, key, current.quantity, max, summary, canAdd()) });
    for (;;) {
      const answer = await conversation.waitUntil(
        (update) => {
          const data = update.callbackQuery?.data;
          if (data) {
            return (
              orderCallbacks.confirm.matching({ key }).test(data) ||
              orderCallbacks.addItem.matching({ key }).test(data) ||
              orderCallbacks.quantity.pattern.test(data)
            );
          }
          return update.message?.text !== undefined && !update.message.text.startsWith('/');
        },
        { otherwise: remindButton, next: true },
      );
      const data = answer.callbackQuery?.data;
      if (data && orderCallbacks.confirm.pattern.test(data)) {
        confirmation = { ctx: answer, action: orderCallbacks.confirm.read(data).action };
        break cart;
      }
      if (data && orderCallbacks.addItem.pattern.test(data)) {
        await answer.answerCallbackQuery();
        if (!canAdd()) continue;
        await answer.editMessageReplyMarkup(); // the summary's buttons belong to the cart as it was
        lines.push(current);
        stepCtx = answer;
        continue cart;
      }
      const typed = answer.message?.text?.trim();
      const wanted = data ? orderCallbacks.quantity.read(data).quantity : /^\d{1,3}$/.test(typed ?? '') ? Number(typed) : 0;
      if (wanted < 1 || wanted > max) {
        if (data) await answer.answerCallbackQuery();
        else
          await answer.reply(answer.t('order-quantity-invalid', { max }), {
            reply_markup: summaryKeyboard(answer, key, current.quantity, max, summary, canAdd()),
          });
        continue;
      }
      current.quantity = wanted;
      summary = await summarize([...lines, current]);
      const keyboard = summaryKeyboard(answer, key, current.quantity, max, summary, canAdd());
      if (data) {
        await answer.answerCallbackQuery();
        await answer.editMessageText(summary.text, { reply_markup: keyboard });
      } else {
        await answer.reply(summary.text, { reply_markup: keyboard });
      }
    }
  }
  if (confirmation.action !== 'ok') {
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('cancel-done'));
    return;
  }
  const items = [...lines, current];
  const { app } = ctx.deps;
  const request = { buyerId: account.id, actor: telegramActor(account), clientReference: `tg:${key}` };
  if (items.length === 1) {
    const { number, orderId } = await domainCall(conversation, async () => {
      const { order } = await createOrder(app, { ...request, productId: BigInt(current.card.productId), face: faceOf(current), quantity: current.quantity });
      return { number: order.number, orderId: order.id };
    });
    const vars = { number, ...summary.vars };
    await confirmation.ctx.answerCallbackQuery();
    await confirmation.ctx.editMessageText(confirmation.ctx.t('order-accepted', vars), { reply_markup: backHome(confirmation.ctx) });
    await keepShowingQueue(conversation, confirmation.ctx, { key: 'order-accepted-title', vars }, [orderId]);
    return;
  }
  const { orderIds, ...accepted } = await domainCall(conversation, async () => {
    const { cart } = await createCart(app, {
      ...request,
      items: items.map((line) => ({ productId: BigInt(line.card.productId), face: faceOf(line), quantity: line.quantity })),
    });
    const orderIds = cart.items.map((item) => item.order.id);
    return {
      orderIds,
      number: cart.number,
      count: orderIds.length,
      orders: cart.items.map((item) => item.order.number).join(', '),
      total: showMoney(cart.total),
    };
  });
  await confirmation.ctx.answerCallbackQuery();
  await confirmation.ctx.editMessageText(confirmation.ctx.t('order-cart-accepted', accepted), { reply_markup: backHome(confirmation.ctx) });
  await keepShowingQueue(conversation, confirmation.ctx, { key: 'order-cart-accepted-title', vars: accepted }, orderIds);
}

/**
 * The message that accepted the orders becomes their status message: while one of them waits for
 * a checkout turn, it shows each one's place and estimate (src/domain/orders/queue-messages.ts).
 */
async function keepShowingQueue(conversation: Flow, ctx: ConvContext, header: StatusLine, orderIds: string[]): Promise<void> {
  const chatId = ctx.chat?.id;
  const messageId = ctx.callbackQuery?.message?.message_id;
  if (chatId === undefined || messageId === undefined) return;
  const locale = await ctx.i18n.getLocale();
  await domainCall(conversation, () => recordOrderStatusMessage(ctx.deps.app, { chatId: String(chatId), messageId, locale, header, orderIds }));
}

/** One line of "My orders": number, card count and face, total, status. */
function orderLine(ctx: BotContext, order: Order): string {
  return ctx.t('order-line', {
    number: order.number,
    quantity: order.quantity,
    face: formatMoney(order.face),
    total: showMoney(order.total),
    status: ctx.t(`order-status-${order.status.replace('_', '-')}`),
  });
}

/** The revealed card as the buyer reads it (code, PIN, serial and expiry when there are). */
function revealedText(ctx: BotContext, orderNumber: string, position: number, card: RevealedCard): string {
  const lines = [ctx.t('order-revealed-title', { number: orderNumber, position }), ctx.t('order-revealed-code', { code: card.code ?? '—' })];
  if (card.pin) lines.push(ctx.t('order-revealed-pin', { pin: card.pin }));
  if (card.serialNumber) lines.push(ctx.t('order-revealed-serial', { serial: card.serialNumber }));
  if (card.expiresAt) lines.push(ctx.t('order-revealed-expiry', { expiry: card.expiresAt.toISOString().slice(0, 10) }));
  lines.push(ctx.t('order-revealed-deleted', { seconds: ctx.deps.app.config.REVEAL_DELETE_AFTER_SECONDS }));
  return lines.join('\n');
}

/** Telegram's limit for a message's text. */
const MESSAGE_LIMIT = 4096;

/** Cuts text to `room` characters (an ellipsis shows it was cut). */
const cut = (text: string, room: number) => (text.length <= room ? text : `${text.slice(0, Math.max(room - 1, 0))}…`);

/**
 * The voucher for a customer, in the language the agent picked: brand, value, code, PIN and the
 * brand's redemption instructions and terms (cut to fit one message: the code always fits).
 */
function voucherText(ctx: BotContext, language: ShareLanguage, voucher: CardVoucher): string {
  const t = (key: string, vars: Record<string, string> = {}) => ctx.i18n.fluent.translate(language, key, vars);
  const lines = [
    t('voucher-title', { brand: voucher.brand, face: formatMoney(voucher.face) }),
    voucher.product,
    '',
    t('voucher-code', { code: voucher.code ?? '—' }),
  ];
  if (voucher.pin) lines.push(t('voucher-pin', { pin: voucher.pin }));
  if (voucher.serialNumber) lines.push(t('voucher-serial', { serial: voucher.serialNumber }));
  if (voucher.expiresAt) lines.push(t('voucher-expiry', { expiry: voucher.expiresAt.toISOString().slice(0, 10) }));
  let text = lines.join('\n');
  for (const [key, value] of [
    ['voucher-instructions', voucher.redemptionInstructions],
    ['voucher-terms', voucher.terms],
  ] as const) {
    const heading = `\n\n${t(key)}\n`;
    const room = MESSAGE_LIMIT - text.length - heading.length;
    if (value?.trim() && room > 20) text += heading + cut(value.trim(), room);
  }
  return text;
}

/** A logo (https only) shown above a shared message as its link preview; no preview otherwise. */
const logoPreview = (logoUrl: string | null) =>
  logoUrl?.startsWith('https://') ? { url: logoUrl, show_above_text: true, prefer_small_media: true } : { is_disabled: true };

/** A Bot API error carries the request payload (a code, a claim token): never let it reach the logs. */
const scrubbed = (what: string) => () => {
  throw new Error(`sending ${what} failed`);
};

/** A page of orders (the user's own, or a direct sub-agent's for its agent), each opening its detail. */
async function showOrders(ctx: BotContext, buyerId: string | undefined, cursor: string | undefined): Promise<void> {
  const page = await listOrders(ctx.deps.app.db, telegramActor(ctx.user!.account), {
    limit: PAGE_SIZE,
    ...(buyerId ? { buyerId } : {}),
    ...(cursor ? { cursor } : {}),
  });
  const keyboard = new InlineKeyboard();
  for (const order of page.orders) keyboard.text(order.number, orderCallbacks.view.build({ orderId: order.id })).row();
  if (page.nextCursor) {
    const older = buyerId ? orderCallbacks.ofBuyer.build({ buyerId, cursor: page.nextCursor }) : orderCallbacks.list.build({ cursor: page.nextCursor });
    keyboard.text(ctx.t('button-older'), older);
  }
  newRow(keyboard).text(ctx.t('button-back'), buyerId ? networkCallbacks.subAgent.build({ childId: buyerId }) : basicsCallbacks.home.build());
  const lines = page.orders.map((order) => orderLine(ctx, order));
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(lines.length > 0 ? `${ctx.t('order-list-title')}\n\n${lines.join('\n')}` : ctx.t('order-list-none'), { reply_markup: keyboard });
}

function flows(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(createConversation<BotContext, ConvContext>(orderFlow, ORDER_FLOW));
  return composer;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const buyers = feature.filter((ctx) => isRole(ctx, 'agent', 'sub_agent'));

  // Refusals that are known now come now: a paused account or a paused agent above it.
  buyers.callbackQuery(orderCallbacks.start.pattern, async (ctx) => {
    await assertMayOrder(ctx.deps.app.db, ctx.user!.account.id);
    await enterFlow(ctx, ORDER_FLOW);
    await ctx.answerCallbackQuery();
  });

  // My orders, newest first; the cursor is the last shown order number (listOrders' cursor).
  buyers.callbackQuery(orderCallbacks.list.pattern, (ctx) => showOrders(ctx, undefined, orderCallbacks.list.read(ctx.match).cursor));

  // A direct sub-agent's orders for its agent (no codes; the domain refuses anyone else's).
  feature
    .filter((ctx) => isRole(ctx, 'agent'))
    .callbackQuery(orderCallbacks.ofBuyer.pattern, (ctx) => {
      const { buyerId, cursor } = orderCallbacks.ofBuyer.read(ctx.match);
      return showOrders(ctx, buyerId, cursor);
    });

  // One order: status (while open, where it stands), and for its buyer the cards (masked) with Reveal buttons, to reveal again.
  buyers.callbackQuery(orderCallbacks.view.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const account = ctx.user!.account;
    const order = await getOrderFor(app.db, telegramActor(account), orderCallbacks.view.read(ctx.match).orderId);
    const keyboard = new InlineKeyboard();
    const lines = [orderLine(ctx, order)];
    if (!FINAL_STATUSES.includes(order.status)) {
      // Where it stands, as its order message shows it (its place in the queue, or being bought).
      const status = statusLineOf(order, (await orderQueueEstimates(app.db, [order])).get(order.id), new Date());
      lines.push(ctx.t(status.key, status.vars));
    }
    if (order.buyerId === account.id) {
      for (const card of await maskedOrderCards(app, order.id)) {
        lines.push(ctx.t('order-card-line', { position: card.index + 1, masked: card.masked }));
        keyboard
          .text(`${ctx.t('order-reveal')} ${card.index + 1}`, orderCallbacks.reveal.build({ orderId: order.id, index: card.index }))
          .text(`${ctx.t('order-share')} ${card.index + 1}`, orderCallbacks.share.build({ orderId: order.id, index: card.index }))
          .row();
      }
    }
    if (order.buyerId === account.id && (order.cardsDelivered ?? 0) > 1) {
      newRow(keyboard).text(ctx.t('order-cards-csv'), orderCallbacks.cardsCsv.build({ orderId: order.id }));
    }
    newRow(keyboard).text(
      ctx.t('button-back'),
      order.buyerId === account.id ? orderCallbacks.list.build() : orderCallbacks.ofBuyer.build({ buyerId: order.buyerId }),
    );
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(lines.join('\n'), { reply_markup: keyboard });
  });

  // Reveal one card (the delivery message's button): the buyer only (the domain refuses anyone
  // else, as "no such order"), audited there. Sent directly (not through telegram.send, so the code
  // is never stored in a job), content-protected, and deleted by a telegram.delete job.
  buyers.callbackQuery(orderCallbacks.reveal.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const { orderId, index } = orderCallbacks.reveal.read(ctx.match);
    const [card] = await revealOrderCards(app, telegramActor(ctx.user!.account), orderId, { index });
    const { number } = await app.db.selectFrom('orders').select('number').where('id', '=', orderId).executeTakeFirstOrThrow();
    const sent = await ctx.reply(revealedText(ctx, formatOrderNumber(number), index + 1, card!), { protect_content: true }).catch(scrubbed('a revealed card'));
    await app.jobs.enqueue(
      telegramDeleteQueue,
      { chatId: String(sent.chat.id), messageId: sent.message_id },
      { startAfter: app.config.REVEAL_DELETE_AFTER_SECONDS },
    );
    await ctx.answerCallbackQuery();
  });

  // Every card of an order as one CSV document: the buyer only (the domain refuses anyone else),
  // audited as a reveal, sent from the handler (never a job row) and deleted like a reveal.
  buyers.callbackQuery(orderCallbacks.cardsCsv.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const document = await orderCardsCsv(app, telegramActor(ctx.user!.account), orderCallbacks.cardsCsv.read(ctx.match).orderId);
    const sent = await ctx
      .replyWithDocument(new InputFile(Buffer.from(document.content), document.filename), {
        caption: ctx.t('order-cards-csv-caption', { seconds: app.config.REVEAL_DELETE_AFTER_SECONDS }),
      })
      .catch(scrubbed('a cards document'));
    await app.jobs.enqueue(
      telegramDeleteQueue,
      { chatId: String(ctx.chat!.id), messageId: sent.message_id },
      { startAfter: app.config.REVEAL_DELETE_AFTER_SECONDS },
    );
    await ctx.answerCallbackQuery();
  });

  // Share a card with a customer: the ways (a forwardable message, a one-time link) in each language.
  buyers.callbackQuery(orderCallbacks.share.pattern, async (ctx) => {
    const { orderId, index } = orderCallbacks.share.read(ctx.match);
    const keyboard = new InlineKeyboard();
    // Without a public address (PUBLIC_URL in production) a link would lead nowhere: messages only.
    for (const via of claimLinksAvailable(ctx.deps.app.config) ? (['msg', 'link'] as const) : (['msg'] as const)) {
      for (const language of SHARE_LANGUAGES) {
        const name = ctx.i18n.fluent.translate(language, 'language-name');
        keyboard.text(
          ctx.t(via === 'msg' ? 'order-share-message' : 'order-share-link', { language: name }),
          orderCallbacks.shareAs.build({ orderId, index, via, language }),
        );
      }
      keyboard.row();
    }
    newRow(keyboard).text(ctx.t('button-cancel'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('order-share-choose', { position: index + 1 }), { reply_markup: keyboard });
  });

  // The share: the buyer only (the domain refuses anyone else, as "no such order"), audited there.
  // Sent from the handler (never through telegram.send, so neither the code nor a claim token is
  // stored in a job), without protect_content: it is meant to be forwarded to the customer.
  buyers.callbackQuery(orderCallbacks.shareAs.pattern, async (ctx) => {
    const { app } = ctx.deps;
    const { orderId, index, via, language } = orderCallbacks.shareAs.read(ctx.match);
    const actor = telegramActor(ctx.user!.account);
    if (via === 'msg') {
      const voucher = await shareOrderCard(app, actor, orderId, { index, language });
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t('order-share-sent'));
      await ctx.reply(voucherText(ctx, language, voucher), { link_preview_options: logoPreview(voucher.logoUrl) }).catch(scrubbed('a shared card'));
      return;
    }
    if (!claimLinksAvailable(app.config)) return ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true });
    const claim = await createCardClaim(app, actor, orderId, { index, language });
    const expiry = claim.expiresAt.toISOString().slice(0, 16).replace('T', ' ');
    const message = ctx.i18n.fluent.translate(language, 'claim-link-message', {
      brand: claim.face.brand,
      face: formatMoney(claim.face.face),
      url: claimUrl(app.config, claim.token),
      expiry,
    });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('order-share-link-sent', { expiry }));
    await ctx.reply(message, { link_preview_options: { is_disabled: true } }).catch(scrubbed('a claim link'));
  });

  return feature;
}

export const ordersFeature: Feature = { flows, handlers };
