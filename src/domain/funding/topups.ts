// Top-up requests (docs/product.md#top-ups-and-allocation): an agent (or partner) asks for a credit against an offline payment,
// with a proof; an admin approves (one ledger transfer, idempotent on the request) or rejects with a
// reason. The decision is a conditional UPDATE on `status = 'pending'`: of two admins pressing at
// once, the second waits for the first's row lock, then finds the request decided.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid, uuidPrefixRange } from '../../shared/ids.ts';
import { money, type Money } from '../../shared/money.ts';
import { requireAdmin, resolvePrincipal, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { eventMoney, serviceTarget, type EventContext, type ServiceTarget } from '../events.ts';
import { movement, systemAccountId, transfer, walletBalance, walletId } from '../ledger/ledger.ts';
import type { TopupRequestRow } from './funding.tables.ts';
import { assertAmountFor, requireReason } from './wallet-account.ts';

export type TopupProof =
  /** A Telegram photo. `fileUniqueId` is the same for the same picture sent again; prefer it for duplicate detection. */
  | { kind: 'photo'; fileId: string; fileUniqueId?: string }
  /** A payment reference typed by the agent (bank transfer id…). */
  | { kind: 'reference'; text: string };

export interface TopupRequest {
  id: string;
  accountId: string;
  amount: Money;
  proof: { kind: 'photo' | 'reference'; value: string };
  /** An earlier request with the same proof, if any: the admin should look twice. */
  duplicateOf: string | null;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  transferId: string | null;
  createdAt: Date;
}

function toTopup(row: TopupRequestRow): TopupRequest {
  return {
    id: row.id,
    accountId: row.account_id,
    amount: money(row.amount, row.currency),
    proof: { kind: row.proof_kind, value: row.proof_value },
    duplicateOf: row.duplicate_of,
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    transferId: row.transfer_id,
    createdAt: row.created_at,
  };
}

/** Same proof, same fingerprint: photo by its stable id, references ignoring case and spacing. */
export function proofFingerprint(proof: TopupProof): string {
  if (proof.kind === 'photo') return `photo:${proof.fileUniqueId ?? proof.fileId}`;
  return `reference:${proof.text.trim().toLowerCase().replace(/\s+/g, ' ')}`;
}

function proofValue(proof: TopupProof): string {
  const value = proof.kind === 'photo' ? proof.fileId.trim() : proof.text.trim();
  if (!value) throw new DomainError('proof_required', 'a payment proof (photo or reference) is required');
  if (value.length > 500) throw new DomainError('proof_too_long', 'a payment reference has at most 500 characters');
  return value;
}

/**
 * Whether the account may ask the admins for a top-up: agents and partners may; an agent under a
 * partner may not, since its money comes from its partner (allocated over the API), never from the
 * platform's offline payments (docs/bot-flows.md, Agents of a partner).
 */
export function assertMayRequestTopup(account: Account): void {
  if (account.role !== 'agent' && account.role !== 'partner') {
    throw new DomainError('forbidden', 'only agents and partners request top-ups (sub-agents ask their agent)');
  }
  if (account.role === 'agent' && account.parentId !== null) {
    throw new DomainError('topup_via_partner', 'your wallet is funded by your partner: ask them for funds', { parentId: account.parentId });
  }
}

/** An agent's (or partner's) request, recorded with `topup.requested` for the admins. */
export async function createTopupRequest(target: ServiceTarget, actor: Actor, input: { amount: Money; proof: TopupProof }): Promise<TopupRequest> {
  const { db, events } = serviceTarget(target);
  const value = proofValue(input.proof);
  const fingerprint = proofFingerprint(input.proof);
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    if (principal.kind !== 'account') throw new DomainError('forbidden', 'only agents and partners request top-ups (sub-agents ask their agent)');
    const account = principal.account;
    assertMayRequestTopup(account);
    assertAmountFor(account, input.amount);
    const earlier = await trx
      .selectFrom('topup_requests')
      .select('id')
      .where('proof_fingerprint', '=', fingerprint)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    const row = await trx
      .insertInto('topup_requests')
      .values({
        account_id: account.id,
        amount: input.amount.amount,
        currency: input.amount.currency,
        proof_kind: input.proof.kind,
        proof_value: value,
        proof_fingerprint: fingerprint,
        duplicate_of: earlier?.id ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const request = toTopup(row);
    await writeAudit(trx, { actor, action: 'topup.requested', subject: { type: 'topup_request', id: request.id }, after: request });
    await events?.events.record(trx, {
      type: 'topup.requested',
      requestId: request.id,
      accountId: request.accountId,
      amount: eventMoney(request.amount),
      proof: request.proof,
      duplicate: request.duplicateOf !== null,
    });
    return request;
  });
}

async function decide(
  trx: Kysely<DB>,
  actor: Actor,
  requestId: string,
  decision: { status: 'approved' | 'rejected'; reason: string | null },
): Promise<TopupRequestRow> {
  const decided = await trx
    .updateTable('topup_requests')
    .set({ status: decision.status, reason: decision.reason, decided_by: actor.accountId, decided_at: new Date() })
    .where('id', '=', requestId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (decided) return decided;
  const existing = await trx.selectFrom('topup_requests').select('status').where('id', '=', requestId).executeTakeFirst();
  if (!existing) throw new DomainError('topup_not_found', `no top-up request ${requestId}`);
  throw new DomainError('topup_already_decided', `this top-up request was already ${existing.status}`, { status: existing.status });
}

/** The decision, for the requester (`topup.decided`), in the decision's transaction. */
async function recordDecision(events: EventContext | undefined, trx: Kysely<DB>, request: TopupRequest): Promise<void> {
  if (!events || request.status === 'pending') return;
  const balance = request.status === 'approved' ? eventMoney(await walletBalance(trx, request.accountId)) : null;
  await events.events.record(trx, {
    type: 'topup.decided',
    requestId: request.id,
    accountId: request.accountId,
    decision: request.status,
    amount: eventMoney(request.amount),
    reason: request.reason,
    balance,
  });
}

/** Approves once: credits the wallet from `funding` with the request's own idempotency key. */
export async function approveTopup(target: ServiceTarget, actor: Actor, requestId: string): Promise<TopupRequest> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const row = await decide(trx, actor, requestId, { status: 'approved', reason: null });
    const amount = money(row.amount, row.currency);
    const { transfer: credit } = await transfer(trx, {
      idempotencyKey: `topup:${row.id}`,
      kind: 'topup',
      entries: movement(systemAccountId('funding', row.currency), walletId(row.account_id), amount),
      metadata: { topupRequestId: row.id },
      actor,
    });
    const approved = await trx.updateTable('topup_requests').set({ transfer_id: credit.id }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'topup.approved',
      subject: { type: 'topup_request', id: row.id },
      before: { status: 'pending' },
      after: { status: 'approved', transferId: credit.id },
    });
    const request = toTopup(approved);
    await recordDecision(events, trx, request);
    return request;
  });
}

export async function rejectTopup(target: ServiceTarget, actor: Actor, requestId: string, reason: string): Promise<TopupRequest> {
  const { db, events } = serviceTarget(target);
  const why = requireReason(reason);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const row = await decide(trx, actor, requestId, { status: 'rejected', reason: why });
    await writeAudit(trx, {
      actor,
      action: 'topup.rejected',
      subject: { type: 'topup_request', id: row.id },
      before: { status: 'pending' },
      after: { status: 'rejected', reason: why },
    });
    const request = toTopup(row);
    await recordDecision(events, trx, request);
    return request;
  });
}

/** One request with its proof (admins: they decide it). */
export async function getTopupRequest(db: Kysely<DB>, actor: Actor, requestId: string): Promise<TopupRequest> {
  await requireAdmin(db, actor);
  const row = isUuid(requestId) ? await db.selectFrom('topup_requests').selectAll().where('id', '=', requestId).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('topup_not_found', `no top-up request ${requestId}`);
  return toTopup(row);
}

/**
 * One request by its id or a short id (its first digits, as `/topups` shows them): the admins'
 * commands. A prefix two requests share finds neither (`topup_not_found`, asking for more digits).
 */
export async function findTopupRequest(db: Kysely<DB>, actor: Actor, idOrPrefix: string): Promise<TopupRequest> {
  if (isUuid(idOrPrefix)) return getTopupRequest(db, actor, idOrPrefix);
  await requireAdmin(db, actor);
  const range = uuidPrefixRange(idOrPrefix);
  const rows = range ? await db.selectFrom('topup_requests').selectAll().where('id', '>=', range.from).where('id', '<=', range.to).limit(2).execute() : [];
  if (rows.length === 2) throw new DomainError('topup_not_found', `more than one top-up request starts with ${idOrPrefix}: type more of its id`);
  if (!rows[0]) throw new DomainError('topup_not_found', `no top-up request ${idOrPrefix}`);
  return toTopup(rows[0]);
}

/** Pending requests, oldest first (the admins' queue). */
export async function listPendingTopups(db: Kysely<DB>, actor: Actor, limit = 50): Promise<TopupRequest[]> {
  await requireAdmin(db, actor);
  const rows = await db.selectFrom('topup_requests').selectAll().where('status', '=', 'pending').orderBy('created_at').limit(limit).execute();
  return rows.map(toTopup);
}
