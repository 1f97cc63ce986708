// Monthly wallet statements: opening balance, what came in and went out by category, closing
// balance. Computed from the entries (the ledger is the truth), so opening + movements = closing.
//   orders        — holds, releases, settlements and refunds of orders (kinds `order_*`)
//   revenueShare  — revenue-share payouts received
//   credits/debits — everything else, by sign (top-ups, allocations, reclaims, manual adjustments)
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import { getAccount, resolvePrincipal } from '../accounts/accounts.ts';
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
  if (principal.kind === 'account' && principal.account.id !== account.id && account.parentId !== principal.account.id) {
    throw new DomainError('not_direct_child', 'you can only see your own statement and your direct sub-accounts’', { accountId });
  }
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
  const parts = { opening: total('opening'), credits: total('credits'), debits: total('debits'), orders: total('orders'), revenueShare: total('revenue_share') };
  const closing = money(
    parts.opening.amount + parts.credits.amount + parts.debits.amount + parts.orders.amount + parts.revenueShare.amount,
    account.currency,
  );
  return { accountId: account.id, month: month.label, ...parts, closing };
}
