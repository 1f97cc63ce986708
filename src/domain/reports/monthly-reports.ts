// Reports as files (docs/bot-flows.md, Reports): an account's statement of a month and, for an
// agent, its direct sub-agents' orders of a month with the revenue share each earned, as CSV
// documents; and the monthly statement message every agent and sub-agent gets after a month ends
// (`announceMonthlyStatements`, the `reports.monthly-statements` job). Money is a decimal amount and
// its currency in two columns; text from outside (names) cannot become a spreadsheet formula.
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { textCell, toCsv, type CsvDocument } from '../../shared/csv.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatAmount, money } from '../../shared/money.ts';
import { createPostgresKeyValueStore } from '../../shared-state/index.ts';
import { resolvePrincipal } from '../accounts/accounts.ts';
import { platformActor, type Actor } from '../actor.ts';
import { eventMoney } from '../events.ts';
import { walletId } from '../ledger/ledger.ts';
import { monthlyStatement } from '../ledger/statements.ts';
import { monthOf, parseMonth } from '../month.ts';
import { formatOrderNumber } from '../orders/orders.ts';

/**
 * An account's statement of a month as CSV (its own, a direct child's, or an admin's view of
 * anyone's: `monthlyStatement`'s rights): the opening balance, every movement of the month oldest
 * first, the closing balance; opening + movements = closing.
 */
export async function statementCsv(db: Kysely<DB>, actor: Actor, accountId: string, label: string): Promise<CsvDocument> {
  const statement = await monthlyStatement(db, actor, accountId, label);
  const month = parseMonth(label);
  const { rows } = await sql<{ created_at: Date; kind: string; amount: bigint; currency: string; transfer_id: string; number: bigint | null }>`
    select e.created_at, t.kind, e.amount, e.currency, t.id as transfer_id, o.number
    from entries e
    join transfers t on t.id = e.transfer_id
    left join orders o on o.id::text = t.metadata->>'orderId'
    where e.ledger_account_id = ${walletId(accountId)} and e.created_at >= ${month.start} and e.created_at < ${month.end}
    order by e.id`.execute(db);
  const line = (at: Date, kind: string, amount: bigint, order = '', transfer = '') => [
    at.toISOString(),
    kind,
    formatAmount(money(amount, statement.closing.currency)),
    statement.closing.currency,
    order,
    transfer,
  ];
  const content = toCsv(
    ['date', 'kind', 'amount', 'currency', 'order', 'transfer_id'],
    [
      line(month.start, 'opening_balance', statement.opening.amount),
      ...rows.map((row) => line(row.created_at, row.kind, row.amount, row.number === null ? '' : formatOrderNumber(row.number), row.transfer_id)),
      line(new Date(Math.min(month.end.getTime(), Date.now())), 'closing_balance', statement.closing.amount),
    ],
  );
  return { filename: `statement-${label}.csv`, content };
}

/**
 * An agent's direct sub-agents' orders created in a month, by sub-agent, with the revenue share each
 * order earned the agent (its accrual; nothing for refunded cards or unfinished orders).
 */
export async function subAgentOrdersCsv(db: Kysely<DB>, actor: Actor, label: string): Promise<CsvDocument> {
  const month = parseMonth(label);
  const principal = await resolvePrincipal(db, actor);
  if (principal.kind !== 'account' || principal.account.role !== 'agent') throw new DomainError('forbidden', 'only an agent has sub-agents’ orders');
  const agentId = principal.account.id;
  const orders = await db
    .selectFrom('orders as o')
    .innerJoin('accounts as a', 'a.id', 'o.buyer_id')
    .leftJoin('catalog_products as p', 'p.id', 'o.product_id')
    // Accruals name their order as text (order_id is not a foreign key: docs/money.md).
    .leftJoin('revenue_share_accruals as r', (join) => join.on(sql<boolean>`r.order_id = o.id::text`).on('r.agent_id', '=', agentId))
    .select([
      'a.name as sub_agent',
      'o.number',
      'o.created_at',
      'p.name as product',
      'o.face_minor',
      'o.face_currency',
      'o.quantity',
      'o.cards_delivered',
      'o.unit_price_minor',
      'o.total_minor',
      'o.currency',
      'o.status',
      'r.amount as share_minor',
    ])
    .where('a.parent_id', '=', agentId)
    .where('o.created_at', '>=', month.start)
    .where('o.created_at', '<', month.end)
    .orderBy('a.name')
    .orderBy('o.number')
    .execute();
  const amount = (minor: bigint, currency: string) => formatAmount(money(minor, currency));
  const content = toCsv(
    ['sub_agent', 'order', 'date', 'card', 'face', 'face_currency', 'quantity', 'delivered', 'unit_price', 'total', 'currency', 'status', 'earned_share'],
    orders.map((order) => [
      textCell(order.sub_agent),
      formatOrderNumber(order.number),
      order.created_at.toISOString(),
      textCell(order.product ?? ''),
      amount(order.face_minor, order.face_currency),
      order.face_currency,
      order.quantity,
      order.cards_delivered ?? 0,
      amount(order.unit_price_minor, order.currency),
      amount(order.total_minor, order.currency),
      order.currency,
      order.status,
      amount(order.share_minor ?? 0n, order.currency),
    ]),
  );
  return { filename: `sub-agents-${label}.csv`, content };
}

/** Long enough that a month's markers outlive any re-run of its job. */
const MARKER_TTL_MS = 400 * 24 * 3600 * 1000;

/** The month before `now`'s (the one a run on the 1st reports). */
export const lastMonth = (now = new Date()): string => monthOf(new Date(monthOf(now).start.getTime() - 1)).label;

/**
 * After a month ends: every agent and sub-agent bound to Telegram that existed then and had a
 * balance or a movement gets its statement of that month (the `statement.monthly` event; the bot
 * sends it with the CSV button). Once per account and month (a marker written with the event), so
 * a re-run or a retried job sends nothing twice.
 */
export async function announceMonthlyStatements(
  ctx: Pick<AppContext, 'db' | 'events'>,
  label: string,
  now = new Date(),
): Promise<{ month: string; announced: number }> {
  const month = parseMonth(label);
  if (month.end > now) throw new DomainError('month_not_over', `${label} is not over yet`);
  const accounts = await ctx.db
    .selectFrom('accounts')
    .select('id')
    .where('role', 'in', ['agent', 'sub_agent'])
    .where('telegram_user_id', 'is not', null)
    .where('created_at', '<', month.end)
    .orderBy('created_at')
    .execute();
  let announced = 0;
  for (const { id } of accounts) {
    const sent = await withTransaction(ctx.db, async (trx) => {
      const statement = await monthlyStatement(trx, platformActor('system'), id, label);
      const quiet = [statement.opening, statement.credits, statement.debits, statement.orders, statement.revenueShare].every((part) => part.amount === 0n);
      if (quiet) return false;
      if (!(await createPostgresKeyValueStore(trx).setIfAbsent(`monthly-statement:${label}:${id}`, '1', MARKER_TTL_MS))) return false;
      await ctx.events.record(trx, {
        type: 'statement.monthly',
        accountId: id,
        month: label,
        opening: eventMoney(statement.opening),
        credits: eventMoney(statement.credits),
        debits: eventMoney(statement.debits),
        orders: eventMoney(statement.orders),
        revenueShare: eventMoney(statement.revenueShare),
        closing: eventMoney(statement.closing),
      });
      return true;
    });
    if (sent) announced += 1;
  }
  return { month: label, announced };
}
