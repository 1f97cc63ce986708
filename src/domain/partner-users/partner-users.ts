// People of a partner (issue 8): each has a role, `developer` or `finance`, and their own API keys,
// whose scope is that role (the permission matrix lives in api/middleware/scopes.ts and docs/api.md).
// The partner itself (its owner keys) or an admin manages them. Removing a user revokes their keys at
// once. Users belong to the real partner account; their test keys act on its sandbox account.
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

export const PARTNER_USER_ROLES = ['developer', 'finance'] as const satisfies readonly PartnerUserRole[];

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
 * The partner whose users `actor` manages: the partner acting for itself, or an admin (or the
 * platform) acting on any partner. A sandbox account has no users of its own.
 */
async function managedPartner(db: Kysely<DB>, actor: Actor, partnerId: string): Promise<Account> {
  if (actor.accountId !== partnerId) await requireAdmin(db, actor);
  const account = await getAccount(db, partnerId);
  const isSandbox = await db.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', partnerId).executeTakeFirst();
  if (account.role !== 'partner' || isSandbox) {
    throw new DomainError('partner_users_not_allowed', 'only a partner account (not its sandbox) has users', { accountId: partnerId });
  }
  return account;
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
  if (!PARTNER_USER_ROLES.includes(input.role)) throw new DomainError('invalid_role', `role must be one of ${PARTNER_USER_ROLES.join(', ')}`);
  return withTransaction(db, async (trx) => {
    const partner = await managedPartner(trx, actor, partnerId);
    // Serialises user changes of one partner, so two adds of one email cannot both pass the check.
    await trx.selectFrom('accounts').select('id').where('id', '=', partner.id).forUpdate().execute();
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
      after: { accountId: partner.id, name, email, role: row.role },
    });
    return toPartnerUser(row);
  });
}

/** Removes a user and revokes every key of theirs now (live and test). Removing twice changes nothing. */
export async function removePartnerUser(db: Kysely<DB>, actor: Actor, partnerId: string, userId: string): Promise<PartnerUser> {
  return withTransaction(db, async (trx) => {
    await managedPartner(trx, actor, partnerId);
    const row = await lockUser(trx, partnerId, userId);
    if (row.removed_at !== null) return toPartnerUser(row);
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
      after: { removedAt: now, revokedKeyIds: revoked.map((key) => key.id) },
    });
    return toPartnerUser(removed);
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
    const partner = await managedPartner(trx, actor, partnerId);
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
