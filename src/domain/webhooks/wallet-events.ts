// `wallet.credited` for partners: called by the ledger inside each new transfer's transaction, so
// the event exists exactly when the credit does. Order money (holds, releases, refunds) is reported
// by the order engine's `order.*` events instead.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { toJsonMoney, type Money } from '../../shared/money.ts';
import { enqueueWebhookEvent } from './webhooks.ts';

const WALLET_PREFIX = 'wallet:';

interface CreditedTransfer {
  id: string;
  kind: string;
  createdAt: Date;
  entries: readonly { ledgerAccountId: string; amount: Money }[];
}

/** Whether a transfer may credit a partner's wallet (checked before opening a transaction for it). */
export function mayCreditWallet(transfer: Pick<CreditedTransfer, 'kind' | 'entries'>): boolean {
  return !transfer.kind.startsWith('order_') && transfer.entries.some((entry) => entry.ledgerAccountId.startsWith(WALLET_PREFIX) && entry.amount.amount > 0n);
}

export async function recordWalletCredits(trx: Kysely<DB>, transfer: CreditedTransfer): Promise<void> {
  if (!mayCreditWallet(transfer)) return;
  const credits = transfer.entries.filter((entry) => entry.ledgerAccountId.startsWith(WALLET_PREFIX) && entry.amount.amount > 0n);
  const partners = await trx
    .selectFrom('accounts as a')
    .innerJoin('ledger_accounts as l', 'l.account_id', 'a.id')
    .select(['a.id', 'l.id as ledger_account_id', 'l.balance', 'l.currency'])
    .where(
      'l.id',
      'in',
      credits.map((entry) => entry.ledgerAccountId),
    )
    .where('a.role', '=', 'partner')
    .execute();
  for (const partner of partners) {
    const credit = credits.find((entry) => entry.ledgerAccountId === partner.ledger_account_id);
    if (!credit) continue;
    await enqueueWebhookEvent(trx, partner.id, 'wallet.credited', {
      accountId: partner.id,
      transferId: transfer.id,
      kind: transfer.kind,
      amount: toJsonMoney(credit.amount),
      balance: toJsonMoney({ amount: partner.balance ?? 0n, currency: partner.currency }),
      creditedAt: transfer.createdAt.toISOString(),
    });
  }
}
