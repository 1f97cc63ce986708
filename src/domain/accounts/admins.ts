// Promoting and demoting admins (docs/product.md#roles-and-the-hierarchy: admins are bootstrapped from configuration and can
// promote others). Demoting pauses the admin account (a paused account has no rights) instead of
// deleting it, so the audit log keeps pointing at a real actor; promoting a demoted admin resumes it.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { addAdmin, findAccountByTelegramId, getAccount, requireAdmin, toAccount, type Account } from './accounts.ts';

async function setAdminStatus(trx: Kysely<DB>, actor: Actor, admin: Account, status: 'active' | 'paused'): Promise<Account> {
  const row = await trx.updateTable('accounts').set({ status, updated_at: new Date() }).where('id', '=', admin.id).returningAll().executeTakeFirstOrThrow();
  await writeAudit(trx, {
    actor,
    action: status === 'active' ? 'admin.promoted' : 'admin.demoted',
    subject: { type: 'account', id: admin.id },
    before: { status: admin.status },
    after: { status },
  });
  return toAccount(row);
}

/** Makes a Telegram user an admin (a new admin account, or a demoted one active again). */
export async function promoteAdmin(db: Kysely<DB>, actor: Actor, input: { telegramUserId: string; currency: string }): Promise<Account> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const existing = await findAccountByTelegramId(trx, input.telegramUserId);
    if (existing?.role === 'admin' && existing.status === 'paused') return setAdminStatus(trx, actor, existing, 'active');
    const { account, created } = await addAdmin(trx, actor, input);
    if (created) await writeAudit(trx, { actor, action: 'admin.promoted', subject: { type: 'account', id: account.id }, after: { status: 'active' } });
    return account;
  });
}

/** Takes an admin's rights away. Nobody demotes themselves (someone must stay able to promote). */
export async function demoteAdmin(db: Kysely<DB>, actor: Actor, adminId: string): Promise<Account> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const admin = await getAccount(trx, adminId);
    if (admin.role !== 'admin') throw new DomainError('not_an_admin', `${admin.name} is not an admin`, { accountId: adminId });
    if (admin.id === actor.accountId) throw new DomainError('cannot_demote_self', 'an admin cannot demote themselves');
    if (admin.status === 'paused') return admin;
    return setAdminStatus(trx, actor, admin, 'paused');
  });
}

/** Every admin account (active first), for the admins screen. */
export async function listAdmins(db: Kysely<DB>, actor: Actor): Promise<Account[]> {
  await requireAdmin(db, actor);
  const rows = await db.selectFrom('accounts').selectAll().where('role', '=', 'admin').orderBy('status').orderBy('created_at').execute();
  return rows.map(toAccount);
}
