// Admin card list management through the bot: add (fixed values, range), reorder, remove; every
// change saved by the domain (validated, audited); stale buttons and non-admins refused.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { readCardList, saveCardList } from '../../src/domain/pricing/card-list.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { fund } from '../support/money.ts';
import { CARD_LIST_PAGE_SIZE } from '../../bot/features/card-list.ts';
import { parseCardListFaces } from '../../src/domain/pricing/card-list.ts';
import { CARD_PAGE_SIZE } from '../../bot/features/orders.ts';
import { makeAdmin, makeBotAccount, newStore, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';

const { ctx } = await createTestContext();
const store = newStore(ctx);
await insertProduct(ctx.db, { id: 5001, minFace: 1000n, costMin: 950n });
await insertProduct(ctx.db, { id: 5002, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });

describe('admin card list', () => {
  it('parses typed values and ranges', () => {
    expect(parseCardListFaces('10, 25.50', 'USD')).toEqual({ denominations: [1000n, 2550n] });
    expect(parseCardListFaces('5 - 200', 'USD')).toEqual({ range: { min: 500n, max: 20_000n } });
    expect(parseCardListFaces('ten', 'USD')).toBeUndefined();
    expect(parseCardListFaces('10.001', 'USD')).toBeUndefined();
  });

  it('adds a fixed card and a range card, moves one up, removes one; a stale button is refused', async () => {
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);
    const user = admin.telegramUserId;
    await bot.handleUpdate(callbackQuery(user, 'adm:cards'));
    expect(lastText(calls)).toContain('The card list is empty');

    await bot.handleUpdate(callbackQuery(user, 'cl:add'));
    await bot.handleUpdate(textMessage(user, '5001'));
    expect(lastText(calls)).toContain('Product 5001: type the values to sell');
    await bot.handleUpdate(textMessage(user, '20')); // not this product's value: the domain refuses
    expect(lastText(calls)).toBe('This card value is not available.');
    await bot.handleUpdate(callbackQuery(user, 'cl:add'));
    await bot.handleUpdate(textMessage(user, '5001'));
    await bot.handleUpdate(textMessage(user, '10'));
    expect(lastText(calls)).toBe('Product 5001 added. The card list now has 1 card(s).');

    await bot.handleUpdate(callbackQuery(user, 'cl:add'));
    await bot.handleUpdate(textMessage(user, '5002'));
    expect(lastText(calls)).toContain('takes 5.00 USD to 500.00 USD');
    await bot.handleUpdate(textMessage(user, 'lots'));
    expect(lastText(calls)).toContain('Type values separated by commas');
    await bot.handleUpdate(textMessage(user, '5-200'));
    expect(await readCardList(ctx.db)).toEqual([
      { position: 0, productId: 5001n, denominations: [1000n] },
      { position: 1, productId: 5002n, range: { min: 500n, max: 20_000n } },
    ]);

    await bot.handleUpdate(callbackQuery(user, 'adm:cards'));
    expect(lastText(calls)).toContain('2. Product 5002 (#5002) · 5.00 USD – 200.00 USD');
    expect(lastButtons(calls).map((button) => button.callback_data)).toEqual(['cl:rm:0:5001', 'cl:up:1:5002', 'cl:rm:1:5002', 'cl:add', 'm:home']);
    await bot.handleUpdate(callbackQuery(user, 'cl:up:1:5002'));
    expect((await readCardList(ctx.db)).map((entry) => entry.productId)).toEqual([5002n, 5001n]);
    await bot.handleUpdate(callbackQuery(user, 'cl:up:1:5002')); // drawn before the move: stale
    expect(calls.at(-1)?.payload).toMatchObject({ show_alert: true, text: 'The card list changed in the meantime. Open it again.' });
    await bot.handleUpdate(callbackQuery(user, 'cl:rm:1:5001'));
    expect((await readCardList(ctx.db)).map((entry) => entry.productId)).toEqual([5002n]);
    const audits = (await queryAuditLog(ctx.db, platformActor('cli'), { subject: { type: 'card_list', id: 'telegram' } })).filter(
      (row) => row.action === 'card_list.saved',
    );
    expect(audits).toHaveLength(4);

    const agent = await makeBotAccount(ctx, 'agent');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'cl:rm:0:5002'));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
    expect(await readCardList(ctx.db)).toHaveLength(1);
  });

  it('a long card list is paged for the admin and in the ordering picker', async () => {
    const ids = Array.from({ length: 11 }, (_, index) => 5100 + index);
    for (const id of ids) await insertProduct(ctx.db, { id, minFace: 1000n, costMin: 900n });
    await saveCardList(
      ctx.db,
      platformActor('cli'),
      ids.map((id) => ({ productId: BigInt(id), denominations: [1000n] })),
      { maxEntries: 20 },
    );
    const admin = await makeAdmin(ctx);
    const { bot, calls } = startTestBot(ctx, store);

    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:cards'));
    const removeButtons = () => lastButtons(calls).filter((button) => button.callback_data?.startsWith('cl:rm:'));
    expect(removeButtons()).toHaveLength(CARD_LIST_PAGE_SIZE);
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'cl:page:1'));
    expect(removeButtons()).toHaveLength(ids.length - CARD_LIST_PAGE_SIZE);
    expect(lastText(calls)).toContain('Product 5110');
    expect(lastText(calls)).not.toContain('Product 5100');

    const agent = await makeBotAccount(ctx, 'agent');
    await fund(ctx.db, agent.account, '50.00');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'o:new'));
    const cardButtons = () => lastButtons(calls).filter((button) => /^oc:\d+$/.test(button.callback_data ?? ''));
    expect(cardButtons()).toHaveLength(CARD_PAGE_SIZE);
    const next = lastButtons(calls).find((button) => button.callback_data === 'oc:p:1');
    expect(next).toBeDefined();
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'oc:p:1'));
    const secondPage = cardButtons();
    expect(secondPage).toHaveLength(ids.length - CARD_PAGE_SIZE);
    const last = secondPage.find((button) => button.text === 'Product 5110');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, last?.callback_data as string));
    expect(lastText(calls)).toContain('Card: Product 5110'); // its one value needs no step
  });
});
