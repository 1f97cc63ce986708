// Allocation (docs/product.md#top-ups-and-allocation): a parent moves money from its wallet to a direct child's wallet, or reclaims
// unspent money back (up to the child's balance), each one ledger transfer. A sub-agent may ask its
// agent for funds; the agent fulfils (an allocation, idempotent on the request) or declines.
//
// A paused parent cannot allocate or reclaim (it has no rights), a paused child cannot be allocated
// to; reclaiming from a paused child is allowed, since taking unspent money back is what a parent
// typically does with a child it stopped.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import { assertActive, getDirectChild, resolvePrincipal, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { eventMoney, serviceTarget, type EventContext, type ServiceTarget } from '../events.ts';
import { movement, transfer, walletBalance, walletId, type TransferResult } from '../ledger/ledger.ts';
import { recordLowBalanceCrossing } from '../ledger/low-balance.ts';
import type { FundRequestRow } from './funding.tables.ts';
import { assertAmountFor } from './wallet-account.ts';

/** The acting parent (an active agent or partner) and its direct child. */
async function parentAndChild(trx: Kysely<DB>, actor: Actor, childId: string): Promise<{ parent: Account; child: Account }> {
  const principal = await resolvePrincipal(trx, actor);
  if (principal.kind !== 'account') throw new DomainError('forbidden', 'only a parent account allocates to its sub-accounts (admins credit wallets instead)');
  const child = await getDirectChild(trx, principal, childId);
  return { parent: principal.account, child };
}

export interface AllocationInput {
  childId: string;
  amount: Money;
  /** One key per intended movement (a retried button press must reuse it). */
  idempotencyKey: string;
}

/**
 * Moves money from the parent's wallet to the child's. Recorded with it: the child's `wallet.funded`
 * and, made in the bot, the parent's low-balance crossing.
 */
export async function allocate(target: ServiceTarget, actor: Actor, input: AllocationInput): Promise<TransferResult> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const { parent, result } = await allocateIn(trx, actor, input);
    if (events && !result.replayed) await recordAllocation(events, trx, actor, { parentId: parent.id, childId: input.childId, amount: input.amount });
    return result;
  });
}

async function allocateIn(trx: Kysely<DB>, actor: Actor, input: AllocationInput): Promise<{ parent: Account; result: TransferResult }> {
  const { parent, child } = await parentAndChild(trx, actor, input.childId);
  assertActive(child);
  assertAmountFor(parent, input.amount);
  const result = await transfer(trx, {
    idempotencyKey: `allocation:${input.idempotencyKey}`,
    kind: 'allocation',
    entries: movement(walletId(parent.id), walletId(child.id), input.amount),
    metadata: { parentId: parent.id, childId: child.id },
    actor,
  });
  return { parent, result };
}

/** The events of an allocation, in its transaction: the child was funded; the parent's wallet may have run low. */
async function recordAllocation(
  events: EventContext,
  trx: Kysely<DB>,
  actor: Actor,
  moved: { parentId: string; childId: string; amount: Money },
): Promise<void> {
  const balance = await walletBalance(trx, moved.childId);
  await events.events.record(trx, {
    type: 'wallet.funded',
    accountId: moved.childId,
    fromAccountId: moved.parentId,
    amount: eventMoney(moved.amount),
    balance: eventMoney(balance),
  });
  await recordLowBalanceCrossing(events, trx, actor, moved.parentId, moved.amount);
}

/** Moves money back from the child's wallet to the parent's; made in the bot, the child may be told its balance ran low. */
export async function reclaim(target: ServiceTarget, actor: Actor, input: AllocationInput): Promise<TransferResult> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const { parent, child } = await parentAndChild(trx, actor, input.childId);
    assertAmountFor(parent, input.amount);
    const result = await transfer(trx, {
      idempotencyKey: `reclaim:${input.idempotencyKey}`,
      kind: 'reclaim',
      entries: movement(walletId(child.id), walletId(parent.id), input.amount),
      metadata: { parentId: parent.id, childId: child.id },
      actor,
    });
    if (events && !result.replayed) await recordLowBalanceCrossing(events, trx, actor, child.id, input.amount);
    return result;
  });
}

export interface FundRequest {
  id: string;
  subAgentId: string;
  agentId: string;
  amount: Money;
  note: string | null;
  status: 'pending' | 'fulfilled' | 'declined';
  decidedAt: Date | null;
  reason: string | null;
  transferId: string | null;
  createdAt: Date;
}

function toFundRequest(row: FundRequestRow): FundRequest {
  return {
    id: row.id,
    subAgentId: row.sub_agent_id,
    agentId: row.agent_id,
    amount: money(row.amount, row.currency),
    note: row.note,
    status: row.status,
    decidedAt: row.decided_at,
    reason: row.reason,
    transferId: row.transfer_id,
    createdAt: row.created_at,
  };
}

/** A sub-agent asks its agent for funds (recorded: `funds.requested`). */
export async function requestFunds(target: ServiceTarget, actor: Actor, input: { amount: Money; note?: string }): Promise<FundRequest> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    if (principal.kind !== 'account' || principal.account.role !== 'sub_agent' || !principal.account.parentId) {
      throw new DomainError('forbidden', 'only sub-agents ask their agent for funds');
    }
    const sub = principal.account;
    assertAmountFor(sub, input.amount);
    const row = await trx
      .insertInto('fund_requests')
      .values({
        sub_agent_id: sub.id,
        agent_id: sub.parentId as string,
        amount: input.amount.amount,
        currency: input.amount.currency,
        note: input.note?.trim().slice(0, 500) || null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const request = toFundRequest(row);
    await writeAudit(trx, { actor, action: 'fund_request.created', subject: { type: 'fund_request', id: request.id }, after: request });
    await events?.events.record(trx, {
      type: 'funds.requested',
      requestId: request.id,
      subAgentId: request.subAgentId,
      agentId: request.agentId,
      amount: eventMoney(request.amount),
    });
    return request;
  });
}

async function decideFundRequest(
  trx: Kysely<DB>,
  agent: Account,
  requestId: string,
  decision: { status: 'fulfilled' | 'declined'; reason: string | null },
): Promise<FundRequestRow> {
  const decided = await trx
    .updateTable('fund_requests')
    .set({ status: decision.status, reason: decision.reason, decided_at: new Date() })
    .where('id', '=', requestId)
    .where('agent_id', '=', agent.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (decided) return decided;
  const existing = await trx.selectFrom('fund_requests').select(['status', 'agent_id']).where('id', '=', requestId).executeTakeFirst();
  if (!existing || existing.agent_id !== agent.id) throw new DomainError('fund_request_not_found', 'no such funding request');
  throw new DomainError('fund_request_already_decided', `this funding request was already ${existing.status}`, { status: existing.status });
}

/** The agent grants the request: one allocation, keyed by the request, so it happens once (recorded as an allocation's events). */
export async function fulfilFundRequest(target: ServiceTarget, actor: Actor, requestId: string): Promise<FundRequest> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    if (principal.kind !== 'account') throw new DomainError('forbidden', 'only the agent asked decides a funding request');
    const row = await decideFundRequest(trx, principal.account, requestId, { status: 'fulfilled', reason: null });
    const amount = money(row.amount, row.currency);
    const {
      parent,
      result: { transfer: allocation },
    } = await allocateIn(trx, actor, { childId: row.sub_agent_id, amount, idempotencyKey: `fund-request:${row.id}` });
    if (events) await recordAllocation(events, trx, actor, { parentId: parent.id, childId: row.sub_agent_id, amount });
    const fulfilled = await trx
      .updateTable('fund_requests')
      .set({ transfer_id: allocation.id })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'fund_request.fulfilled',
      subject: { type: 'fund_request', id: row.id },
      before: { status: 'pending' },
      after: { status: 'fulfilled', transferId: allocation.id },
    });
    return toFundRequest(fulfilled);
  });
}

/** The agent declines the request (recorded: `funds.declined`). */
export async function declineFundRequest(target: ServiceTarget, actor: Actor, requestId: string, reason?: string): Promise<FundRequest> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    if (principal.kind !== 'account') throw new DomainError('forbidden', 'only the agent asked decides a funding request');
    const why = reason?.trim().slice(0, 500) || null;
    const row = await decideFundRequest(trx, principal.account, requestId, { status: 'declined', reason: why });
    await writeAudit(trx, {
      actor,
      action: 'fund_request.declined',
      subject: { type: 'fund_request', id: row.id },
      before: { status: 'pending' },
      after: { status: 'declined', reason: why },
    });
    const declined = toFundRequest(row);
    await events?.events.record(trx, { type: 'funds.declined', requestId: declined.id, subAgentId: declined.subAgentId, amount: eventMoney(declined.amount) });
    return declined;
  });
}

/** The agent's open funding requests, oldest first. */
export async function listPendingFundRequests(db: Kysely<DB>, actor: Actor): Promise<FundRequest[]> {
  const principal = await resolvePrincipal(db, actor);
  if (principal.kind !== 'account') throw new DomainError('forbidden', 'funding requests are addressed to an agent');
  const rows = await db
    .selectFrom('fund_requests')
    .selectAll()
    .where('agent_id', '=', principal.account.id)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
  return rows.map(toFundRequest);
}
