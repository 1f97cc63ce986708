// Risk limits (issue 5): a daily spend and a daily order count per account (UTC day), with a
// default per role and an admin override per account. Checked in the order-creation transaction
// after the buyer's advisory lock, before any hold, so concurrent orders cannot both slip under.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, money, type Money } from '../../shared/money.ts';
import { getAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';

export interface RiskLimits {
  /** Minor units of the account's currency; null = no limit. */
  dailySpend: bigint | null;
  dailyOrderCount: number | null;
}

export type RiskLimitTarget = { accountId: string } | { role: 'agent' | 'sub_agent' | 'partner' };

/** Sets the limits of a role (its default) or of one account (overriding its role's). */
export async function setRiskLimits(db: Kysely<DB>, actor: Actor, target: RiskLimitTarget, limits: RiskLimits): Promise<void> {
  await withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const values = { daily_spend_minor: limits.dailySpend, daily_order_count: limits.dailyOrderCount, updated_at: new Date() };
    if ('accountId' in target) {
      await getAccount(trx, target.accountId);
      await trx
        .insertInto('risk_limits')
        .values({ account_id: target.accountId, ...values })
        .onConflict((conflict) => conflict.column('account_id').doUpdateSet(values))
        .execute();
    } else {
      await trx
        .insertInto('risk_limits')
        .values({ role: target.role, ...values })
        .onConflict((conflict) => conflict.column('role').doUpdateSet(values))
        .execute();
    }
    const subject = 'accountId' in target ? { type: 'account', id: target.accountId } : { type: 'role', id: target.role };
    await writeAudit(trx, {
      actor,
      action: 'risk_limits.set',
      subject,
      after: { dailySpend: limits.dailySpend?.toString() ?? null, dailyOrderCount: limits.dailyOrderCount },
    });
  });
}

export async function riskLimitsFor(db: Kysely<DB>, account: Account): Promise<RiskLimits> {
  const row = await db
    .selectFrom('risk_limits')
    .select(['daily_spend_minor', 'daily_order_count', 'account_id'])
    .where((eb) => eb.or([eb('account_id', '=', account.id), eb('role', '=', account.role)]))
    .orderBy(sql`account_id is null`)
    .limit(1)
    .executeTakeFirst();
  return { dailySpend: row?.daily_spend_minor ?? null, dailyOrderCount: row?.daily_order_count ?? null };
}

/** Refuses an order of `total` that would take the account past its limits today (failed orders do not count). */
export async function assertWithinRiskLimits(db: Kysely<DB>, account: Account, total: Money, now: Date): Promise<void> {
  const limits = await riskLimitsFor(db, account);
  if (limits.dailySpend === null && limits.dailyOrderCount === null) return;
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const today = await db
    .selectFrom('orders')
    .select([sql<string>`coalesce(sum(total_minor), 0)`.as('spent'), sql<string>`count(*)`.as('orders')])
    .where('buyer_id', '=', account.id)
    .where('created_at', '>=', dayStart)
    .where('status', '!=', 'failed')
    .executeTakeFirstOrThrow();
  if (limits.dailyOrderCount !== null && Number(today.orders) + 1 > limits.dailyOrderCount) {
    throw new DomainError('daily_limit_exceeded', `the daily limit of ${limits.dailyOrderCount} orders is reached`, {
      limit: 'daily_order_count',
      value: limits.dailyOrderCount,
    });
  }
  if (limits.dailySpend !== null && BigInt(today.spent) + total.amount > limits.dailySpend) {
    throw new DomainError('daily_limit_exceeded', `this order would pass the daily spend limit of ${formatMoney(money(limits.dailySpend, account.currency))}`, {
      limit: 'daily_spend',
      value: formatMoney(money(limits.dailySpend, account.currency)),
    });
  }
}
