// docs/product.md#roles-and-the-hierarchy rules: each one is attacked here and must fail with a clear DomainError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { addAdmin, bindTelegram, createAccount, ensureConfiguredAdmins, listChildren, setAccountStatus } from '../../src/domain/accounts/accounts.ts';
import { DEFAULT_INVITE_TTL_MS, INVITE_TOKEN_PATTERN, createInvite, redeemInvite, revokeInvite } from '../../src/domain/accounts/invites.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { isDomainError } from '../../src/shared/errors.ts';
import { createTestDatabase } from '../support/db.ts';
import { expectDomainError, makeAccount, makeTree, operator } from '../support/money.ts';

const { db, url } = await createTestDatabase();
const as = (account: { id: string }) => accountActor(account.id, 'telegram');
let telegramId = 1_000_000_000;
const nextTelegramId = () => String((telegramId += 1));

describe('hierarchy depth and roles', () => {
  it('a sub-agent cannot have children, by creation or by invite', async () => {
    const { sub } = await makeTree(db);
    await expectDomainError(makeAccount(db, 'sub_agent', sub), 'sub_agent_cannot_have_children');
    await expectDomainError(makeAccount(db, 'agent', sub), 'sub_agent_cannot_have_children');
    await expectDomainError(createInvite(db, as(sub), { role: 'sub_agent' }), 'sub_agent_cannot_have_children');
    await expectDomainError(createInvite(db, operator, { role: 'sub_agent', parentId: sub.id }), 'sub_agent_cannot_have_children');
  });

  it('platform → agent → sub-agent; a partner may parent agents; nothing else', async () => {
    const agent = await makeAccount(db, 'agent');
    const partner = await makeAccount(db, 'partner');
    const partnerAgent = await makeAccount(db, 'agent', partner);
    expect(partnerAgent.parentId).toBe(partner.id);
    await makeAccount(db, 'sub_agent', partnerAgent);
    await expectDomainError(makeAccount(db, 'agent', agent), 'invalid_parent');
    await expectDomainError(makeAccount(db, 'sub_agent'), 'invalid_parent');
    await expectDomainError(makeAccount(db, 'sub_agent', partner), 'invalid_parent');
    await expectDomainError(makeAccount(db, 'partner', agent), 'invalid_parent');
    await expectDomainError(makeAccount(db, 'admin', agent), 'invalid_parent');
    await expectDomainError(createInvite(db, as(agent), { role: 'agent' }), 'invalid_parent');
  });

  it('only admins (or the platform) create accounts directly', async () => {
    const { agent } = await makeTree(db);
    await expectDomainError(createAccount(db, as(agent), { role: 'sub_agent', name: 'sneaky', parentId: agent.id }), 'forbidden');
    await expectDomainError(createAccount(db, { accountId: null, channel: 'api' }, { role: 'agent', name: 'x', currency: 'USD' }), 'forbidden');
    const admin = await makeAccount(db, 'admin');
    const created = await createAccount(db, as(admin), { role: 'agent', name: 'by admin', currency: 'USD' });
    expect(created.role).toBe('agent');
  });

  it('a child uses its parent currency', async () => {
    const agent = await makeAccount(db, 'agent');
    await expectDomainError(createAccount(db, operator, { role: 'sub_agent', name: 'eur', parentId: agent.id, currency: 'EUR' }), 'currency_mismatch');
  });
});

describe('direct children only', () => {
  it('an agent sees and acts on its own sub-agents, not on others', async () => {
    const { agent, sub } = await makeTree(db);
    const { agent: otherAgent, sub: otherSub } = await makeTree(db);
    expect((await listChildren(db, as(agent))).map((child) => child.id)).toEqual([sub.id]);
    await expectDomainError(listChildren(db, as(agent), otherAgent.id), 'not_direct_child');
    await expectDomainError(setAccountStatus(db, as(agent), otherSub.id, 'paused'), 'not_direct_child');
    await expectDomainError(setAccountStatus(db, as(agent), otherAgent.id, 'paused'), 'not_direct_child');
    await expectDomainError(setAccountStatus(db, as(agent), agent.id, 'paused'), 'not_direct_child');
    await expectDomainError(setAccountStatus(db, as(sub), agent.id, 'paused'), 'not_direct_child');
    await expectDomainError(createInvite(db, as(agent), { role: 'sub_agent', parentId: otherAgent.id }), 'not_direct_child');
  });

  it('a partner acts on its agents but not on their sub-agents (one level down only)', async () => {
    const partner = await makeAccount(db, 'partner');
    const agent = await makeAccount(db, 'agent', partner);
    const sub = await makeAccount(db, 'sub_agent', agent);
    await expectDomainError(setAccountStatus(db, as(partner), sub.id, 'paused'), 'not_direct_child');
    expect((await setAccountStatus(db, as(partner), agent.id, 'paused')).status).toBe('paused');
  });
});

describe('paused accounts', () => {
  it('a paused account has no rights: it cannot pause, invite or act', async () => {
    const { agent, sub } = await makeTree(db);
    await setAccountStatus(db, operator, agent.id, 'paused');
    await expectDomainError(setAccountStatus(db, as(agent), sub.id, 'paused'), 'account_paused');
    await expectDomainError(createInvite(db, as(agent), { role: 'sub_agent' }), 'account_paused');
    const admin = await makeAccount(db, 'admin');
    await setAccountStatus(db, operator, admin.id, 'paused');
    await expectDomainError(createAccount(db, as(admin), { role: 'agent', name: 'x', currency: 'USD' }), 'account_paused');
  });

  it('every status change is audited with before and after', async () => {
    const { agent, sub } = await makeTree(db);
    await setAccountStatus(db, as(agent), sub.id, 'paused');
    await setAccountStatus(db, as(agent), sub.id, 'active');
    const rows = await queryAuditLog(db, operator, { subject: { type: 'account', id: sub.id } });
    expect(rows.map((row) => [row.action, row.actor_account_id, row.before, row.after])).toEqual([
      ['account.resumed', agent.id, { status: 'paused' }, { status: 'active' }],
      ['account.paused', agent.id, { status: 'active' }, { status: 'paused' }],
      ['account.created', null, null, expect.objectContaining({ id: sub.id, role: 'sub_agent' })],
    ]);
    expect((await queryAuditLog(db, operator, { actorAccountId: agent.id, action: 'account.paused' })).map((row) => row.subject_id)).toEqual([sub.id]);
  });
});

describe('Telegram identity', () => {
  it('is bound to an account once, and one Telegram user has one account', async () => {
    const { agent, sub } = await makeTree(db);
    const id = nextTelegramId();
    const bound = await bindTelegram(db, operator, agent.id, id);
    expect(bound.telegramUserId).toBe(id);
    await expectDomainError(bindTelegram(db, operator, agent.id, nextTelegramId()), 'telegram_already_bound');
    await expectDomainError(bindTelegram(db, operator, sub.id, id), 'telegram_id_taken');
    await expectDomainError(bindTelegram(db, as(agent), sub.id, nextTelegramId()), 'forbidden');
    for (const bad of ['abc', '-5', '0', '1.5', '99999999999999999999']) {
      await expectDomainError(bindTelegram(db, operator, sub.id, bad), 'invalid_telegram_id');
    }
  });

  it('admins are added by Telegram id, idempotently; another role keeps its account', async () => {
    const id = nextTelegramId();
    const first = await addAdmin(db, operator, { telegramUserId: id, currency: 'USD' });
    const again = await addAdmin(db, operator, { telegramUserId: id, currency: 'USD' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ account: first.account, created: false });
    const agent = await makeAccount(db, 'agent');
    const agentTelegram = nextTelegramId();
    await bindTelegram(db, operator, agent.id, agentTelegram);
    await expectDomainError(addAdmin(db, operator, { telegramUserId: agentTelegram, currency: 'USD' }), 'telegram_id_taken');
    await expectDomainError(addAdmin(db, as(agent), { telegramUserId: nextTelegramId(), currency: 'USD' }), 'forbidden');
    // An admin promotes another.
    const promoted = await addAdmin(db, as(first.account), { telegramUserId: nextTelegramId(), currency: 'USD' });
    expect(promoted.account.role).toBe('admin');
  });
});

describe('admins from configuration (ADMIN_TELEGRAM_IDS)', () => {
  it('are created at start, idempotently, even by two processes at once; an agent id is reported, not promoted', async () => {
    const [first, second] = [nextTelegramId(), nextTelegramId()];
    const agent = await makeAccount(db, 'agent');
    const agentTelegram = nextTelegramId();
    await bindTelegram(db, operator, agent.id, agentTelegram);
    const [a, b] = await Promise.all([
      ensureConfiguredAdmins(db, [first, second, agentTelegram], 'USD'),
      ensureConfiguredAdmins(db, [first, second, agentTelegram], 'USD'),
    ]);
    expect(a.admins.map((admin) => admin.telegramUserId)).toEqual([first, second]);
    expect(b.admins.map((admin) => admin.id)).toEqual(a.admins.map((admin) => admin.id));
    expect(a.conflicts).toEqual([{ telegramUserId: agentTelegram, accountId: agent.id, role: 'agent' }]);
    const again = await ensureConfiguredAdmins(db, [first], 'USD');
    expect(again.admins[0]?.id).toBe(a.admins[0]?.id);
  });
});

describe('invites', () => {
  it('an agent invites a sub-agent: short opaque token, 7-day expiry, one account bound to the Telegram user', async () => {
    const agent = await makeAccount(db, 'agent');
    const { invite, token } = await createInvite(db, as(agent), { role: 'sub_agent', name: 'Shop 7' });
    expect(token).toMatch(INVITE_TOKEN_PATTERN);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(Math.abs(invite.expiresAt.getTime() - (Date.now() + DEFAULT_INVITE_TTL_MS))).toBeLessThan(60_000);
    const telegram = nextTelegramId();
    const account = await redeemInvite(db, { token, telegramUserId: telegram, name: 'from telegram' });
    expect(account).toMatchObject({ role: 'sub_agent', parentId: agent.id, name: 'Shop 7', telegramUserId: telegram, currency: 'USD' });
    await expectDomainError(redeemInvite(db, { token, telegramUserId: nextTelegramId(), name: 'again' }), 'invite_used');
    expect((await queryAuditLog(db, operator, { subject: { type: 'invite', id: invite.id } })).map((row) => row.action)).toEqual([
      'invite.redeemed',
      'invite.created',
    ]);
  });

  it('an admin invites a platform agent in a currency; a partner invites agents under itself', async () => {
    const { token } = await createInvite(db, operator, { role: 'agent', currency: 'EUR' });
    const agent = await redeemInvite(db, { token, telegramUserId: nextTelegramId(), name: 'Euro agent' });
    expect(agent).toMatchObject({ role: 'agent', parentId: null, currency: 'EUR' });
    const partner = await makeAccount(db, 'partner');
    const partnerInvite = await createInvite(db, as(partner), { role: 'agent' });
    expect((await redeemInvite(db, { token: partnerInvite.token, telegramUserId: nextTelegramId(), name: 'p' })).parentId).toBe(partner.id);
  });

  it('expired, revoked, unknown and malformed tokens are refused with their reason', async () => {
    const agent = await makeAccount(db, 'agent');
    const expired = await createInvite(db, as(agent), { role: 'sub_agent' });
    await db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.invite.id)
      .execute();
    await expectDomainError(redeemInvite(db, { token: expired.token, telegramUserId: nextTelegramId(), name: 'x' }), 'invite_expired');

    const revoked = await createInvite(db, as(agent), { role: 'sub_agent' });
    const other = await makeAccount(db, 'agent');
    await expectDomainError(revokeInvite(db, as(other), revoked.invite.id), 'invite_not_found');
    await revokeInvite(db, as(agent), revoked.invite.id);
    await expectDomainError(redeemInvite(db, { token: revoked.token, telegramUserId: nextTelegramId(), name: 'x' }), 'invite_revoked');

    await expectDomainError(redeemInvite(db, { token: 'a'.repeat(43), telegramUserId: nextTelegramId(), name: 'x' }), 'invite_not_found');
    await expectDomainError(redeemInvite(db, { token: 'bad token!', telegramUserId: nextTelegramId(), name: 'x' }), 'invite_not_found');
    await expectDomainError(createInvite(db, as(agent), { role: 'sub_agent', ttlMs: 0 }), 'invalid_invite');
  });

  it('a Telegram user who already has an account cannot redeem, and the invite stays usable', async () => {
    const agent = await makeAccount(db, 'agent');
    const taken = nextTelegramId();
    await bindTelegram(db, operator, agent.id, taken);
    const { token } = await createInvite(db, as(agent), { role: 'sub_agent' });
    await expectDomainError(redeemInvite(db, { token, telegramUserId: taken, name: 'me again' }), 'telegram_id_taken');
    const account = await redeemInvite(db, { token, telegramUserId: nextTelegramId(), name: 'someone else' });
    expect(account.parentId).toBe(agent.id);
  });

  describe('under concurrency', () => {
    let wide: Database;
    beforeAll(() => {
      wide = createDatabase(url, { poolSize: 20 }).db;
    });
    afterAll(async () => {
      await wide.destroy();
    });

    it('one Telegram user bound to two accounts at once: one wins', async () => {
      const first = await makeAccount(db, 'agent');
      const second = await makeAccount(db, 'agent');
      const id = nextTelegramId();
      const outcomes = await Promise.allSettled([bindTelegram(wide, operator, first.id, id), bindTelegram(wide, operator, second.id, id)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(isDomainError(outcomes.find((outcome) => outcome.status === 'rejected')?.reason, 'telegram_id_taken')).toBe(true);
    });

    it('20 parallel redemptions of one invite: exactly one wins', async () => {
      const agent = await makeAccount(db, 'agent');
      const { invite, token } = await createInvite(db, as(agent), { role: 'sub_agent' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) => redeemInvite(wide, { token, telegramUserId: nextTelegramId(), name: `racer ${index}` })),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === 'rejected').every((outcome) => isDomainError(outcome.reason, 'invite_used'))).toBe(true);
      const children = await listChildren(db, as(agent));
      expect(children).toHaveLength(1);
      const stored = await db.selectFrom('invites').select('redeemed_account_id').where('id', '=', invite.id).executeTakeFirstOrThrow();
      expect(stored.redeemed_account_id).toBe(children[0]?.id);
    });
  });
});
