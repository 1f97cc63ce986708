// Re-engagement (docs/growth.md): partners, agents and sub-agents with no activity for N days are
// reminded once per spell of inactivity. Activity is the latest of: an order created (a partner's
// sandbox orders count), a day with API requests (`api_usage_days`, taken at the day's start, UTC; a
// partner's test-key requests count), a top-up request, and any money moving on the wallet other
// than orders (approved top-ups, allocations in or out, admin credits and debits, payouts).
// A spell begins at the last activity (or at the account's creation when it never did anything),
// so the rule is: one notice per (account, spell start). A new notice needs new activity and then
// N more days without any.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { AccountRole } from '../accounts/accounts.tables.ts';
import type { EventPort } from '../events.ts';
import { enqueueWebhookEvent } from '../webhooks/webhooks.ts';

export interface InactiveAccount {
  accountId: string;
  role: Exclude<AccountRole, 'admin'>;
  telegramUserId: bigint | null;
  /** The latest activity, or null when the account never did anything. */
  lastActivityAt: Date | null;
  /** The start of this spell of inactivity: the last activity, else the account's creation. */
  inactiveSince: Date;
}

/**
 * Accounts inactive since `now - inactiveDays` and not yet told about this spell. Left out: admins,
 * paused accounts and those under a paused parent, partners' sandbox accounts, accounts younger than
 * `inactiveDays` (their spell cannot be that long), and agents or sub-agents without a Telegram user
 * (nobody to tell).
 */
export async function findInactiveAccounts(db: Kysely<DB>, options: { inactiveDays: number; now?: Date; limit?: number }): Promise<InactiveAccount[]> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.inactiveDays * 24 * 3600 * 1000);
  // Truncated to milliseconds: the value goes through a JavaScript Date into the notice's key.
  const result = await sql<{ id: string; role: InactiveAccount['role']; telegram_user_id: string | null; last_activity_at: Date | null; inactive_since: Date }>`
    select a.id, a.role, a.telegram_user_id, activity.last_activity_at,
           date_trunc('milliseconds', greatest(a.created_at, activity.last_activity_at)) as inactive_since
    from accounts a
    left join accounts parent on parent.id = a.parent_id
    left join api_sandbox_accounts sandbox on sandbox.partner_id = a.id
    cross join lateral (
      select date_trunc('milliseconds', greatest(
        (select max(o.created_at) from orders o where o.buyer_id in (a.id, sandbox.sandbox_account_id)),
        (select max(u.day)::timestamp at time zone 'UTC' from api_usage_days u where u.account_id in (a.id, sandbox.sandbox_account_id)),
        (select max(t.created_at) from topup_requests t where t.account_id = a.id),
        (select max(e.created_at) from entries e join transfers tr on tr.id = e.transfer_id
          where e.ledger_account_id = 'wallet:' || a.id::text and tr.kind not like 'order\\_%')
      )) as last_activity_at
    ) activity
    where a.role in ('partner', 'agent', 'sub_agent')
      and a.status = 'active'
      and (parent.id is null or parent.status = 'active')
      and not exists (select 1 from api_sandbox_accounts x where x.sandbox_account_id = a.id)
      and (a.role = 'partner' or a.telegram_user_id is not null)
      and greatest(a.created_at, activity.last_activity_at) <= ${cutoff}
      and not exists (
        select 1 from reengagement_notices n
        where n.account_id = a.id and n.inactive_since = date_trunc('milliseconds', greatest(a.created_at, activity.last_activity_at))
      )
    order by a.created_at, a.id
    limit ${options.limit ?? 1000}
  `.execute(db);
  return result.rows.map((row) => ({
    accountId: row.id,
    role: row.role,
    telegramUserId: row.telegram_user_id === null ? null : BigInt(row.telegram_user_id),
    lastActivityAt: row.last_activity_at === null ? null : new Date(row.last_activity_at),
    inactiveSince: new Date(row.inactive_since),
  }));
}

/**
 * Records the notice for this spell inside the caller's transaction; false when it already exists
 * (another run got there first: the insert waits for its commit, then does nothing). A partner's
 * `account.inactive` webhook event and, with `events`, its `partner.inactive` domain event (an
 * email) are written here too, so they exist exactly when the record does.
 */
export async function recordReengagementNotice(
  trx: Kysely<DB>,
  account: InactiveAccount,
  inactiveDays: number,
  now = new Date(),
  events?: EventPort,
): Promise<boolean> {
  const inserted = await trx
    .insertInto('reengagement_notices')
    .values({
      account_id: account.accountId,
      inactive_since: account.inactiveSince,
      last_activity_at: account.lastActivityAt,
      channel: account.role === 'partner' ? 'webhook' : 'telegram',
      inactive_days: inactiveDays,
      notified_at: now,
    })
    .onConflict((conflict) => conflict.columns(['account_id', 'inactive_since']).doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (!inserted) return false;
  if (account.role === 'partner') {
    await enqueueWebhookEvent(
      trx,
      account.accountId,
      'account.inactive',
      {
        accountId: account.accountId,
        inactiveSince: account.inactiveSince.toISOString(),
        lastActivityAt: account.lastActivityAt?.toISOString() ?? null,
        inactiveDays,
      },
      { dedupeKey: `account.inactive:${account.inactiveSince.toISOString()}` },
    );
    // The partner is emailed too (src/notifications/partner-emails.ts).
    await events?.record(trx, {
      type: 'partner.inactive',
      accountId: account.accountId,
      inactiveDays,
      lastActivityAt: account.lastActivityAt?.toISOString() ?? null,
    });
  }
  return true;
}
