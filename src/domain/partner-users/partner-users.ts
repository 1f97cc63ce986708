// People of a partner (issue 8): each has a role, `manager`, `developer` or `finance`, and their own
// API keys, whose scope is that role (the permission matrix lives in api/middleware/scopes.ts and
// docs/api.md). The partner itself (its owner keys), its managers (on the web or with their keys) or
// an admin manages them: a partner's user who is not a manager cannot, and the partner keeps at least
// one manager once it has one (only an admin takes the last one away). Removing a user revokes their
// keys at once; a new role re-scopes them. Users belong to the real partner account; their test keys
// act on its sandbox account.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { assertActive, getAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { ensureSandboxAccount, insertKey, parseIpAllowlist, type IssuedApiKey } from '../api-keys/api-keys.ts';
import type { ApiKeyMode } from '../api-keys/api-keys.tables.ts';
import { writeAudit } from '../audit/audit.ts';
import { assertPartnerApproved } from '../signups/approval-gate.ts';
import type { PartnerUserRole, PartnerUserRow } from './partner-users.tables.ts';
import { isUuid } from '../../shared/ids.ts';

export const PARTNER_USER_ROLES = ['manager', 'developer', 'finance'] as const satisfies readonly PartnerUserRole[];

/** The role whose users manage the partner's users (the scope matrix gives it `users:manage`); no role is above it. */
const USER_MANAGER_ROLE = 'manager' satisfies PartnerUserRole;

export interface PartnerUser {
  id: string;
  accountId: string;
  name: string;
  email: string;
  role: PartnerUserRole;
  createdAt: Date;
  removedAt: Date | null;
}

function toPartnerUser(row: PartnerUserRow): PartnerUser {
  return { id: row.id, accountId: row.account_id, name: row.name, email: row.email, role: row.role, createdAt: row.created_at, removedAt: row.removed_at };
}

/**
 * The partner whose users `actor` manages: the partner acting for itself (an owner key, or one of its
 * managers: a partner's user of another role is refused, except on themselves where `self` allows
 * it), or an admin (or the platform) acting on any partner. A sandbox account has no users of its own.
 */
async function managedPartner(db: Kysely<DB>, actor: Actor, partnerId: string, options: { self?: string } = {}): Promise<Account> {
  if (actor.accountId !== partnerId) await requireAdmin(db, actor);
  // On the web a partner is always one of its users: never the partner as a whole.
  else if (actor.partnerUserId === undefined && actor.channel === 'web') throw new DomainError('forbidden', 'sign in as one of the partner’s users');
  else if (actor.partnerUserId !== undefined && actor.partnerUserId !== options.self) await assertUserManager(db, partnerId, actor.partnerUserId);
  const account = await getAccount(db, partnerId);
  const isSandbox = await db.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', partnerId).executeTakeFirst();
  if (account.role !== 'partner' || isSandbox) {
    throw new DomainError('partner_users_not_allowed', 'only a partner account (not its sandbox) has users', { accountId: partnerId });
  }
  return account;
}

/** Refuses unless `actor` manages this partner's users (see `managedPartner`). */
export async function assertManagesPartnerUsers(db: Kysely<DB>, actor: Actor, partnerId: string): Promise<void> {
  await managedPartner(db, actor, partnerId);
}

/** Refuses unless the acting user is a current manager of this partner (read fresh: a demotion counts at once). */
async function assertUserManager(db: Kysely<DB>, partnerId: string, actingUserId: string): Promise<void> {
  const acting = await db
    .selectFrom('partner_users')
    .select('role')
    .where('id', '=', actingUserId)
    .where('account_id', '=', partnerId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (acting?.role !== USER_MANAGER_ROLE) throw new DomainError('forbidden', "only a manager manages the partner's users");
}

/**
 * Serialises changes to one partner's users: taken before the acting user's role is read, so a
 * manager demoted a moment ago cannot still act, and two changes cannot both pass a check on the others.
 */
async function lockPartnerUsers(trx: Kysely<DB>, partnerId: string): Promise<void> {
  if (!isUuid(partnerId)) return; // nothing to lock: managedPartner finds no such account
  await trx.selectFrom('accounts').select('id').where('id', '=', partnerId).forUpdate().execute();
}

/**
 * The partner acting for itself keeps at least one manager: taking the role from the last current
 * one (removing or demoting them) is refused. An admin may (they are the way back in).
 */
async function assertKeepsAManager(trx: Kysely<DB>, actor: Actor, user: PartnerUserRow): Promise<void> {
  if (actor.accountId !== user.account_id || user.role !== USER_MANAGER_ROLE || user.removed_at !== null) return;
  const managers = await trx
    .selectFrom('partner_users')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('account_id', '=', user.account_id)
    .where('role', '=', USER_MANAGER_ROLE)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(managers.count) <= 1) {
    throw new DomainError('last_user_manager', 'this is the last manager of the partner: make someone else a manager first', { userId: user.id });
  }
}

/** A user of this partner, locked for the rest of the transaction; another partner's user is not found. */
async function lockUser(trx: Kysely<DB>, partnerId: string, userId: string): Promise<PartnerUserRow> {
  const row = isUuid(userId)
    ? await trx.selectFrom('partner_users').selectAll().where('id', '=', userId).where('account_id', '=', partnerId).forUpdate().executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('partner_user_not_found', `no user ${userId}`, { userId });
  return row;
}

/** The partner's users, current ones first, then removed ones; newest first within each. */
export async function listPartnerUsers(db: Kysely<DB>, actor: Actor, partnerId: string): Promise<PartnerUser[]> {
  await managedPartner(db, actor, partnerId);
  const rows = await db
    .selectFrom('partner_users')
    .selectAll()
    .where('account_id', '=', partnerId)
    .orderBy((eb) => eb('removed_at', 'is not', null))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toPartnerUser);
}

export interface NewPartnerUser {
  name: string;
  email: string;
  role: PartnerUserRole;
}

export async function addPartnerUser(db: Kysely<DB>, actor: Actor, partnerId: string, input: NewPartnerUser): Promise<PartnerUser> {
  const name = input.name.trim();
  const email = input.email.trim().toLowerCase();
  if (name.length < 1 || name.length > 200) throw new DomainError('invalid_name', 'a name of 1 to 200 characters is required');
  // The address is where sign-in links go: one plausible mailbox, no spaces or line breaks.
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new DomainError('invalid_email', 'a valid email address is required');
  if (!PARTNER_USER_ROLES.includes(input.role)) throw new DomainError('invalid_role', `role must be one of ${PARTNER_USER_ROLES.join(', ')}`);
  return withTransaction(db, async (trx) => {
    // First, so the acting user's role and the email check both hold until the commit.
    await lockPartnerUsers(trx, partnerId);
    const partner = await managedPartner(trx, actor, partnerId);
    const existing = await trx
      .selectFrom('partner_users')
      .select('id')
      .where('account_id', '=', partner.id)
      .where('email', '=', email)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (existing) throw new DomainError('partner_user_exists', 'this partner already has a user with this email', { userId: existing.id });
    const row = await trx
      .insertInto('partner_users')
      .values({ account_id: partner.id, name, email, role: input.role, created_by: actor.accountId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'partner_user.added',
      subject: { type: 'partner_user', id: row.id },
      after: { accountId: partner.id, name, email, role: row.role, byUserId: actor.partnerUserId ?? null },
    });
    return toPartnerUser(row);
  });
}

/** Removes a user and revokes every key of theirs now (live and test). Removing twice changes nothing. */
export async function removePartnerUser(db: Kysely<DB>, actor: Actor, partnerId: string, userId: string): Promise<PartnerUser> {
  return withTransaction(db, async (trx) => {
    await lockPartnerUsers(trx, partnerId);
    await managedPartner(trx, actor, partnerId);
    const row = await lockUser(trx, partnerId, userId);
    if (row.removed_at !== null) return toPartnerUser(row);
    await assertKeepsAManager(trx, actor, row);
    const now = new Date();
    const removed = await trx
      .updateTable('partner_users')
      .set({ removed_at: now, removed_by: actor.accountId })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const revoked = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_by: actor.accountId })
      .where('partner_user_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await writeAudit(trx, {
      actor,
      action: 'partner_user.removed',
      subject: { type: 'partner_user', id: row.id },
      before: { removedAt: null },
      after: { removedAt: now, revokedKeyIds: revoked.map((key) => key.id), byUserId: actor.partnerUserId ?? null },
    });
    return toPartnerUser(removed);
  });
}

/**
 * Gives a user another role; their keys (not revoked) take it as their scope in the same
 * transaction, so a demoted user's key loses the rights at once (the key cache follows the change).
 */
export async function setPartnerUserRole(db: Kysely<DB>, actor: Actor, partnerId: string, userId: string, role: PartnerUserRole): Promise<PartnerUser> {
  if (!PARTNER_USER_ROLES.includes(role)) throw new DomainError('invalid_role', `role must be one of ${PARTNER_USER_ROLES.join(', ')}`);
  return withTransaction(db, async (trx) => {
    await lockPartnerUsers(trx, partnerId);
    await managedPartner(trx, actor, partnerId);
    const row = await lockUser(trx, partnerId, userId);
    if (row.removed_at !== null) throw new DomainError('partner_user_removed', 'this user was removed', { userId });
    if (row.role === role) return toPartnerUser(row);
    await assertKeepsAManager(trx, actor, row);
    const changed = await trx.updateTable('partner_users').set({ role }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    const rescoped = await trx
      .updateTable('api_keys')
      .set({ scope: role })
      .where('partner_user_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await writeAudit(trx, {
      actor,
      action: 'partner_user.role_changed',
      subject: { type: 'partner_user', id: row.id },
      before: { role: row.role },
      after: { role, rescopedKeyIds: rescoped.map((key) => key.id), byUserId: actor.partnerUserId ?? null },
    });
    return toPartnerUser(changed);
  });
}

/**
 * Issues a key for a user (shown once): scope = the user's role. A `test` key acts on the partner's
 * sandbox account, a `live` key on the partner itself; a paused partner gets none.
 */
export async function issuePartnerUserKey(
  db: Kysely<DB>,
  secret: string,
  actor: Actor,
  partnerId: string,
  userId: string,
  input: { mode: ApiKeyMode; ipAllowlist?: readonly string[] | null },
): Promise<IssuedApiKey> {
  const ipAllowlist = parseIpAllowlist(input.ipAllowlist);
  return withTransaction(db, async (trx) => {
    // A user issues keys for themselves; for someone else, only as a manager.
    await lockPartnerUsers(trx, partnerId);
    const partner = await managedPartner(trx, actor, partnerId, { self: userId });
    assertActive(partner);
    // Locked so a concurrent removal cannot miss a key issued at the same moment.
    const user = await lockUser(trx, partnerId, userId);
    if (user.removed_at !== null) throw new DomainError('partner_user_removed', 'this user was removed', { userId });
    if (input.mode === 'live') await assertPartnerApproved(trx, partner.id);
    const target = input.mode === 'test' ? await ensureSandboxAccount(trx, partner) : partner;
    const issued = await insertKey(trx, secret, {
      accountId: target.id,
      mode: input.mode,
      createdBy: actor.accountId,
      ipAllowlist,
      user: { id: user.id, scope: user.role },
    });
    await writeAudit(trx, {
      actor,
      action: 'api_key.created',
      subject: { type: 'api_key', id: issued.id },
      after: { accountId: issued.accountId, mode: issued.mode, prefix: issued.prefix, ipAllowlist, scope: issued.scope, userId: user.id },
    });
    return issued;
  });
}
