// The admin's view of all accounts: filtered, paginated by id (stable under inserts), and one
// account with its balance.
import type { Kysely } from 'kysely';
import { containsPattern } from '../../db/like.ts';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { walletBalance } from '../ledger/ledger.ts';
import { getAccount, requireAdmin, toAccount, type Account } from './accounts.ts';
import type { AccountRole, AccountStatus } from './accounts.tables.ts';
import { INT8_MAX, isUuid } from '../../shared/ids.ts';

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

/** Accounts whose name contains `text` (any case), or whose id or Telegram id it is; by name. Admins only. */
export async function findAccounts(db: Kysely<DB>, actor: Actor, text: string, limit = 10): Promise<Account[]> {
  await requireAdmin(db, actor);
  const typed = text.trim();
  if (typed.length === 0 || typed.length > 200) return [];
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => {
      const matches = [eb('name', 'ilike', containsPattern(typed))];
      if (isUuid(typed)) matches.push(eb('id', '=', typed));
      if (/^\d{1,19}$/.test(typed) && BigInt(typed) <= INT8_MAX) matches.push(eb('telegram_user_id', '=', BigInt(typed)));
      return eb.or(matches);
    })
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toAccount);
}
