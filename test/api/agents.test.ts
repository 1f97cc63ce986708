// A partner's agent network (B2B2C) through the API and the bot: the partner invites an agent
// (POST /v1/agent-invites), the agent joins the bot by the deep link, the partner funds it and takes
// money back (exact ledger transfers, idempotent), lists it with its balance and reads its orders.
// Every answer is checked against the OpenAPI document (harness.call); money tests end with the
// ledger checks.
import { describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts/accounts.ts';
import { createInvite } from '../../src/domain/accounts/invites.ts';
import { findTelegramUser } from '../../src/domain/accounts/language.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { createTopupRequest } from '../../src/domain/funding/topups.ts';
import { walletBalance } from '../../src/domain/ledger/ledger.ts';
import { createOrder } from '../../src/domain/orders/intake.ts';
import { domainEventSinks } from '../../src/main.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { newStore, nextTelegramId, queuedMessages, startTestBot } from '../support/bot.ts';
import { insertProduct } from '../support/catalog.ts';
import { expectDomainError, expectLedgerConsistent, fund, operator } from '../support/money.ts';
import { botInfo, callbackQuery, lastButtons, lastText, textMessage } from '../support/telegram.ts';

const harness = await createApiHarness({ env: { TELEGRAM_BOT_USERNAME: botInfo.username }, ports: { eventSinks: domainEventSinks } });
const { ctx, call, boss } = harness;
await insertProduct(ctx.db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await saveCardList(ctx.db, operator, [{ productId: BigInt(SIM_PRODUCTS.steam10), denominations: [1000n] }], { maxEntries: 10 });
const store = newStore(ctx);

interface AgentBody {
  id: string;
  name: string;
  status: string;
  telegramLinked: boolean;
  balance: { amount: string; currency: string };
}

/** A partner with an agent that joined the bot through the partner's invite link (as the agent would). */
async function partnerWithAgent(
  language?: string,
): Promise<{ partner: Partner; agentId: string; telegramUserId: number; bot: ReturnType<typeof startTestBot> }> {
  const partner = await harness.makePartner();
  const invited = await call(partner.liveKey, 'POST', '/v1/agent-invites', { name: 'Corner shop' });
  expect(invited.status).toBe(201);
  const invite = (await invited.json()) as { token: string; link: string };
  expect(invite.link).toBe(`https://t.me/${botInfo.username}?start=${invite.token}`);
  const bot = startTestBot(ctx, store);
  const telegramUserId = nextTelegramId();
  await bot.bot.handleUpdate(textMessage(telegramUserId, `/start ${new URL(invite.link).searchParams.get('start')}`, language));
  const user = await findTelegramUser(ctx.db, telegramUserId);
  expect(user?.account).toMatchObject({ role: 'agent', parentId: partner.account.id, name: 'Corner shop' });
  return { partner, agentId: user!.account.id, telegramUserId, bot };
}

const move = (partner: Partner, agentId: string, direction: 'allocate' | 'reclaim', amount: string, key: string) =>
  call(partner.liveKey, 'POST', `/v1/agents/${agentId}/${direction}`, { amount, currency: 'USD' }, { 'idempotency-key': key });

const balanceOf = async (accountId: string) => formatAmount(await walletBalance(ctx.db, accountId));

describe('partner agent networks', () => {
  it('an agent joins by the partner’s link and uses the bot as an agent; the partner lists it', async () => {
    const { partner, agentId, bot } = await partnerWithAgent();
    expect(lastText(bot.calls)).toContain('Corner shop');
    // The agent's menu: ordering, wallet, its own network; no top-up button (its partner funds it).
    const labels = lastButtons(bot.calls).map((button) => button.text);
    expect(labels).toEqual(expect.arrayContaining(['🛒 Order cards', '💰 Wallet']));
    expect(labels.some((label) => /top.?up/i.test(label))).toBe(false);

    // No body: an invite with the defaults (7 days).
    const bare = await call(partner.liveKey, 'POST', '/v1/agent-invites');
    expect(bare.status).toBe(201);
    const { expiresAt, name } = (await bare.json()) as { expiresAt: string; name: string | null };
    expect(name).toBeNull();
    expect(Math.round((Date.parse(expiresAt) - Date.now()) / 86_400_000)).toBe(7);
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/agent-invites', { expiresInDays: 31 }), 400, 'validation_failed');

    const listed = await call(partner.liveKey, 'GET', '/v1/agents');
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      data: [
        {
          id: agentId,
          name: 'Corner shop',
          status: 'active',
          telegramLinked: true,
          balance: { amount: '0.00', currency: 'USD' },
          monthSales: { amount: '0.00', currency: 'USD' },
          createdAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    // Another partner sees none of them.
    const other = await harness.makePartner();
    expect(await (await call(other.liveKey, 'GET', '/v1/agents')).json()).toEqual({ data: [], nextCursor: null });
  });

  it('allocates and reclaims exactly, idempotent on the key; refuses what the domain refuses', async () => {
    const { partner, agentId, telegramUserId } = await partnerWithAgent();
    await fund(ctx.db, partner.account, '100.00');

    const first = await move(partner, agentId, 'allocate', '30.00', 'alloc-1');
    expect(first.status).toBe(200);
    const body = (await first.json()) as { transferId: string; replayed: boolean };
    expect(body).toMatchObject({ replayed: false, agentBalance: { amount: '30.00', currency: 'USD' }, walletBalance: { amount: '70.00', currency: 'USD' } });
    // A retry moves nothing; the same key for another amount is a conflict.
    const retry = await move(partner, agentId, 'allocate', '30.00', 'alloc-1');
    expect(await retry.json()).toMatchObject({ transferId: body.transferId, replayed: true, agentBalance: { amount: '30.00', currency: 'USD' } });
    await expectProblem(await move(partner, agentId, 'allocate', '31.00', 'alloc-1'), 409, 'idempotency_conflict');
    // The agent hears of it in the bot, as from a platform parent.
    expect(
      (await queuedMessages(boss, telegramUserId)).map((message) => ('key' in message.text ? message.text.key : 'raw' in message.text ? message.text.raw : '')),
    ).toContain('funds-received');

    const reclaimed = await move(partner, agentId, 'reclaim', '12.50', 'alloc-1'); // its own key space: reclaim ≠ allocate
    expect(await reclaimed.json()).toMatchObject({
      replayed: false,
      agentBalance: { amount: '17.50', currency: 'USD' },
      walletBalance: { amount: '82.50', currency: 'USD' },
    });
    const tooMuch = await expectProblem(await move(partner, agentId, 'reclaim', '17.51', 'r-2'), 402, 'insufficient_funds');
    expect(tooMuch.balance).toEqual({ amount: '17.50', currency: 'USD' }); // the ledger's refusal, as for admin debits
    await expectProblem(await move(partner, agentId, 'allocate', '82.51', 'a-3'), 402, 'insufficient_funds');
    await expectProblem(await move(partner, agentId, 'allocate', '5.00', ''), 400, 'validation_failed');
    await expectProblem(
      await call(partner.liveKey, 'POST', `/v1/agents/${agentId}/allocate`, { amount: '1.00', currency: 'EUR' }, { 'idempotency-key': 'eur' }),
      422,
      'currency_mismatch',
    );
    await expectProblem(await move(partner, agentId, 'allocate', '0', 'zero'), 422, 'invalid_amount');

    // Another partner cannot touch the agent, nor a platform agent.
    const other = await harness.makePartner();
    await fund(ctx.db, other.account, '10.00');
    await expectProblem(await move(other, agentId, 'allocate', '1.00', 'steal'), 403, 'not_direct_child');
    await expectProblem(await move(other, agentId, 'reclaim', '1.00', 'steal'), 403, 'not_direct_child');
    await expectProblem(await call(other.liveKey, 'GET', `/v1/agents/${agentId}/orders`), 403, 'not_direct_child');

    expect(await balanceOf(agentId)).toBe('17.50');
    expect(await balanceOf(partner.account.id)).toBe('82.50');
    expect(await balanceOf(other.account.id)).toBe('10.00');
    await expectLedgerConsistent(ctx.db);
  });

  it('the partner pauses and resumes its agent (audited); a paused agent is not allocated to, but its money can be taken back', async () => {
    const { partner, agentId } = await partnerWithAgent();
    await fund(ctx.db, partner.account, '20.00');
    await move(partner, agentId, 'allocate', '5.00', 'p-1');
    const paused = await call(partner.liveKey, 'POST', `/v1/agents/${agentId}/pause`);
    expect(await paused.json()).toMatchObject({ id: agentId, status: 'paused', balance: { amount: '5.00', currency: 'USD' } });
    await expectProblem(await move(partner, agentId, 'allocate', '5.00', 'p-2'), 403, 'account_paused');
    expect((await move(partner, agentId, 'reclaim', '5.00', 'p-3')).status).toBe(200);
    expect(await balanceOf(partner.account.id)).toBe('20.00');
    // Only the partner itself: another partner, or a test key (its sandbox has no agents).
    const other = await harness.makePartner();
    await expectProblem(await call(other.liveKey, 'POST', `/v1/agents/${agentId}/resume`), 403, 'not_direct_child');
    await expectProblem(await call(partner.testKey, 'POST', `/v1/agents/${agentId}/resume`), 403, 'not_direct_child');
    expect(await (await call(partner.liveKey, 'POST', `/v1/agents/${agentId}/resume`)).json()).toMatchObject({ status: 'active' });
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_account_id', 'channel'])
      .where('subject_id', '=', agentId)
      .where('action', 'in', ['account.paused', 'account.resumed'])
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'account.paused', actor_account_id: partner.account.id, channel: 'api' },
      { action: 'account.resumed', actor_account_id: partner.account.id, channel: 'api' },
    ]);
    await expectLedgerConsistent(ctx.db);
  });

  it('keeps test money out: a sandbox account has no agents, so test keys invite and fund nobody', async () => {
    const { partner, agentId } = await partnerWithAgent();
    await expectProblem(await call(partner.testKey, 'POST', '/v1/agent-invites', {}), 422, 'sandbox_account_cannot_have_children');
    expect(await (await call(partner.testKey, 'GET', '/v1/agents')).json()).toEqual({ data: [], nextCursor: null });
    // The sandbox wallet holds test money; the live agent is not its child.
    await fund(ctx.db, { ...partner.account, id: partner.sandboxId }, '50.00');
    await expectProblem(
      await call(partner.testKey, 'POST', `/v1/agents/${agentId}/allocate`, { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'test-money' }),
      403,
      'not_direct_child',
    );
    expect(await balanceOf(agentId)).toBe('0.00');
    // The rule is the domain's: an admin cannot put an agent under a sandbox either.
    await expectDomainError(createInvite(ctx.db, harness.adminActor, { role: 'agent', parentId: partner.sandboxId }), 'sandbox_account_cannot_have_children');
    await expectDomainError(
      createAccount(ctx.db, harness.adminActor, { role: 'agent', name: 'Sneaky', parentId: partner.sandboxId }),
      'sandbox_account_cannot_have_children',
    );
    await expectLedgerConsistent(ctx.db);
  });

  it('reads the agent’s orders (never cards), and the scopes decide who may do what', async () => {
    const { partner, agentId } = await partnerWithAgent();
    await fund(ctx.db, partner.account, '50.00');
    await move(partner, agentId, 'allocate', '20.00', 'o-1');
    const { order } = await createOrder(ctx, {
      buyerId: agentId,
      actor: accountActor(agentId, 'telegram'),
      clientReference: 'bot-order-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
    const orders = await call(partner.liveKey, 'GET', `/v1/agents/${agentId}/orders`);
    expect(orders.status).toBe(200);
    expect(await orders.json()).toMatchObject({ data: [{ id: order.id, number: order.number, status: 'pending', cards: null }], nextCursor: null });

    const users = async (role: 'developer' | 'finance') => {
      const user = (await (
        await call(partner.liveKey, 'POST', '/v1/users', { name: role, email: `${role}-${partner.account.id}@example.com`, role })
      ).json()) as {
        id: string;
      };
      return ((await (await call(partner.liveKey, 'POST', `/v1/users/${user.id}/keys`, {})).json()) as { key: string }).key;
    };
    const developer = await users('developer');
    const finance = await users('finance');
    expect((await call(developer, 'GET', '/v1/agents')).status).toBe(200);
    expect((await call(developer, 'POST', '/v1/agent-invites', {})).status).toBe(201);
    await expectProblem(
      await call(developer, 'POST', `/v1/agents/${agentId}/allocate`, { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'dev' }),
      403,
      'insufficient_scope',
    );
    expect((await call(finance, 'POST', `/v1/agents/${agentId}/allocate`, { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'fin' })).status).toBe(200);
    await expectProblem(await call(finance, 'POST', '/v1/agent-invites', {}), 403, 'insufficient_scope');
    for (const key of [developer, finance]) await expectProblem(await call(key, 'POST', `/v1/agents/${agentId}/pause`), 403, 'insufficient_scope');
    await expectProblem(await call(harness.adminKey, 'GET', '/v1/agents'), 403, 'forbidden');
    await expectLedgerConsistent(ctx.db);
  });

  it('pages the agents with a cursor', async () => {
    const partner = await harness.makePartner();
    for (const name of ['A', 'B', 'C']) {
      const { token } = (await (await call(partner.liveKey, 'POST', '/v1/agent-invites', { name })).json()) as { token: string };
      await startTestBot(ctx, store).bot.handleUpdate(textMessage(nextTelegramId(), `/start ${token}`));
    }
    const first = (await (await call(partner.liveKey, 'GET', '/v1/agents?limit=2')).json()) as { data: AgentBody[]; nextCursor: string };
    expect(first.data.map((agent) => agent.name)).toEqual(['A', 'B']);
    const second = (await (await call(partner.liveKey, 'GET', `/v1/agents?limit=2&cursor=${first.nextCursor}`)).json()) as {
      data: AgentBody[];
      nextCursor: null;
    };
    expect(second).toMatchObject({ data: [{ name: 'C' }], nextCursor: null });
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/agents?cursor=abc'), 400, 'invalid_cursor');
  });

  it('an agent of a partner asks its partner for money, not the admins: the bot explains, in English and Arabic', async () => {
    for (const language of ['en', 'ar']) {
      const { agentId, telegramUserId, bot } = await partnerWithAgent(language);
      // A top-up button from an old menu (or forged) is refused before the flow starts.
      await bot.bot.handleUpdate(callbackQuery(telegramUserId, 'tu:new'));
      expect(JSON.stringify(bot.calls.at(-1)?.payload)).toContain(
        language === 'en' ? 'Your wallet is funded by the partner who invited you.' : 'محفظتك يمولها الشريك الذي دعاك.',
      );
      await expectDomainError(
        createTopupRequest(ctx, accountActor(agentId, 'telegram'), { amount: parseMoney('10.00', 'USD'), proof: { kind: 'reference', text: 'bank 1' } }),
        'topup_via_partner',
      );
    }
  });
});
