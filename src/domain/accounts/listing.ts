// The admin's view of all accounts: filtered, paginated by id (stable under inserts), and one
// account with its balance.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { walletBalance } from '../ledger/ledger.ts';
import { getAccount, requireAdmin, toAccount, type Account } from './accounts.ts';
import type { AccountRole, AccountStatus } from './accounts.tables.ts';
import { isUuid } from '../../shared/ids.ts';

export async function listAccounts(
  db: Kysely<DB>,
  actor: Actor,
  filter: { role?: AccountRole; status?: AccountStatus; cursor?: string; limit?: number } = {},
): Promise<{ items: Account[]; nextCursor: string | null }> {
  await requireAdmin(db, actor);
  if (filter.cursor !== undefined && !isUuid(filter.cursor)) throw new DomainError('invalid_cursor', 'this page cursor is not valid');
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .$if(filter.role !== undefined, (query) => query.where('role', '=', filter.role as AccountRole))
    .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status as AccountStatus))
    .$if(filter.cursor !== undefined, (query) => query.where('id', '>', filter.cursor as string))
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toAccount);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

/** Any account with its wallet balance (null for admins: they have no wallet), for an admin. */
export async function accountOverview(db: Kysely<DB>, actor: Actor, accountId: string): Promise<{ account: Account; balance: Money | null }> {
  await requireAdmin(db, actor);
  const account = await getAccount(db, accountId);
  return { account, balance: account.role === 'admin' ? null : await walletBalance(db, account.id) };
}

/** Accounts whose name contains `text` (case-insensitive), or the account with this id; for an admin. */
export async function searchAccounts(db: Kysely<DB>, actor: Actor, text: string, limit = 50): Promise<Account[]> {
  await requireAdmin(db, actor);
  const needle = text.trim();
  if (needle.length === 0) return [];
  const pattern = `%${needle.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => (isUuid(needle) ? eb.or([eb('id', '=', needle), eb('name', 'ilike', pattern)]) : eb('name', 'ilike', pattern)))
    .where('role', '!=', 'admin')
    .orderBy('name')
    .orderBy('id')
    .limit(Math.min(Math.max(limit, 1), 200))
    .execute();
  return rows.map(toAccount);
}
