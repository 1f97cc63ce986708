// Partner self-service signup and the admin's decision (docs/signup.md). A signup makes, in one
// transaction: a partner account (pending approval), its sandbox account with a test wallet credited
// with sandbox funds, and a first `sk_test_` key shown once. Live keys and real funds wait for an
// admin's approval (approval-gate.ts); a rejection revokes every key of the partner.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { parseMoney, type Money } from '../../shared/money.ts';
import { insertAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import { accountActor, platformActor, type Actor } from '../actor.ts';
import { assertPartnerApproved } from './approval-gate.ts';
import { ensureSandboxAccount, findSandboxAccountId, insertKey, recordFirstLiveKey, type ApiPrincipal, type IssuedApiKey } from '../api-keys/api-keys.ts';
import { writeAudit } from '../audit/audit.ts';
import { serviceTarget, type ServiceTarget } from '../events.ts';
import { creditWallet } from '../funding/manual.ts';
import { requireReason } from '../funding/wallet-account.ts';
import type { OnboardingStage, PartnerSignupRow, SignupStatus } from './signups.tables.ts';

export interface SignupInput {
  companyName: string;
  /** Lower-cased by the caller (the API); unique. */
  email: string;
  useCase: string;
  /** Where the request came from, kept in the audit row only. */
  clientAddress?: string | undefined;
}

export interface SignupSettings {
  currency: string;
  /** Decimal, in `currency`: what the test wallet starts with. */
  sandboxFunds: string;
  apiKeySecret: string;
}

export interface SignupResult {
  account: Account;
  sandboxAccountId: string;
  apiKey: IssuedApiKey;
  sandboxFunds: Money;
}

export interface PartnerSignup {
  accountId: string;
  companyName: string;
  email: string;
  useCase: string;
  status: SignupStatus;
  decidedAt: Date | null;
  decidedBy: string | null;
  rejectReason: string | null;
  stage: OnboardingStage;
  signedUpAt: Date;
  firstTestOrderAt: Date | null;
  approvedAt: Date | null;
  firstLiveOrderAt: Date | null;
  activeAt: Date | null;
}

export function toSignup(row: PartnerSignupRow): PartnerSignup {
  return {
    accountId: row.account_id,
    companyName: row.company_name,
    email: row.email,
    useCase: row.use_case,
    status: row.status,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    rejectReason: row.reject_reason,
    stage: row.stage,
    signedUpAt: row.signed_up_at,
    firstTestOrderAt: row.first_test_order_at,
    approvedAt: row.approved_at,
    firstLiveOrderAt: row.first_live_order_at,
    activeAt: row.active_at,
  };
}

const emailTaken = () => new DomainError('email_taken', 'a partner with this email already signed up');

/**
 * Signs a partner up (no rights needed: this is the public door), recorded with `signup.created` for
 * the admins. Pass a transaction to add work to it.
 */
export async function signUpPartner(target: ServiceTarget, input: SignupInput, settings: SignupSettings): Promise<SignupResult> {
  const { db, events } = serviceTarget(target);
  const system = platformActor('system');
  return withTransaction(db, async (trx) => {
    // The fast answer; the unique index below decides between two signups racing with one email.
    const existing = await trx.selectFrom('partner_signups').select('account_id').where('email', '=', input.email).executeTakeFirst();
    if (existing) throw emailTaken();
    const account = await insertAccount(trx, system, { role: 'partner', name: input.companyName, currency: settings.currency });
    await trx
      .insertInto('partner_signups')
      .values({ account_id: account.id, company_name: account.name, email: input.email, use_case: input.useCase.trim(), signed_up_at: new Date() })
      .execute()
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === '23505') throw emailTaken();
        throw error;
      });
    // The signup's email is the partner's first web user, a manager (no password yet: "Forgot your
    // password?" on the sign-in page mails it a link, proving the mailbox), who adds the others.
    const firstUser = await trx
      .insertInto('partner_users')
      .values({ account_id: account.id, name: account.name, email: input.email.trim().toLowerCase(), role: 'manager', created_by: account.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sandbox = await ensureSandboxAccount(trx, account);
    const apiKey = await insertKey(trx, settings.apiKeySecret, { accountId: sandbox.id, mode: 'test', createdBy: account.id, ipAllowlist: null });
    const sandboxFunds = parseMoney(settings.sandboxFunds, settings.currency, 'half-up');
    if (sandboxFunds.amount > 0n) {
      await creditWallet(trx, system, {
        accountId: sandbox.id,
        amount: sandboxFunds,
        reason: 'signup sandbox funds',
        idempotencyKey: `signup:sandbox-funds:${sandbox.id}`,
      });
    }
    const actor = accountActor(account.id, 'api');
    await writeAudit(trx, {
      actor,
      action: 'partner.signed_up',
      subject: { type: 'account', id: account.id },
      after: {
        companyName: account.name,
        email: input.email,
        useCase: input.useCase.trim(),
        sandboxAccountId: sandbox.id,
        firstUserId: firstUser.id,
        clientAddress: input.clientAddress ?? null,
      },
    });
    await writeAudit(trx, {
      actor,
      action: 'api_key.created',
      subject: { type: 'api_key', id: apiKey.id },
      after: { accountId: sandbox.id, mode: 'test', prefix: apiKey.prefix },
    });
    await events?.events.record(trx, {
      type: 'signup.created',
      accountId: account.id,
      companyName: account.name,
      email: input.email,
      useCase: input.useCase.trim().slice(0, 300),
    });
    return { account, sandboxAccountId: sandbox.id, apiKey, sandboxFunds };
  });
}

export async function findSignup(db: Kysely<DB>, accountId: string): Promise<PartnerSignup | undefined> {
  const row = await db.selectFrom('partner_signups').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row && toSignup(row);
}

/** One signup (company, email, use case) for an admin deciding it. */
export async function viewSignup(db: Kysely<DB>, actor: Actor, accountId: string): Promise<PartnerSignup | undefined> {
  await requireAdmin(db, actor);
  return isUuid(accountId) ? findSignup(db, accountId) : undefined;
}

export interface SignupPage {
  items: PartnerSignup[];
  nextCursor: string | null;
}

/** Signups oldest first (the queue an admin works through), filtered by status; cursor or offset paging. */
export async function listSignups(
  db: Kysely<DB>,
  actor: Actor,
  filter: { status?: SignupStatus | undefined; cursor?: string | undefined; offset?: number; limit?: number } = {},
): Promise<SignupPage> {
  await requireAdmin(db, actor);
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  const rows = await db
    .selectFrom('partner_signups')
    .selectAll()
    .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status as SignupStatus))
    .$if(after !== undefined, (query) => query.where(sql<boolean>`(signed_up_at, account_id) > (${after!.at}, ${after!.id}::uuid)`))
    .orderBy('signed_up_at')
    .orderBy('account_id')
    .offset(filter.offset ?? 0)
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toSignup);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

const encodeCursor = (signup: PartnerSignup) => Buffer.from(JSON.stringify([signup.signedUpAt.toISOString(), signup.accountId])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(String(at));
    if (typeof at === 'string' && typeof id === 'string' && isUuid(id) && !Number.isNaN(date.getTime())) return { at: date, id };
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor', 'this page cursor is not valid');
}

/** Locks a pending signup for a decision; a signup is decided once. */
async function lockPending(trx: Kysely<DB>, accountId: string): Promise<PartnerSignupRow> {
  const row = isUuid(accountId)
    ? await trx.selectFrom('partner_signups').selectAll().where('account_id', '=', accountId).forUpdate().executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('signup_not_found', `no signup for account ${accountId}`, { accountId });
  if (row.status !== 'pending') {
    throw new DomainError('signup_already_decided', `this signup was already ${row.status}`, { accountId, signupStatus: row.status });
  }
  return row;
}

/**
 * Approves a pending signup: the partner may now issue its live key (POST /v1/keys/live) and receive
 * real funds. The onboarding stage becomes `approved`; when no sandbox order was completed yet, the
 * `first_test_order` stage is skipped, and the audit row says so.
 */
export async function approveSignup(target: ServiceTarget, actor: Actor, accountId: string, now = new Date()): Promise<PartnerSignup> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const before = await lockPending(trx, accountId);
    const row = await trx
      .updateTable('partner_signups')
      .set({ status: 'approved', decided_at: now, decided_by: actor.accountId, approved_at: now, stage: 'approved' })
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'partner.approved',
      subject: { type: 'account', id: accountId },
      before: { status: before.status, stage: before.stage },
      after: { status: row.status, stage: row.stage, skippedStages: before.stage === 'signed_up' ? ['first_test_order'] : [] },
    });
    await events?.events.record(trx, { type: 'signup.decided', accountId, decision: 'approved', reason: null });
    return toSignup(row);
  });
}

/** Rejects a pending signup with a reason and revokes every key of the partner and its sandbox. */
export async function rejectSignup(
  target: ServiceTarget,
  actor: Actor,
  accountId: string,
  reason: string,
  now = new Date(),
): Promise<{ signup: PartnerSignup; revokedKeys: number }> {
  const why = requireReason(reason);
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const before = await lockPending(trx, accountId);
    const row = await trx
      .updateTable('partner_signups')
      .set({ status: 'rejected', decided_at: now, decided_by: actor.accountId, reject_reason: why })
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const sandboxId = await findSandboxAccountId(trx, accountId);
    const revoked = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_by: actor.accountId })
      .where('account_id', 'in', sandboxId ? [accountId, sandboxId] : [accountId])
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await writeAudit(trx, {
      actor,
      action: 'partner.rejected',
      subject: { type: 'account', id: accountId },
      before: { status: before.status },
      after: { status: row.status, reason: why, revokedKeyIds: revoked.map((key) => key.id) },
    });
    await events?.events.record(trx, { type: 'signup.decided', accountId, decision: 'rejected', reason: why });
    return { signup: toSignup(row), revokedKeys: revoked.length };
  });
}

/**
 * The partner's own way to go live: its first `sk_live_` key (shown once), with any of its keys,
 * once approved. Only while it has no working live key: more live keys come from rotation, so a
 * leaked test key cannot mint live keys.
 */
export async function issueFirstLiveKey(target: ServiceTarget, secret: string, principal: ApiPrincipal, now = new Date()): Promise<IssuedApiKey> {
  if (principal.role !== 'partner') throw new DomainError('forbidden', 'this endpoint needs a partner key');
  const partnerId = principal.ownerId;
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    // Serialises two calls of one partner, so it gets one first live key.
    await trx.selectFrom('accounts').select('id').where('id', '=', partnerId).forUpdate().execute();
    await assertPartnerApproved(trx, partnerId);
    const live = await trx
      .selectFrom('api_keys')
      .select('id')
      .where('account_id', '=', partnerId)
      .where('mode', '=', 'live')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    if (live) throw new DomainError('live_key_exists', 'this partner already has a live key: rotate it with POST /v1/keys/rotate', { keyId: live.id });
    const issued = await insertKey(trx, secret, { accountId: partnerId, mode: 'live', createdBy: partnerId, ipAllowlist: null });
    await writeAudit(trx, {
      actor: accountActor(partnerId, 'api'),
      action: 'api_key.created',
      subject: { type: 'api_key', id: issued.id },
      after: { accountId: partnerId, mode: 'live', prefix: issued.prefix, byKey: principal.keyId },
    });
    if (events) await recordFirstLiveKey(events, trx, issued, 'partner');
    return issued;
  });
}
