// One-time invites (docs/product.md#roles-and-the-hierarchy): an opaque token for a Telegram deep link (`?start=<token>`), single
// use, expiring (default 7 days), revocable. Admins invite agents (under the platform or a
// partner), partners invite agents, agents invite sub-agents. Only the token's hash is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid, uuidPrefixRange } from '../../shared/ids.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { assertMayHaveChildren, assertParentAllowed, getAccount, insertAccount, resolvePrincipal, type Account } from './accounts.ts';
import type { InviteRow } from './accounts.tables.ts';

export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
/** Telegram allows 64 characters of `[A-Za-z0-9_-]` in a start parameter. */
export const INVITE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The deep link that opens the bot with an invite: `https://t.me/<bot>?start=<token>`. */
export const inviteDeepLink = (botUsername: string, token: string) => `https://t.me/${botUsername}?start=${token}`;

export interface Invite {
  id: string;
  role: 'agent' | 'sub_agent';
  parentId: string | null;
  createdBy: string | null;
  name: string | null;
  currency: string;
  expiresAt: Date;
  revokedAt: Date | null;
  redeemedAt: Date | null;
  redeemedAccountId: string | null;
}

function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    role: row.role,
    parentId: row.parent_id,
    createdBy: row.created_by,
    name: row.name,
    currency: row.currency,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    redeemedAt: row.redeemed_at,
    redeemedAccountId: row.redeemed_account_id,
  };
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreateInviteInput {
  role: 'agent' | 'sub_agent';
  /** Admins choose the parent (none for a platform agent); agents and partners invite under themselves. */
  parentId?: string | null;
  /** Suggested name for the new account. */
  name?: string;
  /** For a platform agent (no parent): its wallet currency. Children use the parent's. */
  currency?: string;
  ttlMs?: number;
}

export async function createInvite(db: Kysely<DB>, actor: Actor, input: CreateInviteInput): Promise<{ invite: Invite; token: string }> {
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    let parent: Account | null;
    if (principal.kind === 'account') {
      // Agents and partners invite under themselves only.
      if (input.parentId != null && input.parentId !== principal.account.id) {
        throw new DomainError('not_direct_child', 'you can only invite accounts under yourself');
      }
      parent = principal.account;
    } else {
      parent = input.parentId ? await getAccount(trx, input.parentId) : null;
    }
    assertParentAllowed(input.role, parent);
    await assertMayHaveChildren(trx, parent);
    const currency = parent?.currency ?? input.currency;
    if (!currency) throw new DomainError('currency_required', 'an invite for a platform agent needs a currency');
    const ttlMs = input.ttlMs ?? DEFAULT_INVITE_TTL_MS;
    if (!(ttlMs > 0)) throw new DomainError('invalid_invite', 'an invite must expire in the future');

    const token = randomBytes(32).toString('base64url'); // 43 characters, 256 bits
    const row = await trx
      .insertInto('invites')
      .values({
        token_hash: hashToken(token),
        role: input.role,
        parent_id: parent?.id ?? null,
        created_by: actor.accountId,
        name: input.name?.trim() || null,
        currency,
        expires_at: new Date(Date.now() + ttlMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const invite = toInvite(row);
    await writeAudit(trx, { actor, action: 'invite.created', subject: { type: 'invite', id: invite.id }, after: invite });
    return { invite, token };
  });
}

/** Where an invite stands: usable (`pending`), used, revoked, or past its expiry unused. */
export type InviteState = 'pending' | 'redeemed' | 'revoked' | 'expired';
export const INVITE_STATES = ['pending', 'redeemed', 'revoked', 'expired'] as const satisfies readonly InviteState[];

export function inviteState(invite: Pick<Invite, 'redeemedAt' | 'revokedAt' | 'expiresAt'>, now = new Date()): InviteState {
  if (invite.redeemedAt) return 'redeemed';
  if (invite.revokedAt) return 'revoked';
  return invite.expiresAt <= now ? 'expired' : 'pending';
}

export interface ListedInvite extends Invite {
  state: InviteState;
  createdAt: Date;
}

/**
 * Invites, newest first, with their state: admins (and the platform) see every invite, agents and
 * partners the ones they made. `state` keeps one state only; `offset` pages.
 */
export async function listInvites(
  db: Kysely<DB>,
  actor: Actor,
  query: { state?: InviteState; limit?: number; offset?: number } = {},
): Promise<{ invites: ListedInvite[]; total: number }> {
  const principal = await resolvePrincipal(db, actor);
  const now = new Date();
  let base = db.selectFrom('invites');
  if (principal.kind === 'account') base = base.where('created_by', '=', principal.account.id);
  if (query.state === 'redeemed') base = base.where('redeemed_at', 'is not', null);
  if (query.state === 'revoked') base = base.where('redeemed_at', 'is', null).where('revoked_at', 'is not', null);
  if (query.state === 'expired') base = base.where('redeemed_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '<=', now);
  if (query.state === 'pending') base = base.where('redeemed_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now);
  const rows = await base
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(query.limit ?? 50)
    .offset(query.offset ?? 0)
    .execute();
  const { total } = await base.select(({ fn }) => fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  return {
    invites: rows.map((row) => {
      const invite = toInvite(row);
      return { ...invite, state: inviteState(invite, now), createdAt: row.created_at };
    }),
    total: Number(total),
  };
}

/** One invite by its id or short id (its first digits), for the invite's maker or an admin. */
export async function findInvite(db: Kysely<DB>, actor: Actor, idOrPrefix: string): Promise<ListedInvite> {
  const principal = await resolvePrincipal(db, actor);
  const range = isUuid(idOrPrefix) ? { from: idOrPrefix, to: idOrPrefix } : uuidPrefixRange(idOrPrefix);
  let query = db.selectFrom('invites').selectAll();
  if (principal.kind === 'account') query = query.where('created_by', '=', principal.account.id);
  const rows = range ? await query.where('id', '>=', range.from).where('id', '<=', range.to).limit(2).execute() : [];
  if (rows.length !== 1 || !rows[0]) throw new DomainError('invite_not_found', 'no such invite');
  const invite = toInvite(rows[0]);
  return { ...invite, state: inviteState(invite), createdAt: rows[0].created_at };
}

export async function revokeInvite(db: Kysely<DB>, actor: Actor, inviteId: string): Promise<Invite> {
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    const row = await trx.selectFrom('invites').selectAll().where('id', '=', inviteId).forUpdate().executeTakeFirst();
    if (!row || (principal.kind === 'account' && row.created_by !== principal.account.id)) {
      throw new DomainError('invite_not_found', 'no such invite');
    }
    if (row.redeemed_at) throw new DomainError('invite_used', 'this invite was already used');
    if (row.revoked_at) return toInvite(row);
    const updated = await trx.updateTable('invites').set({ revoked_at: new Date() }).where('id', '=', inviteId).returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'invite.revoked',
      subject: { type: 'invite', id: inviteId },
      before: { revokedAt: null },
      after: { revokedAt: updated.revoked_at },
    });
    return toInvite(updated);
  });
}

/**
 * Redeems a token for a Telegram user: creates their account under the invite's parent. The
 * conditional UPDATE is the single-use guarantee: of concurrent redemptions, exactly one finds the
 * invite unused (the others wait on its row lock and then see it redeemed).
 */
export async function redeemInvite(db: Kysely<DB>, input: { token: string; telegramUserId: string | bigint; name: string }): Promise<Account> {
  if (!INVITE_TOKEN_PATTERN.test(input.token)) throw new DomainError('invite_not_found', 'this invite link is not valid');
  return withTransaction(db, async (trx) => {
    const tokenHash = hashToken(input.token);
    const claimed = await trx
      .updateTable('invites')
      .set({ redeemed_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('redeemed_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returningAll()
      .executeTakeFirst();
    if (!claimed) {
      const row = await trx.selectFrom('invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!row) throw new DomainError('invite_not_found', 'this invite link is not valid');
      if (row.redeemed_at) throw new DomainError('invite_used', 'this invite was already used');
      if (row.revoked_at) throw new DomainError('invite_revoked', 'this invite was revoked');
      throw new DomainError('invite_expired', 'this invite has expired', { expiredAt: row.expires_at.toISOString() });
    }
    // The invitee acts for themselves; the audit row of the new account names the inviter's invite.
    const account = await insertAccount(
      trx,
      { accountId: null, channel: 'telegram' },
      {
        role: claimed.role,
        name: claimed.name ?? input.name,
        parentId: claimed.parent_id,
        currency: claimed.currency,
        telegramUserId: input.telegramUserId,
      },
    );
    await trx.updateTable('invites').set({ redeemed_account_id: account.id }).where('id', '=', claimed.id).execute();
    await writeAudit(trx, {
      actor: { accountId: account.id, channel: 'telegram' },
      action: 'invite.redeemed',
      subject: { type: 'invite', id: claimed.id },
      after: { accountId: account.id, telegramUserId: account.telegramUserId },
    });
    return account;
  });
}
