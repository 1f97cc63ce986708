// Revenue share (docs/product.md#pricing-and-revenue-share). When a sub-agent's order completes, the order engine calls
// `recordRevenueShareAccrual` in its settlement transaction: the agent's share moves from order
// clearing to `revenue_share_payable` and the accrual is kept for the month. Closing month M pays
// each agent the sum of its accruals for M: one transfer per agent, idempotent per (agent, month).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import { getAccount, requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { eventMoney, serviceTarget, type EventContext, type ServiceTarget } from '../events.ts';
import { movement, systemAccountId, transfer, walletId } from '../ledger/ledger.ts';
import { monthOf, nextMonth, parseMonth, type Month } from '../month.ts';

export interface RevenueShareAccrual {
  id: string;
  orderId: string;
  agentId: string;
  subAgentId: string;
  amount: Money;
  /** "YYYY-MM" the share is paid for. */
  month: string;
  transferId: string | null;
}

export interface AccrualInput {
  /** The order engine's id of the completed order: one accrual per order. */
  orderId: string;
  subAgentId: string;
  /** Sub-agent price − agent price for the delivered cards; zero when the agent's plan is not cheaper. */
  amount: Money;
  completedAt: Date;
  actor: Actor;
}

/**
 * Records the share of one completed sub-agent order (idempotent on the order id). The share must
 * still be in order clearing (it is part of what the sub-agent was charged); refunded cards must
 * not be counted in `amount`. An accrual for a month already paid out goes to the next month.
 */
export async function recordRevenueShareAccrual(db: Kysely<DB>, input: AccrualInput): Promise<RevenueShareAccrual> {
  if (input.amount.amount < 0n) throw new DomainError('invalid_amount', 'a revenue share is never negative');
  return withTransaction(db, async (trx) => {
    const sub = await getAccount(trx, input.subAgentId);
    if (sub.role !== 'sub_agent' || !sub.parentId) throw new DomainError('not_a_sub_agent', 'revenue share accrues on sub-agent orders only');
    if (input.amount.currency !== sub.currency) throw new DomainError('currency_mismatch', `the share must be in ${sub.currency}`);
    const agentId = sub.parentId;
    // Shared lock on the agent: a payout in progress (which takes it exclusively) finishes first,
    // so an accrual is either counted in its month's payout or moved to the next month.
    await trx.selectFrom('accounts').select('id').where('id', '=', agentId).forShare().execute();

    let month: Month = monthOf(input.completedAt);
    const paid = await trx
      .selectFrom('revenue_share_payouts')
      .select('id')
      .where('agent_id', '=', agentId)
      .where('month', '=', month.firstDay)
      .executeTakeFirst();
    if (paid) month = nextMonth(month);

    const inserted = await trx
      .insertInto('revenue_share_accruals')
      .values({
        order_id: input.orderId,
        agent_id: agentId,
        sub_agent_id: sub.id,
        amount: input.amount.amount,
        currency: input.amount.currency,
        month: month.firstDay,
      })
      .onConflict((conflict) => conflict.column('order_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await getAccrual(trx, input.orderId);
      if (existing.amount.amount !== input.amount.amount || existing.subAgentId !== sub.id) {
        throw new DomainError('idempotency_conflict', `order ${input.orderId} already has a different revenue share accrual`);
      }
      return existing;
    }
    if (input.amount.amount > 0n) {
      const { transfer: moved } = await transfer(trx, {
        idempotencyKey: `revenue-share-accrual:${input.orderId}`,
        kind: 'revenue_share_accrual',
        entries: movement(systemAccountId('order_clearing', sub.currency), systemAccountId('revenue_share_payable', sub.currency), input.amount),
        metadata: { orderId: input.orderId, agentId, subAgentId: sub.id, month: month.label },
        actor: input.actor,
      });
      await trx.updateTable('revenue_share_accruals').set({ transfer_id: moved.id }).where('id', '=', inserted.id).execute();
    }
    return getAccrual(trx, input.orderId);
  });
}

async function getAccrual(db: Kysely<DB>, orderId: string): Promise<RevenueShareAccrual> {
  const row = await db
    .selectFrom('revenue_share_accruals')
    .select(['id', 'order_id', 'agent_id', 'sub_agent_id', 'amount', 'currency', 'transfer_id', sql<string>`to_char(month, 'YYYY-MM')`.as('month')])
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    orderId: row.order_id,
    agentId: row.agent_id,
    subAgentId: row.sub_agent_id,
    amount: money(row.amount, row.currency),
    month: row.month,
    transferId: row.transfer_id,
  };
}

export interface Payout {
  agentId: string;
  amount: Money;
  transferId: string;
  /** True when this month was already paid to this agent (nothing moved now). */
  alreadyPaid: boolean;
}

/** Pays month M (which must be over) to every agent with accruals in it. Safe to run again. */
export async function closeRevenueShareMonth(target: ServiceTarget, actor: Actor, label: string, now = new Date()): Promise<Payout[]> {
  const { db, events } = serviceTarget(target);
  const month = parseMonth(label);
  if (month.end > now) throw new DomainError('month_not_over', `${label} is not over yet`);
  await requireAdmin(db, actor);
  const agents = await db.selectFrom('revenue_share_accruals').select('agent_id').distinct().where('month', '=', month.firstDay).orderBy('agent_id').execute();
  const payouts: Payout[] = [];
  for (const { agent_id: agentId } of agents) {
    // One transaction per agent: one agent's failure does not hold back the others' pay.
    const payout = await payAgent(db, events, actor, agentId, month);
    if (payout) payouts.push(payout);
  }
  await writeAudit(db, {
    actor,
    action: 'revenue_share.month_closed',
    subject: { type: 'revenue_share_month', id: month.label },
    after: { payouts: payouts.map((payout) => ({ agentId: payout.agentId, amount: payout.amount, alreadyPaid: payout.alreadyPaid })) },
  });
  return payouts;
}

/** Pays one agent's month once (recorded: `revenue_share.paid`); a second close finds it paid. */
async function payAgent(db: Kysely<DB>, events: EventContext | undefined, actor: Actor, agentId: string, month: Month): Promise<Payout | undefined> {
  return withTransaction(db, async (trx) => {
    // Exclusive against accruals for this agent (they take a shared lock): the total is final.
    const agent = await trx.selectFrom('accounts').select(['id', 'currency']).where('id', '=', agentId).forNoKeyUpdate().executeTakeFirstOrThrow();
    const existing = await trx
      .selectFrom('revenue_share_payouts')
      .select(['amount', 'currency', 'transfer_id'])
      .where('agent_id', '=', agentId)
      .where('month', '=', month.firstDay)
      .executeTakeFirst();
    if (existing) return { agentId, amount: money(existing.amount, existing.currency), transferId: existing.transfer_id, alreadyPaid: true };
    const { total } = await trx
      .selectFrom('revenue_share_accruals')
      .select(sql<string>`coalesce(sum(amount), 0)::text`.as('total'))
      .where('agent_id', '=', agentId)
      .where('month', '=', month.firstDay)
      .executeTakeFirstOrThrow();
    const amount = money(BigInt(total), agent.currency);
    if (amount.amount === 0n) return undefined;
    const { transfer: paid } = await transfer(trx, {
      idempotencyKey: `revenue-share:${agentId}:${month.label}`,
      kind: 'revenue_share_payout',
      entries: movement(systemAccountId('revenue_share_payable', amount.currency), walletId(agentId), amount),
      metadata: { agentId, month: month.label },
      actor,
    });
    await trx
      .insertInto('revenue_share_payouts')
      .values({ agent_id: agentId, month: month.firstDay, amount: amount.amount, currency: amount.currency, transfer_id: paid.id })
      .execute();
    await events?.events.record(trx, { type: 'revenue_share.paid', accountId: agentId, month: month.label, amount: eventMoney(amount) });
    return { agentId, amount, transferId: paid.id, alreadyPaid: false };
  });
}

/** An agent's accrued share for a month, paid or not. */
export async function accruedRevenueShare(db: Kysely<DB>, agentId: string, label: string): Promise<Money> {
  const agent = await getAccount(db, agentId);
  const { total } = await db
    .selectFrom('revenue_share_accruals')
    .select(sql<string>`coalesce(sum(amount), 0)::text`.as('total'))
    .where('agent_id', '=', agentId)
    .where('month', '=', parseMonth(label).firstDay)
    .executeTakeFirstOrThrow();
  return money(BigInt(total), agent.currency);
}

/** What an agent was paid in revenue share so far, all months together. */
export async function paidRevenueShare(db: Kysely<DB>, agentId: string): Promise<Money> {
  const agent = await getAccount(db, agentId);
  const { total } = await db
    .selectFrom('revenue_share_payouts')
    .select(sql<string>`coalesce(sum(amount), 0)::text`.as('total'))
    .where('agent_id', '=', agentId)
    .executeTakeFirstOrThrow();
  return money(BigInt(total), agent.currency);
}

export interface PayoutPreview {
  agentId: string;
  agentName: string;
  amount: Money;
  /** Already paid for this month (closing again moves nothing for this agent). */
  paid: boolean;
}

/** What closing month M would pay, per agent (admins only): the preview before the confirmation. */
export async function previewRevenueShareMonth(db: Kysely<DB>, actor: Actor, label: string): Promise<PayoutPreview[]> {
  const month = parseMonth(label);
  await requireAdmin(db, actor);
  const rows = await db
    .selectFrom('revenue_share_accruals as a')
    .innerJoin('accounts as agent', 'agent.id', 'a.agent_id')
    .leftJoin('revenue_share_payouts as p', (join) => join.onRef('p.agent_id', '=', 'a.agent_id').on('p.month', '=', month.firstDay))
    .select(['a.agent_id', 'agent.name', 'a.currency', (eb) => eb.fn.sum<string>('a.amount').as('total'), sql<boolean>`bool_or(p.id is not null)`.as('paid')])
    .where('a.month', '=', month.firstDay)
    .groupBy(['a.agent_id', 'agent.name', 'a.currency'])
    .orderBy('agent.name')
    .execute();
  return rows
    .map((row) => ({ agentId: row.agent_id, agentName: row.name, amount: money(BigInt(row.total), row.currency), paid: row.paid }))
    .filter((row) => row.amount.amount !== 0n);
}
