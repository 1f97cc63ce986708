// Risk limits (issue 5, issue 20): a daily spend, a daily order count (UTC day) and a largest single
// order per account, with a default per role and an admin override per account. Enforced by the
// intake's database functions (`order_intake_batch`, `order_intake`) under the buyer's advisory
// lock, before any hold, so concurrent orders cannot both slip under (migrations
// 2026_11_28_080000, 2026_11_30_000000, 2026_12_04_020000). The agent and sub-agent role defaults
// come from configuration (`ensureRoleRiskDefaults`, at start and in the demo seed).
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, parseMoney, toJsonMoney, type Money } from '../../shared/money.ts';
import { getAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';

export interface RiskLimits {
  /** Minor units of the account's currency; null = no limit. */
  dailySpend: bigint | null;
  dailyOrderCount: number | null;
  /** The largest single order, minor units of the account's currency; null or absent = no limit. */
  maxOrder?: bigint | null;
}

export const NO_LIMITS: RiskLimits = { dailySpend: null, dailyOrderCount: null, maxOrder: null };

export type RiskLimitTarget = { accountId: string } | { role: 'agent' | 'sub_agent' | 'partner' };

/** Where an account's limits come from: its own override, its role's default, or nowhere (no limits). */
export type RiskLimitSource = 'account' | 'role' | 'none';

function assertValid(limits: RiskLimits): void {
  const bad =
    (limits.dailySpend !== null && limits.dailySpend <= 0n) ||
    (limits.maxOrder != null && limits.maxOrder <= 0n) ||
    (limits.dailyOrderCount !== null && (!Number.isSafeInteger(limits.dailyOrderCount) || limits.dailyOrderCount < 1 || limits.dailyOrderCount > 1e9));
  if (bad) throw new DomainError('invalid_risk_limits', 'a limit is a positive amount or order count (or none)');
}

const auditView = (limits: RiskLimits) => ({
  dailySpend: limits.dailySpend?.toString() ?? null,
  dailyOrderCount: limits.dailyOrderCount,
  maxOrder: limits.maxOrder?.toString() ?? null,
});

const columns = (limits: RiskLimits) => ({
  daily_spend_minor: limits.dailySpend,
  daily_order_count: limits.dailyOrderCount,
  max_order_minor: limits.maxOrder ?? null,
  updated_at: new Date(),
});

/** Sets the limits of a role (its default) or of one account (overriding its role's). Admins only, audited. */
export async function setRiskLimits(db: Kysely<DB>, actor: Actor, target: RiskLimitTarget, limits: RiskLimits): Promise<void> {
  assertValid(limits);
  await withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const values = columns(limits);
    let before: RiskLimits | null;
    if ('accountId' in target) {
      const account = await getAccount(trx, target.accountId);
      before = (await riskLimitsOf(trx, account)).limits;
      await trx
        .insertInto('risk_limits')
        .values({ account_id: target.accountId, ...values })
        .onConflict((conflict) => conflict.column('account_id').doUpdateSet(values))
        .execute();
    } else {
      const row = await trx.selectFrom('risk_limits').selectAll().where('role', '=', target.role).executeTakeFirst();
      before = row ? fromRow(row) : null;
      await trx
        .insertInto('risk_limits')
        .values({ role: target.role, ...values })
        .onConflict((conflict) => conflict.column('role').doUpdateSet(values))
        .execute();
    }
    const subject = 'accountId' in target ? { type: 'account', id: target.accountId } : { type: 'role', id: target.role };
    await writeAudit(trx, { actor, action: 'risk_limits.set', subject, before: before && auditView(before), after: auditView(limits) });
  });
}

const fromRow = (row: { daily_spend_minor: bigint | null; daily_order_count: number | null; max_order_minor: bigint | null }): RiskLimits => ({
  dailySpend: row.daily_spend_minor,
  dailyOrderCount: row.daily_order_count,
  maxOrder: row.max_order_minor,
});

/** The limits the intake applies to an account (its override, else its role's), and where they come from. */
export async function riskLimitsOf(db: Kysely<DB>, account: Pick<Account, 'id' | 'role'>): Promise<{ limits: RiskLimits; source: RiskLimitSource }> {
  const row = await db
    .selectFrom('risk_limits')
    .select(['daily_spend_minor', 'daily_order_count', 'max_order_minor', 'account_id'])
    .where((eb) => eb.or([eb('account_id', '=', account.id), eb('role', '=', account.role)]))
    .orderBy(sql`account_id is null`)
    .limit(1)
    .executeTakeFirst();
  if (!row) return { limits: NO_LIMITS, source: 'none' };
  return { limits: fromRow(row), source: row.account_id === null ? 'role' : 'account' };
}

export async function riskLimitsFor(db: Kysely<DB>, account: Account): Promise<RiskLimits> {
  return (await riskLimitsOf(db, account)).limits;
}

/** An account's limits and today's use of them (UTC day; failed orders do not count), as admins see them. */
export interface AccountRiskLimits {
  account: Account;
  source: RiskLimitSource;
  dailySpend: Money | null;
  dailyOrderCount: number | null;
  maxOrder: Money | null;
  today: { spent: Money; orders: number };
}

export async function accountRiskLimits(db: Kysely<DB>, actor: Actor, accountId: string): Promise<AccountRiskLimits> {
  await requireAdmin(db, actor);
  const account = await getAccount(db, accountId);
  const { limits, source } = await riskLimitsOf(db, account);
  const today = await dayTotals(db, account.id);
  const inCurrency = (amount: bigint | null) => (amount === null ? null : money(amount, account.currency));
  return {
    account,
    source,
    dailySpend: inCurrency(limits.dailySpend),
    dailyOrderCount: limits.dailyOrderCount,
    maxOrder: inCurrency(limits.maxOrder ?? null),
    today: { spent: money(today.spent, account.currency), orders: today.orders },
  };
}

/** Today's (UTC) spend and count of an account's orders that did not fail (`order_day_totals`). */
export async function dayTotals(db: Kysely<DB>, accountId: string): Promise<{ spent: bigint; orders: number }> {
  const row = await db
    .selectFrom('order_day_totals')
    .select(['spend_minor', 'order_count'])
    .where('account_id', '=', accountId)
    .where(sql<boolean>`day = (now() at time zone 'UTC')::date`)
    .executeTakeFirst();
  return { spent: row?.spend_minor ?? 0n, orders: row?.order_count ?? 0 };
}

/** Sets one account's limits from Money values, which must be in the account's currency. */
export async function setAccountRiskLimits(
  db: Kysely<DB>,
  actor: Actor,
  accountId: string,
  limits: { dailySpend: Money | null; dailyOrderCount: number | null; maxOrder: Money | null },
): Promise<AccountRiskLimits> {
  await requireAdmin(db, actor);
  const account = await getAccount(db, accountId);
  const minor = (value: Money | null) => {
    if (value === null) return null;
    if (value.currency !== account.currency) {
      throw new DomainError('currency_mismatch', `limits are in the account's currency (${account.currency})`, { currency: value.currency });
    }
    return value.amount;
  };
  await setRiskLimits(
    db,
    actor,
    { accountId },
    { dailySpend: minor(limits.dailySpend), dailyOrderCount: limits.dailyOrderCount, maxOrder: minor(limits.maxOrder) },
  );
  return accountRiskLimits(db, actor, accountId);
}

/** An account's limits as the API and the CLI's --json show them (money as `{amount, currency}`, null for none). */
export function riskLimitsJson(view: AccountRiskLimits) {
  const limit = (value: Money | null) => (value === null ? null : toJsonMoney(value));
  return {
    accountId: view.account.id,
    source: view.source,
    dailySpend: limit(view.dailySpend),
    dailyOrderCount: view.dailyOrderCount,
    maxOrder: limit(view.maxOrder),
    today: { spent: toJsonMoney(view.today.spent), orders: view.today.orders },
  };
}

type RiskDefaultsConfig = Pick<
  Config,
  | 'SETTLEMENT_CURRENCY'
  | 'RISK_AGENT_DAILY_SPEND'
  | 'RISK_AGENT_DAILY_ORDERS'
  | 'RISK_AGENT_MAX_ORDER'
  | 'RISK_SUB_AGENT_DAILY_SPEND'
  | 'RISK_SUB_AGENT_DAILY_ORDERS'
  | 'RISK_SUB_AGENT_MAX_ORDER'
>;

/** The configured defaults of agents and sub-agents, in minor units of the settlement currency. */
export function configuredRoleDefaults(config: RiskDefaultsConfig): Record<'agent' | 'sub_agent', RiskLimits> {
  const amount = (value: string | null) => (value === null ? null : parseMoney(value, config.SETTLEMENT_CURRENCY, 'half-up').amount);
  return {
    agent: {
      dailySpend: amount(config.RISK_AGENT_DAILY_SPEND),
      dailyOrderCount: config.RISK_AGENT_DAILY_ORDERS,
      maxOrder: amount(config.RISK_AGENT_MAX_ORDER),
    },
    sub_agent: {
      dailySpend: amount(config.RISK_SUB_AGENT_DAILY_SPEND),
      dailyOrderCount: config.RISK_SUB_AGENT_DAILY_ORDERS,
      maxOrder: amount(config.RISK_SUB_AGENT_MAX_ORDER),
    },
  };
}

/**
 * Writes the configured agent and sub-agent defaults as their roles' limits where a role has none
 * yet (a fresh database); a default an admin set (`steller risk set --role`) is left alone.
 * Returns the roles written.
 */
export async function ensureRoleRiskDefaults(db: Kysely<DB>, config: RiskDefaultsConfig): Promise<string[]> {
  const written: string[] = [];
  for (const [role, limits] of Object.entries(configuredRoleDefaults(config))) {
    assertValid(limits);
    const row = await db
      .insertInto('risk_limits')
      .values({ role, ...columns(limits) })
      .onConflict((conflict) => conflict.column('role').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) written.push(role);
  }
  return written;
}
