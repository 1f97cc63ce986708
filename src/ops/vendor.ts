// The vendor view for operators: Bamboo accounts and balances, the vendor float (what orders held
// and bought take from the balance), the breaker's state, the open sales pauses, the last catalog
// and FX sync runs, the share of failed Bamboo calls over the last hour, and the low vendor balance
// alert.
//
// Call outcomes are counted per minute in `vendor_call_minutes` (one upsert per call, written by
// the client's `onCall` hook in every process), so any process can read the error rate. A call
// failed when no answer came (transport error, timeout) or Bamboo answered 429 or 5xx; other 4xx
// are answers about our request (e.g. an unknown order id), not vendor trouble.
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { requireAdmin } from '../domain/accounts/accounts.ts';
import type { Actor } from '../domain/actor.ts';
import type { BreakerView } from '../domain/vendor/breaker.ts';
import { floatViews, type FloatView } from '../domain/vendor/float.ts';
import { activeSalesPauses, type SalesPause } from '../domain/vendor/sales-pauses.ts';
import type { Account, BambooClient } from '../integrations/bamboo/index.ts';
import { BOSS_SCHEMA } from '../jobs/boss.ts';
import { createPostgresKeyValueStore } from '../shared-state/index.ts';
import { formatMoney, parseMoney } from '../shared/money.ts';
import { RecentAnswers } from '../shared/recent-answers.ts';

export const VENDOR = 'bamboo';
/** Per-minute counters older than this are deleted by the vendor balance check. */
const CALL_STATS_KEPT_MS = 24 * 3600 * 1000;

export const isFailedCall = (status: number | null): boolean => status === null || status === 429 || status >= 500;

/** The client's `onCall` hook: counts the call in its minute. */
export function vendorCallRecorder(db: Database): (call: { status: number | null }) => Promise<void> {
  return async ({ status }) => {
    const failed = isFailedCall(status) ? 1 : 0;
    await db
      .insertInto('vendor_call_minutes')
      .values({ vendor: VENDOR, minute: sql<Date>`date_trunc('minute', now())` as unknown as Date, calls: 1, failures: failed })
      .onConflict((conflict) =>
        conflict
          .columns(['vendor', 'minute'])
          .doUpdateSet({ calls: sql`vendor_call_minutes.calls + 1`, failures: sql`vendor_call_minutes.failures + ${failed}` }),
      )
      .execute();
  };
}

export interface VendorErrorRate {
  calls: number;
  failures: number;
  /** failures / calls, or null without calls. */
  rate: number | null;
}

export async function vendorErrorRate(db: Database, windowMinutes = 60): Promise<VendorErrorRate> {
  const row = await db
    .selectFrom('vendor_call_minutes')
    .select([sql<string>`coalesce(sum(calls), 0)`.as('calls'), sql<string>`coalesce(sum(failures), 0)`.as('failures')])
    .where('vendor', '=', VENDOR)
    .where('minute', '>', sql<Date>`now() - make_interval(mins => ${windowMinutes})`)
    .executeTakeFirstOrThrow();
  const calls = Number(row.calls);
  const failures = Number(row.failures);
  return { calls, failures, rate: calls === 0 ? null : failures / calls };
}

export interface SyncRunView {
  kind: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  counts: Record<string, number>;
  error: string | null;
}

/** The newest catalog sync run of each kind (full, delta), from `catalog_sync_runs`. */
async function lastCatalogSyncs(db: Database): Promise<SyncRunView[]> {
  const rows = await db.selectFrom('catalog_sync_runs').distinctOn('kind').selectAll().orderBy('kind').orderBy('started_at', 'desc').execute();
  return rows.map((run) => ({
    kind: `catalog.${run.kind}`,
    status: run.status,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    counts: { pages: run.pages, seen: run.products_seen, added: run.products_added, changed: run.products_changed, removed: run.products_removed },
    error: run.errors.at(-1)?.message ?? null,
  }));
}

/** The newest finished FX sync job (pg-boss keeps its outcome), and the newest stored rates. */
async function lastFxSync(db: Database): Promise<SyncRunView | null> {
  const job = await sql<{ state: string; created_on: Date; completed_on: Date | null; output: Record<string, unknown> | null }>`
    select state, created_on, completed_on, output from ${sql.table(`${BOSS_SCHEMA}.job`)}
    where name = 'fx.sync' and state in ('completed', 'failed')
    order by completed_on desc nulls last limit 1`.execute(db);
  const rates = await db
    .selectFrom('fx_rates')
    .select([
      sql<Date | null>`max(source_time)`.as('newest'),
      sql<string>`count(*) filter (where source_time = (select max(source_time) from fx_rates))`.as('count'),
    ])
    .executeTakeFirstOrThrow();
  const run = job.rows[0];
  if (!run && rates.newest === null) return null;
  return {
    kind: 'fx',
    status: run ? (run.state === 'completed' ? 'succeeded' : 'failed') : 'succeeded',
    startedAt: run?.created_on ?? (rates.newest as Date),
    finishedAt: run?.completed_on ?? rates.newest,
    counts: { rates: Number(rates.count) },
    error: run?.state === 'failed' ? String((run.output as { message?: unknown } | null)?.message ?? 'failed') : null,
  };
}

/**
 * How long one answer of the vendor's accounts serves operators' views. Bamboo allows one accounts
 * call a second, which the float refresh and the balance check need too: asking it on every view made
 * ten admins (or a refreshing page) wait in line for seconds and crowd out those jobs.
 */
const VENDOR_ACCOUNTS_SHOWN_FOR_MS = 15_000;

interface AccountsAnswer {
  accounts: Account[] | null;
  accountsError: string | null;
  accountsReadAt: Date;
}

const recentAccountAnswers = new WeakMap<Pick<BambooClient, 'getAccounts'>, RecentAnswers<AccountsAnswer>>();

/** The vendor's accounts, or why they could not be read (also kept: a vendor that is down is not asked on every view). */
function recentVendorAccounts(vendor: Pick<BambooClient, 'getAccounts'>): Promise<AccountsAnswer> {
  let answers = recentAccountAnswers.get(vendor);
  if (!answers) recentAccountAnswers.set(vendor, (answers = new RecentAnswers(VENDOR_ACCOUNTS_SHOWN_FOR_MS, 1)));
  return answers.get('accounts', () =>
    vendor.getAccounts().then(
      (accounts) => ({ accounts, accountsError: null, accountsReadAt: new Date() }),
      (error: unknown) => ({ accounts: null, accountsError: error instanceof Error ? error.message : String(error), accountsReadAt: new Date() }),
    ),
  );
}

export interface VendorView {
  /** Null when the vendor could not be asked (then `accountsError` says why). */
  accounts: Account[] | null;
  accountsError: string | null;
  /** When the vendor answered (or failed): at most VENDOR_ACCOUNTS_SHOWN_FOR_MS ago. */
  accountsReadAt: Date;
  /** The float per book and currency (src/domain/vendor/float.ts). */
  floats: FloatView[];
  /** Null when the shared state could not be read. */
  breaker: BreakerView | null;
  /** Open sales pauses, newest first. */
  pauses: SalesPause[];
  syncs: SyncRunView[];
  errorRate: VendorErrorRate;
}

/** What operators see of the vendor (active admins and the platform only: balances are the business's). */
export async function vendorView(ctx: Pick<AppContext, 'db' | 'vendor' | 'vendorBreaker'>, actor: Actor): Promise<VendorView> {
  await requireAdmin(ctx.db, actor);
  // Independent reads, asked at once: the view waits for the slowest, not the sum.
  const [accounts, fx, floats, breaker, pauses, catalogSyncs, errorRate] = await Promise.all([
    recentVendorAccounts(ctx.vendor),
    lastFxSync(ctx.db),
    floatViews(ctx.db),
    ctx.vendorBreaker.view().catch(() => null),
    activeSalesPauses(ctx.db),
    lastCatalogSyncs(ctx.db),
    vendorErrorRate(ctx.db),
  ]);
  return { ...accounts, floats, breaker, pauses, syncs: [...catalogSyncs, ...(fx ? [fx] : [])], errorRate };
}

export interface VendorBalanceCheck {
  /** Active accounts below the threshold now. */
  low: Account[];
  /** Of those, the ones that just crossed (alerted now). */
  alerted: Account[];
}

/**
 * Active vendor accounts below VENDOR_LOW_BALANCE_THRESHOLD (an amount in each account's own
 * currency). An account is reported once per crossing: a marker is kept while it stays low and
 * removed when its balance is back at or above the threshold.
 */
export async function checkVendorBalances(
  ctx: Pick<AppContext, 'db' | 'config'> & { vendor: Pick<BambooClient, 'getAccounts'> },
  alert: (accounts: Account[], threshold: string) => Promise<void>,
): Promise<VendorBalanceCheck> {
  const markers = createPostgresKeyValueStore(ctx.db);
  const accounts = (await ctx.vendor.getAccounts()).filter((account) => account.isActive);
  const low: Account[] = [];
  const alerted: Account[] = [];
  for (const account of accounts) {
    const threshold = parseMoney(ctx.config.VENDOR_LOW_BALANCE_THRESHOLD, account.balance.currency, 'half-up');
    const key = `vendor-low-balance:${VENDOR}:${account.id}`;
    if (account.balance.amount >= threshold.amount) {
      await markers.delete(key);
      continue;
    }
    low.push(account);
    if (await markers.setIfAbsent(key, formatMoney(account.balance), 365 * 24 * 3600 * 1000)) alerted.push(account);
  }
  if (alerted.length > 0) await alert(alerted, ctx.config.VENDOR_LOW_BALANCE_THRESHOLD);
  await ctx.db
    .deleteFrom('vendor_call_minutes')
    .where('minute', '<', new Date(Date.now() - CALL_STATS_KEPT_MS))
    .execute();
  return { low, alerted };
}
