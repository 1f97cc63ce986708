// Admin manual credit and debit of a wallet (docs/product.md#roles-and-the-hierarchy): always with a reason, always one ledger
// transfer against the `adjustments` system account (`sandbox_adjustments` for a partner's sandbox
// wallet: test money never comes from real accounts), idempotent on the caller's key.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Money } from '../../shared/money.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { assertPartnerApproved } from '../signups/approval-gate.ts';
import { isSandboxAccount } from '../api-keys/api-keys.ts';
import { bookAccountId, movement, transfer, walletBalance, walletId, type TransferResult } from '../ledger/ledger.ts';
import { publishLowBalanceCrossing } from '../ledger/low-balance.ts';
import { fundingTarget, getWalletAccount, requireReason, type FundingTarget } from './wallet-account.ts';

export interface ManualAdjustment {
  accountId: string;
  amount: Money;
  reason: string;
  /** One key per intended adjustment (a retry of the same command must reuse it). */
  idempotencyKey: string;
}

export async function creditWallet(target: FundingTarget, actor: Actor, input: ManualAdjustment): Promise<TransferResult> {
  return adjustAndTell(target, actor, input, 'credit');
}

export async function debitWallet(target: FundingTarget, actor: Actor, input: ManualAdjustment): Promise<TransferResult> {
  return adjustAndTell(target, actor, input, 'debit');
}

/**
 * An adjustment made in the bot tells the wallet's owner (`wallet.adjusted`), then, for a debit,
 * whether it crossed the low-balance threshold; over the API or the CLI nobody is told.
 */
async function adjustAndTell(target: FundingTarget, actor: Actor, input: ManualAdjustment, direction: 'credit' | 'debit'): Promise<TransferResult> {
  const { db, events } = fundingTarget(target);
  const result = await adjust(db, actor, input, direction);
  if (!events || result.replayed || actor.channel !== 'telegram') return result;
  const balance = await walletBalance(db, input.accountId);
  await events.events.publish({ type: 'wallet.adjusted', accountId: input.accountId, direction, amount: input.amount, reason: input.reason, balance });
  if (direction === 'debit') await publishLowBalanceCrossing(events, actor, input.accountId, input.amount);
  return result;
}

async function adjust(db: Kysely<DB>, actor: Actor, input: ManualAdjustment, direction: 'credit' | 'debit'): Promise<TransferResult> {
  const reason = requireReason(input.reason);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const account = await getWalletAccount(trx, input.accountId, input.amount);
    // Real funds reach a self-signed-up partner only after approval (its sandbox wallet is another account).
    if (direction === 'credit' && account.role === 'partner') await assertPartnerApproved(trx, account.id);
    const adjustments = bookAccountId('adjustments', account.currency, { sandbox: await isSandboxAccount(trx, account.id) });
    const wallet = walletId(account.id);
    return transfer(trx, {
      idempotencyKey: `manual:${input.idempotencyKey}`,
      kind: direction === 'credit' ? 'manual_credit' : 'manual_debit',
      entries: direction === 'credit' ? movement(adjustments, wallet, input.amount) : movement(wallet, adjustments, input.amount),
      metadata: { reason, accountId: account.id },
      actor,
    });
  });
}
