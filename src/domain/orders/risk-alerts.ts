// Risk monitoring (issue 5, issue 20): admin alerts that never block an order. Spend far above an
// account's usual pattern (today > 3× its average day over the previous 30 days), bursts of refused
// orders (5 refusals within 10 minutes) and a daily limit reaching 80 % are recorded as `risk.alert` events (ctx.events: the
// root subscribes the admins' Telegram alert); they are logged either way. Each
// alert fires once per account and day (spend) or window (refusals), shared through SharedState.
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { formatMoney, money } from '../../shared/money.ts';
import type { RateLimiter, SharedState } from '../../shared-state/index.ts';
import type { Order } from './orders.ts';

export const UNUSUAL_SPEND_FACTOR = 3n;
export const REFUSAL_BURST = { refusals: 5, windowMs: 10 * 60_000 } as const;

export type RiskAlert =
  | { kind: 'unusual_spend'; accountId: string; spentToday: string; dailyAverage: string }
  | { kind: 'refusal_burst'; accountId: string; refusals: number; windowMinutes: number; lastCode: string }
  | { kind: 'limit_near'; accountId: string; limit: 'daily_spend' | 'daily_order_count'; used: string; max: string };

/** A daily limit this much used (percent) alerts the admins, once per account, limit and day. */
export const LIMIT_ALERT_PERCENT = 80n;

type AlertContext = Pick<AppContext, 'db' | 'state' | 'logger' | 'events'>;

async function raise(ctx: AlertContext, alert: RiskAlert): Promise<void> {
  ctx.logger.warn({ alert }, `risk alert: ${alert.kind}`);
  await ctx.events.record(ctx.db, { type: 'risk.alert', alert });
}

const dayStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

/**
 * After a new order: alerts when today's spend (`spentToday`, this order included, from the intake)
 * passes 3× the account's daily average over the 30 days before today. That baseline does not
 * change during the day, so it is read once per account and day and kept in shared state.
 */
export async function checkUnusualSpend(ctx: AlertContext, order: Order, spentToday: bigint, now = new Date()): Promise<void> {
  const today = dayStart(now);
  const day = today.toISOString().slice(0, 10);
  const baselineKey = `risk-baseline:${order.buyerId}:${day}`;
  let cached = await ctx.state.kv.get(baselineKey);
  if (cached === undefined) {
    const monthAgo = new Date(today.getTime() - 30 * 86_400_000);
    const { before } = await ctx.db
      .selectFrom('orders')
      .select(sql<string>`coalesce(sum(total_minor), 0)`.as('before'))
      .where('buyer_id', '=', order.buyerId)
      .where('created_at', '>=', monthAgo)
      .where('created_at', '<', today)
      .where('status', '!=', 'failed')
      .executeTakeFirstOrThrow();
    cached = before;
    await ctx.state.kv.set(baselineKey, cached, 86_400_000);
  }
  const previous30Days = BigInt(cached);
  // No history, no pattern: a new account's first days are not "unusual".
  if (previous30Days === 0n || spentToday * 30n <= UNUSUAL_SPEND_FACTOR * previous30Days) return;
  const once = await ctx.state.kv.setIfAbsent(`risk-alert:spend:${order.buyerId}:${day}`, '1', 86_400_000);
  if (!once) return;
  await raise(ctx, {
    kind: 'unusual_spend',
    accountId: order.buyerId,
    spentToday: formatMoney(money(spentToday, order.total.currency)),
    dailyAverage: formatMoney(money(previous30Days / 30n, order.total.currency)),
  });
}

/** The refusal counter of a process (AppContext.refusalLimiter): a burst is one refusal more than it allows. */
export function createRefusalLimiter(state: SharedState): RateLimiter {
  return state.createRateLimiter({ name: 'order-refusals', points: REFUSAL_BURST.refusals - 1, durationMs: REFUSAL_BURST.windowMs });
}

/** After a refused order: alerts when an account collects a burst of refusals. */
export async function countRefusal(ctx: AlertContext & Pick<AppContext, 'refusalLimiter'>, accountId: string, code: string): Promise<void> {
  const decision = await ctx.refusalLimiter.consume(accountId);
  if (decision.allowed) return;
  const once = await ctx.state.kv.setIfAbsent(`risk-alert:refusals:${accountId}`, '1', REFUSAL_BURST.windowMs);
  if (!once) return;
  await raise(ctx, { kind: 'refusal_burst', accountId, refusals: REFUSAL_BURST.refusals, windowMinutes: REFUSAL_BURST.windowMs / 60_000, lastCode: code });
}

/**
 * After a new order: alerts when today's orders of the buyer reach 80 % of its daily spend or
 * order count limit (read after the order committed, so it includes every order of the day so far).
 */
export async function checkLimitUsage(ctx: AlertContext, order: Order, now = new Date()): Promise<void> {
  // One round trip: the limits the intake applied (the account's own, else its role's) and the day so far.
  const row = await ctx.db
    .selectFrom('accounts as a')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('risk_limits as r')
          .select(['r.daily_spend_minor', 'r.daily_order_count'])
          .where((where) => where.or([where('r.account_id', '=', where.ref('a.id')), where('r.role', '=', where.ref('a.role'))]))
          .orderBy(sql`r.account_id is null`)
          .limit(1)
          .as('l'),
      (join) => join.onTrue(),
    )
    .leftJoin('order_day_totals as t', (join) => join.onRef('t.account_id', '=', 'a.id').on(sql<boolean>`t.day = (now() at time zone 'UTC')::date`))
    .select(['l.daily_spend_minor', 'l.daily_order_count', 't.spend_minor', 't.order_count'])
    .where('a.id', '=', order.buyerId)
    .executeTakeFirst();
  if (!row || (row.daily_spend_minor === null && row.daily_order_count === null)) return;
  const limits = { dailySpend: row.daily_spend_minor, dailyOrderCount: row.daily_order_count };
  const today = { spent: row.spend_minor ?? 0n, orders: row.order_count ?? 0 };
  const reached = (used: bigint, max: bigint) => used * 100n >= max * LIMIT_ALERT_PERCENT;
  const day = dayStart(now).toISOString().slice(0, 10);
  const currency = order.total.currency;
  const near: Extract<RiskAlert, { kind: 'limit_near' }>[] = [];
  if (limits.dailySpend !== null && reached(today.spent, limits.dailySpend)) {
    near.push({
      kind: 'limit_near',
      accountId: order.buyerId,
      limit: 'daily_spend',
      used: formatMoney(money(today.spent, currency)),
      max: formatMoney(money(limits.dailySpend, currency)),
    });
  }
  if (limits.dailyOrderCount !== null && reached(BigInt(today.orders), BigInt(limits.dailyOrderCount))) {
    near.push({ kind: 'limit_near', accountId: order.buyerId, limit: 'daily_order_count', used: String(today.orders), max: String(limits.dailyOrderCount) });
  }
  for (const alert of near) {
    if (await ctx.state.kv.setIfAbsent(`risk-alert:limit:${alert.limit}:${order.buyerId}:${day}`, '1', 86_400_000)) await raise(ctx, alert);
  }
}
