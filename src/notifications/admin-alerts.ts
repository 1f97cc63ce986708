// Alerts for the admins in Telegram: ledger drift found by the consistency check and the order
// engine's risk alerts, both domain events (`adminAlertSink`, subscribed by the root in every
// process). Sent through the telegram.send queue in each admin's language.
import type { AppContext } from '../context.ts';
import { withTransaction } from '../db/transaction.ts';
import { telegramAdmins } from '../domain/accounts/language.ts';
import type { DomainEvent, DomainEventSink } from '../domain/events.ts';
import type { RiskAlert } from '../domain/orders/risk-alerts.ts';
import type { DailySummary } from '../domain/orders/summary.ts';
import { createPostgresKeyValueStore } from '../shared-state/index.ts';
import type { Account } from '../integrations/bamboo/index.ts';
import { formatMoney } from '../shared/money.ts';
import { notify } from './notify.ts';

/** At most this many account ids in the alert text (the log has them all). */
const ACCOUNTS_SHOWN = 10;

export async function alertAdminsOfDrift(app: AppContext, drift: Extract<DomainEvent, { type: 'ledger.drift' }>): Promise<void> {
  const vars = {
    count: drift.driftCount,
    invariants: drift.invariants.join(', '),
    accounts: drift.accountIds.slice(0, ACCOUNTS_SHOWN).join(', ') || '—',
  };
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text: { key: 'ledger-drift-alert', vars } });
}

/** A risk alert (unusual spend, a burst of refused orders, a daily limit 80 % used) to every admin, with the account's name. */
export async function alertAdminsOfRisk(app: AppContext, alert: RiskAlert): Promise<void> {
  const account = await app.db.selectFrom('accounts').select(['name', 'role']).where('id', '=', alert.accountId).executeTakeFirst();
  const who = { name: account?.name ?? alert.accountId, role: account?.role ?? '?', accountId: alert.accountId };
  const text =
    alert.kind === 'unusual_spend'
      ? { key: 'risk-alert-unusual-spend', vars: { ...who, spent: alert.spentToday, average: alert.dailyAverage } }
      : alert.kind === 'refusal_burst'
        ? { key: 'risk-alert-refusals', vars: { ...who, refusals: alert.refusals, minutes: alert.windowMinutes, code: alert.lastCode } }
        : { key: `risk-alert-limit-${alert.limit.replaceAll('_', '-')}`, vars: { ...who, used: alert.used, max: alert.max } };
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text });
}

/** An order waits for an operator's decision (docs/orders.md, States): every admin is told how to resolve it. */
export async function alertAdminsOfOrderNeedingAttention(app: AppContext, orderNumber: string, reason: string): Promise<void> {
  for (const admin of await telegramAdmins(app.db))
    await notify(app, admin, { text: { key: 'order-needs-attention-alert', vars: { number: orderNumber, reason } } });
}

type VendorEvent = Extract<DomainEvent, { type: 'vendor.float_low' | 'vendor.breaker' | 'sales.paused' | 'vendor.callback_problem' }>;

/** Vendor operations (docs/orders.md, Vendor operations): a low float, the breaker, a sales pause, our callback. */
export async function alertAdminsOfVendorEvent(app: AppContext, event: VendorEvent): Promise<void> {
  const text: { key: string; vars: Record<string, string | number> } =
    event.type === 'vendor.float_low'
      ? {
          key: 'vendor-float-low-alert',
          vars: { left: formatMoney(event.left), hours: event.hoursLeft === null ? '—' : String(event.hoursLeft), threshold: event.thresholdHours },
        }
      : event.type === 'vendor.breaker'
        ? {
            key: event.state === 'open' ? 'vendor-breaker-open-alert' : 'vendor-breaker-closed-alert',
            vars: { failures: event.failures, seconds: event.windowSeconds },
          }
        : event.type === 'sales.paused'
          ? {
              key: event.action === 'paused' ? 'sales-paused-alert' : 'sales-resumed-alert',
              vars: { scope: event.scope, target: event.target || '—', reason: event.reason, by: event.by },
            }
          : { key: 'vendor-callback-problem-alert', vars: { day: event.day, problems: event.problems.join('; ') } };
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text });
}

/** The admins' sink of domain events: drift and risk alerts and orders needing attention become Telegram messages. */
export function adminAlertSink(app: AppContext): DomainEventSink {
  return async (event) => {
    if (event.type === 'order.needs_attention') await alertAdminsOfOrderNeedingAttention(app, event.number, event.reason);
    else if (event.type === 'ledger.drift') await alertAdminsOfDrift(app, event);
    else if (event.type === 'risk.alert') await alertAdminsOfRisk(app, event.alert);
    else if (event.type === 'vendor.float_low' || event.type === 'vendor.breaker' || event.type === 'sales.paused' || event.type === 'vendor.callback_problem')
      await alertAdminsOfVendorEvent(app, event);
  };
}

/**
 * The daily summary to every admin, once per day: a marker (`daily-summary:<day>`) and the messages'
 * jobs are written in one transaction, so a retried or duplicated job sends nothing more.
 */
export async function sendDailySummary(app: AppContext, summary: DailySummary): Promise<boolean> {
  const { growth } = summary;
  const sales = (channel: string, field: 'gmv' | 'revenue') =>
    growth.sales
      .filter((row) => row.channel === channel)
      .map((row) => formatMoney(row[field]))
      .join(', ') || '0';
  const seconds = (value: number | null) => (value === null ? '—' : value.toFixed(1));
  const numbers = (list: string[], count: number) => (list.length === 0 ? '' : `(${list.join(', ')}${count > list.length ? ', …' : ''})`);
  const vars = {
    day: summary.day,
    orders: summary.orders,
    completed: summary.completed,
    partial: summary.partiallyCompleted,
    failed: summary.failed,
    open: summary.open,
    gmv: summary.gmv.join(', ') || '0',
    topups: summary.pendingTopups,
    vendor: summary.vendorBalance === null ? '?' : summary.vendorBalance.join(', ') || '—',
    signupPartners: growth.signups.total.partners,
    signupAgents: growth.signups.total.agents,
    signupSubAgents: growth.signups.total.subAgents,
    activations: growth.activations.total,
    gmvTelegram: sales('telegram', 'gmv'),
    revenueTelegram: sales('telegram', 'revenue'),
    gmvApi: sales('api', 'gmv'),
    revenueApi: sales('api', 'revenue'),
    successRate: growth.orders.successRate === null ? '—' : `${(growth.orders.successRate * 100).toFixed(1)}%`,
    p50: seconds(growth.orders.completionSeconds.p50),
    p99: seconds(growth.orders.completionSeconds.p99),
    failedFinished: growth.failedOrders.count,
    failedIds: numbers(growth.failedOrders.recent, growth.failedOrders.count),
    stuck: growth.stuckOrders.count,
    stuckIds: numbers(growth.stuckOrders.oldest, growth.stuckOrders.count),
  };
  const admins = await telegramAdmins(app.db);
  return withTransaction(app.db, async (trx) => {
    if (!(await createPostgresKeyValueStore(trx).setIfAbsent(`daily-summary:${summary.day}`, 'sent', 7 * 24 * 3600 * 1000))) return false;
    for (const admin of admins) await notify(app, admin, { text: { key: 'daily-summary', vars } }, { db: trx });
    return true;
  });
}

/** Vendor accounts that just fell below VENDOR_LOW_BALANCE_THRESHOLD (see src/ops/vendor.ts), to every admin. */
export async function alertAdminsOfLowVendorBalance(app: AppContext, accounts: readonly Account[], threshold: string): Promise<void> {
  const vars = { accounts: accounts.map((account) => `#${account.id}: ${formatMoney(account.balance)}`).join(', '), threshold };
  for (const admin of await telegramAdmins(app.db)) await notify(app, admin, { text: { key: 'vendor-low-balance-alert', vars } });
}
