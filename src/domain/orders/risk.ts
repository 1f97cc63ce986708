// Risk limits (issue 5): a daily spend and a daily order count per account (UTC day), with a
// default per role and an admin override per account. Enforced by the intake's database functions
// (`order_intake_batch`, `order_intake`) under the buyer's advisory lock, before any hold, so
// concurrent orders cannot both slip under (migrations 2026_11_28_080000, 2026_11_30_000000).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
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
