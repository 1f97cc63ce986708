// Admin card list management through the bot: add (fixed values, range), reorder, remove; every
// change saved by the domain (validated, audited); stale buttons and non-admins refused.
import { describe, expect, it } from 'vitest';
import { queryAuditLog } from '../../src/domain/audit/audit.ts';
import { readCardList } from '../../src/domain/pricing/card-list.ts';
import { parseFaces } from '../../bot/features/card-list.ts';
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
    expect(parseFaces('10, 25.50', 'USD')).toEqual({ denominations: [1000n, 2550n] });
    expect(parseFaces('5 - 200', 'USD')).toEqual({ range: { min: 500n, max: 20_000n } });
    expect(parseFaces('ten', 'USD')).toBeUndefined();
    expect(parseFaces('10.001', 'USD')).toBeUndefined();
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
    const audits = (await queryAuditLog(ctx.db, { subject: { type: 'card_list', id: 'telegram' } })).filter((row) => row.action === 'card_list.saved');
    expect(audits).toHaveLength(4);

    const agent = await makeBotAccount(ctx, 'agent');
    await bot.handleUpdate(callbackQuery(agent.telegramUserId, 'cl:rm:0:5002'));
    expect(String(calls.at(-1)?.payload.text)).toContain('no longer valid');
    expect(await readCardList(ctx.db)).toHaveLength(1);
  });
});
