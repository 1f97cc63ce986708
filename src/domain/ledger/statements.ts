// Wallet history (paginated) and monthly statements: opening balance, what came in and went out by category, closing
// balance. Computed from the entries (the ledger is the truth), so opening + movements = closing.
//   orders        — holds, releases, settlements and refunds of orders (kinds `order_*`)
//   revenueShare  — revenue-share payouts received
//   credits/debits — everything else, by sign (top-ups, allocations, reclaims, manual adjustments)
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import { parseInt8Id } from '../../shared/ids.ts';
import { assertCanSee, getAccount, resolvePrincipal } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { parseMonth } from '../month.ts';
import { walletId } from './ledger.ts';

export interface Statement {
  accountId: string;
  month: string;
  opening: Money;
  credits: Money;
  debits: Money;
  orders: Money;
  revenueShare: Money;
  closing: Money;
}

/** The statement of an account for a month: its own, a direct child's, or (admins) anyone's. */
export async function monthlyStatement(db: Kysely<DB>, actor: Actor, accountId: string, label: string): Promise<Statement> {
  const month = parseMonth(label);
  const principal = await resolvePrincipal(db, actor);
  const account = await getAccount(db, accountId);
  assertCanSee(principal, account);
  const ledgerAccountId = walletId(account.id);
  const rows = await sql<{ category: string; total: string }>`
    select case
             when e.created_at < ${month.start} then 'opening'
             when t.kind like 'order\\_%' then 'orders'
             when t.kind = 'revenue_share_payout' then 'revenue_share'
             when e.amount > 0 then 'credits'
             else 'debits'
           end as category,
           sum(e.amount)::text as total
    from entries e join transfers t on t.id = e.transfer_id
    where e.ledger_account_id = ${ledgerAccountId} and e.created_at < ${month.end}
    group by 1`.execute(db);
  const total = (category: string) => money(BigInt(rows.rows.find((row) => row.category === category)?.total ?? '0'), account.currency);
  const parts = {
    opening: total('opening'),
    credits: total('credits'),
    debits: total('debits'),
    orders: total('orders'),
    revenueShare: total('revenue_share'),
  };
  const closing = money(parts.opening.amount + parts.credits.amount + parts.debits.amount + parts.orders.amount + parts.revenueShare.amount, account.currency);
  return { accountId: account.id, month: month.label, ...parts, closing };
}

export interface WalletTransaction {
  /** Entry id, also the pagination cursor. */
  id: string;
  transferId: string;
  kind: string;
  /** Signed: positive came in, negative went out. */
  amount: Money;
  at: Date;
  metadata: Record<string, unknown>;
}

/** A wallet's movements, newest first, `limit` at a time; pass `nextCursor` back for the next page. */
export async function walletTransactions(
  db: Kysely<DB>,
  actor: Actor,
  accountId: string,
  page: { cursor?: string; limit?: number } = {},
): Promise<{ items: WalletTransaction[]; nextCursor: string | null }> {
  const principal = await resolvePrincipal(db, actor);
  const account = await getAccount(db, accountId);
  assertCanSee(principal, account);
  const cursor = page.cursor === undefined ? undefined : parseInt8Id(page.cursor);
  if (page.cursor !== undefined && cursor === undefined) throw new DomainError('invalid_cursor', 'this page cursor is not valid');
  const limit = Math.min(Math.max(page.limit ?? 20, 1), 200);
  const rows = await db
    .selectFrom('entries as e')
    .innerJoin('transfers as t', 't.id', 'e.transfer_id')
    .select(['e.id', 'e.transfer_id', 'e.amount', 'e.currency', 'e.created_at', 't.kind', 't.metadata'])
    .where('e.ledger_account_id', '=', walletId(account.id))
    .$if(cursor !== undefined, (query) => query.where('e.id', '<', cursor as bigint))
    .orderBy('e.id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map((row) => ({
    id: row.id.toString(),
    transferId: row.transfer_id,
    kind: row.kind,
    amount: money(row.amount, row.currency),
    at: row.created_at,
    metadata: row.metadata,
  }));
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
