// Whether an account may order now, asked at the first step of a flow (the bot's "Order cards") so
// a refusal comes before any question. The intake (order_intake_batch) decides again when the order
// is created: this is the early answer, not the guard.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';

/** Refuses a missing or paused account, one that cannot order (admins), or one whose parent is paused. */
export async function assertMayOrder(db: Kysely<DB>, accountId: string): Promise<void> {
  const row = await db
    .selectFrom('accounts as a')
    .leftJoin('accounts as p', 'p.id', 'a.parent_id')
    .select(['a.role', 'a.status', 'p.status as parent_status', 'p.name as parent_name'])
    .where('a.id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new DomainError('account_not_found', `no account ${accountId}`);
  if (row.status === 'paused') throw new DomainError('account_paused', 'this account is paused', { accountId });
  if (row.role === 'admin') throw new DomainError('role_cannot_order', 'admins do not order cards', { accountId });
  if (row.parent_status === 'paused') throw new DomainError('parent_paused', `the parent account ${String(row.parent_name)} is paused`, { accountId });
}
