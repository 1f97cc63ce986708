// No secret in any log line of a full flow: invite tokens, the bot token, links carrying tokens,
// card codes and PINs (an order through the bot, delivered, revealed and shared with a customer).
import { describe, expect, it } from 'vitest';
import { createApi } from '../../api/index.ts';
import { createAppContext } from '../../src/context.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { revealOrderCards } from '../../src/domain/orders/orders.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { createLogger } from '../../src/logger.ts';
import { telegramOrderEventSink } from '../../bot/order-events.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { runDueJobs } from '../support/orders.ts';
import { createTestContext, type TestAppContext } from '../support/context.ts';
import { inviteToken, makeAdmin, newStore, nextTelegramId, startTestBot } from '../support/bot.ts';
import { expectLedgerConsistent, operator } from '../support/money.ts';
import { BOT_TOKEN, buttonData, callbackQuery, lastText, photoMessage, textMessage } from '../support/telegram.ts';

const test = await createTestContext();
const { ctx: baseCtx } = test;

describe('bot logs', () => {
  it('a full flow at debug level logs no token or key', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
    const ctx: TestAppContext = createAppContext({ ...baseCtx, logger }, { orderEvents: (app) => telegramOrderEventSink(app) });
    const { bot, calls } = startTestBot(ctx, newStore(ctx));
    const secrets: string[] = [BOT_TOKEN];

    const admin = await makeAdmin(ctx);
    const agentToken = await inviteToken(ctx, 'agent');
    secrets.push(agentToken);
    const agentId = nextTelegramId();
    await bot.handleUpdate(textMessage(agentId, `/start ${agentToken}`));
    await bot.handleUpdate(textMessage(nextTelegramId(), `/start ${agentToken}`)); // used twice: refused

    await bot.handleUpdate(callbackQuery(agentId, 'tu:new'));
    await bot.handleUpdate(textMessage(agentId, '100'));
    await bot.handleUpdate(photoMessage(agentId, 'secret-receipt'));
    await bot.handleUpdate(callbackQuery(agentId, buttonData(calls, 'Send')));
    const request = await ctx.db.selectFrom('topup_requests').select('id').executeTakeFirstOrThrow();
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, `tu:ok:${request.id}`));

    await bot.handleUpdate(callbackQuery(agentId, 'net:invite'));
    const subToken = /\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls))?.[1] as string;
    secrets.push(subToken);
    const subId = nextTelegramId();
    await bot.handleUpdate(textMessage(subId, `/start ${subToken}`));
    const sub = (await findTelegramUser(ctx.db, subId))!.account;
    await bot.handleUpdate(callbackQuery(agentId, `net:give:${sub.id}`));
    await bot.handleUpdate(textMessage(agentId, '40'));
    await bot.handleUpdate(callbackQuery(agentId, buttonData(calls, 'Confirm')));
    await bot.handleUpdate(callbackQuery(agentId, 'adm:invite')); // forged
    await bot.handleUpdate(callbackQuery(admin.telegramUserId, 'adm:invite'));
    secrets.push(/\?start=([A-Za-z0-9_-]+)/.exec(lastText(calls))?.[1] as string);

    // A full order and a reveal: the card code and PIN never reach a log line.
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock });
    await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    await saveCardList(ctx.db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
    await bot.handleUpdate(callbackQuery(agentId, 'o:new'));
    await bot.handleUpdate(callbackQuery(agentId, 'oc:0'));
    await bot.handleUpdate(textMessage(agentId, '1'));
    await bot.handleUpdate(callbackQuery(agentId, buttonData(calls, 'Confirm')));
    await runDueJobs(test, ctx, orderPlaceQueue);
    clock.advance(1500);
    await runDueJobs(test, ctx, orderPollQueue);
    await runDueJobs(test, ctx, orderEventsQueue);
    const order = await ctx.db.selectFrom('orders').select(['id', 'status']).executeTakeFirstOrThrow();
    expect(order.status).toBe('completed');
    await bot.handleUpdate(callbackQuery(agentId, `o:rv:${order.id}:0`));
    const [card] = await revealOrderCards(ctx, { accountId: (await findTelegramUser(ctx.db, agentId))!.account.id, channel: 'telegram' }, order.id);
    const revealed = calls.filter((call) => call.method === 'sendMessage').at(-1)?.payload.text as string;
    expect(revealed).toContain(`Code: ${card!.code}`); // the reveal really showed it
    expect(revealed).toContain(`PIN: ${card!.pin}`);
    secrets.push(card!.code!);
    // Shared with a customer, as a message and as a claim link opened on the api: neither the code nor the link's token is logged.
    await bot.handleUpdate(callbackQuery(agentId, `o:shs:${order.id}:0:msg:en`));
    expect(calls.filter((call) => call.method === 'sendMessage').at(-1)?.payload.text).toContain(`Code: ${card!.code}`);
    await bot.handleUpdate(callbackQuery(agentId, `o:shs:${order.id}:0:link:ar`));
    const claimToken = /\/claim\/([A-Za-z0-9_-]{43})/.exec(String(calls.filter((call) => call.method === 'sendMessage').at(-1)?.payload.text))?.[1] as string;
    secrets.push(claimToken);
    const api = createApi({ ctx, boss: test.boss });
    expect(await (await api.request(`/claim/${claimToken}`, { method: 'POST' })).text()).toContain(card!.code!);
    // A PIN is short (digits could appear anywhere): no line may carry it as a value or in the message.
    const pinShapes = [`"${card!.pin}"`, `PIN: ${card!.pin}`];

    expect(JSON.stringify(calls)).toContain(subToken); // the link really went to the user
    expect(lines.length).toBeGreaterThan(10); // the flow was logged (one line per update at least)
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
    for (const shape of pinShapes) expect(lines.filter((line) => line.includes(shape))).toEqual([]);
    await expectLedgerConsistent(ctx.db);
  });
});
