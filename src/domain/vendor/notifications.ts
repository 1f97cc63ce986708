// Our completion callback at Bamboo (docs/bamboo.md, Our callback): registered with Bamboo's
// notification endpoint (reference §6.14–6.15) from our configuration, read back, and checked every
// day: the registration must equal our configuration, and a day with orders Bamboo finished must
// have brought at least one callback; otherwise polling silently carries the load and the admins
// are told (a `vendor.callback_problem` event, once per day).
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { NotificationSettings } from '../../integrations/bamboo/index.ts';
import { createPostgresKeyValueStore } from '../../shared-state/index.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';

/** Where Bamboo calls us (api/bamboo-callback.ts serves it). */
export const VENDOR_CALLBACK_PATH = '/bamboo/callback';

type NotificationContext = Pick<AppContext, 'db' | 'config' | 'vendor' | 'events' | 'logger'>;

/** The registration our configuration asks for: PUBLIC_URL + the callback path, BAMBOO_CALLBACK_SECRET. */
export function expectedNotification(config: AppContext['config']): { notificationUrl: string; notificationUrlSandbox: string; secretKey: string } {
  if (!config.PUBLIC_URL || !config.BAMBOO_CALLBACK_SECRET)
    throw new Error('PUBLIC_URL and BAMBOO_CALLBACK_SECRET must be set to register our callback with Bamboo');
  const url = new URL(VENDOR_CALLBACK_PATH, config.PUBLIC_URL).toString();
  return { notificationUrl: url, notificationUrlSandbox: url, secretKey: config.BAMBOO_CALLBACK_SECRET };
}

/** How a registration differs from what our configuration asks for (never showing the secret). */
export function notificationDifferences(actual: NotificationSettings, expected: ReturnType<typeof expectedNotification>): string[] {
  const problems: string[] = [];
  if (actual.notificationUrl !== expected.notificationUrl)
    problems.push(`notification URL is ${actual.notificationUrl || 'empty'}, expected ${expected.notificationUrl}`);
  if (actual.secretKey !== expected.secretKey) problems.push('the registered secret is not BAMBOO_CALLBACK_SECRET');
  return problems;
}

/** Registers our callback with Bamboo and answers what Bamboo stored (admins and the platform; audited without the secret). */
export async function registerVendorCallback(ctx: NotificationContext, actor: Actor): Promise<NotificationSettings> {
  await requireAdmin(ctx.db, actor);
  const expected = expectedNotification(ctx.config);
  const stored = await ctx.vendor.setNotificationSettings(expected);
  await writeAudit(ctx.db, {
    actor,
    action: 'vendor.notification_set',
    subject: { type: 'vendor', id: 'bamboo' },
    after: { notificationUrl: stored.notificationUrl, notificationUrlSandbox: stored.notificationUrlSandbox },
  });
  return stored;
}

/** What Bamboo has registered now, and how it differs from our configuration. */
export async function showVendorCallback(ctx: NotificationContext, actor: Actor): Promise<{ settings: NotificationSettings; differences: string[] }> {
  await requireAdmin(ctx.db, actor);
  const settings = await ctx.vendor.getNotificationSettings();
  return { settings, differences: notificationDifferences(settings, expectedNotification(ctx.config)) };
}

export interface CallbackCheck {
  day: string;
  /** Orders bought from the process's vendor that finished that day, and how many of them brought a callback. */
  finished: number;
  calledBack: number;
  problems: string[];
  alerted: boolean;
}

/** The daily check (`vendor.callback-check`): the registration and the callbacks of `day` (UTC). */
export async function checkVendorCallback(ctx: NotificationContext, day: string): Promise<CallbackCheck> {
  const problems: string[] = [];
  try {
    const settings = await ctx.vendor.getNotificationSettings();
    problems.push(...notificationDifferences(settings, expectedNotification(ctx.config)));
  } catch (error) {
    // Not configured on our side, or Bamboo cannot be asked: both are worth an admin's look.
    problems.push(`the registration could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Orders Bamboo finished (a callback is sent for every final status), bought from this vendor:
  // with VENDOR=bamboo, sandbox orders go to the simulator and are left out.
  const { rows } = await sql<{ finished: string; called_back: string }>`
    select count(*) as finished, count(vendor_callback_at) as called_back from orders
    where finished_at >= ${day}::date and finished_at < ${day}::date + 1
      and vendor_order_id is not null and status in ('completed', 'partially_completed', 'failed')
      and (${ctx.config.VENDOR === 'simulator'} or not sandbox)`.execute(ctx.db);
  const finished = Number(rows[0]?.finished ?? 0);
  const calledBack = Number(rows[0]?.called_back ?? 0);
  if (finished > 0 && calledBack === 0) problems.push(`no callback arrived for the ${finished} orders Bamboo finished on ${day}`);
  let alerted = false;
  if (problems.length > 0) {
    ctx.logger.warn({ day, problems }, 'our Bamboo callback needs a look');
    alerted = await withTransaction(ctx.db, async (trx) => {
      if (!(await createPostgresKeyValueStore(trx).setIfAbsent(`vendor-callback-check:${day}`, 'alerted', 7 * 24 * 3600 * 1000))) return false;
      await ctx.events.record(trx, { type: 'vendor.callback_problem', day, problems });
      return true;
    });
  }
  return { day, finished, calledBack, problems, alerted };
}
