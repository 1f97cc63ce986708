// Admin manual credit and debit of a wallet (docs/product.md#roles-and-the-hierarchy): always with a reason, always one ledger
// transfer against the `adjustments` system account (`sandbox_adjustments` for a partner's sandbox
// wallet: test money never comes from real accounts), idempotent on the caller's key.
import { withTransaction } from '../../db/transaction.ts';
import type { Money } from '../../shared/money.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { assertPartnerApproved } from '../signups/approval-gate.ts';
import { isSandboxAccount } from '../api-keys/api-keys.ts';
import { eventMoney, serviceTarget, type ServiceTarget } from '../events.ts';
import { bookAccountId, movement, transfer, walletBalance, walletId, type TransferResult } from '../ledger/ledger.ts';
import { recordLowBalanceCrossing } from '../ledger/low-balance.ts';
import { getWalletAccount, requireReason } from './wallet-account.ts';

export interface ManualAdjustment {
  accountId: string;
  amount: Money;
  reason: string;
  /** One key per intended adjustment (a retry of the same command must reuse it). */
  idempotencyKey: string;
}

export async function creditWallet(target: ServiceTarget, actor: Actor, input: ManualAdjustment): Promise<TransferResult> {
  return adjust(target, actor, input, 'credit');
}

export async function debitWallet(target: ServiceTarget, actor: Actor, input: ManualAdjustment): Promise<TransferResult> {
  return adjust(target, actor, input, 'debit');
}

/**
 * One adjustment. Made in the bot, it records `wallet.adjusted` for the wallet's owner and, for a
 * debit, the low-balance crossing; over the API or the CLI nobody is told.
 */
async function adjust(target: ServiceTarget, actor: Actor, input: ManualAdjustment, direction: 'credit' | 'debit'): Promise<TransferResult> {
  const { db, events } = serviceTarget(target);
  const reason = requireReason(input.reason);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const account = await getWalletAccount(trx, input.accountId, input.amount);
    // Real funds reach a self-signed-up partner only after approval (its sandbox wallet is another account).
    if (direction === 'credit' && account.role === 'partner') await assertPartnerApproved(trx, account.id);
    const adjustments = bookAccountId('adjustments', account.currency, { sandbox: await isSandboxAccount(trx, account.id) });
    const wallet = walletId(account.id);
    const result = await transfer(trx, {
      idempotencyKey: `manual:${input.idempotencyKey}`,
      kind: direction === 'credit' ? 'manual_credit' : 'manual_debit',
      entries: direction === 'credit' ? movement(adjustments, wallet, input.amount) : movement(wallet, adjustments, input.amount),
      metadata: { reason, accountId: account.id },
      actor,
    });
    if (!events || result.replayed || actor.channel !== 'telegram') return result;
    const balance = await walletBalance(trx, account.id);
    await events.events.record(trx, {
      type: 'wallet.adjusted',
      accountId: account.id,
      direction,
      amount: eventMoney(input.amount),
      reason: input.reason,
      balance: eventMoney(balance),
    });
    if (direction === 'debit') await recordLowBalanceCrossing(events, trx, actor, account.id, input.amount);
    return result;
  });
}
