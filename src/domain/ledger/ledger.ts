// The double-entry ledger (docs/product.md#money-and-the-ledger). `transfer` is the one way money moves: ≥ 2 entries summing to
// zero per currency, atomic, one unique idempotency key. Sign convention: an entry's
// amount is what it adds to its account's balance (see the ledger migration).
//
// Concurrency (see the ledger_transfer migration): the key is claimed first with INSERT … ON
// CONFLICT DO NOTHING, so a concurrent replay waits for the first transfer to commit (or roll back)
// and then returns it. Only customer wallet rows are locked (SELECT … FOR NO KEY UPDATE, sorted by
// id so two transfers never deadlock). System accounts are never locked or updated.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatMoney, money, multiply, toJsonMoney, type Money } from '../../shared/money.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Actor } from '../actor.ts';
import { toJson } from '../json.ts';
import { mayCreditWallet, recordWalletCredits } from '../webhooks/wallet-events.ts';

export const SYSTEM_ACCOUNTS = [
  /** Money entering from outside (approved top-ups). */
  'funding',
  /** Counterparty of admin manual credits and debits. */
  'adjustments',
  /** Funds held for in-flight orders. */
  'order_clearing',
  /** What the platform owes the vendor for delivered cards. */
  'vendor_payable',
  /** The platform's margin. */
  'revenue',
  /** Revenue share accrued for agents and not yet paid out. */
  'revenue_share_payable',
  // Test money (partners' sandbox accounts, `sk_test_` keys) never touches the accounts above: it
  // comes from and goes to these, so real balances, revenue and what we owe the vendor stay real.
  /** Counterparty of sandbox funds (signup, seed, an admin's credit of a sandbox wallet). */
  'sandbox_adjustments',
  /** Funds held for in-flight sandbox orders. */
  'sandbox_order_clearing',
  /** What sandbox orders "cost" at the simulator. */
  'sandbox_vendor_payable',
  /** The margin of sandbox orders. */
  'sandbox_revenue',
] as const;
export type SystemAccountCode = (typeof SYSTEM_ACCOUNTS)[number];

/** The system accounts that have a sandbox twin, and the twin's code. */
const SANDBOX_TWINS = {
  adjustments: 'sandbox_adjustments',
  order_clearing: 'sandbox_order_clearing',
  vendor_payable: 'sandbox_vendor_payable',
  revenue: 'sandbox_revenue',
} as const satisfies Partial<Record<SystemAccountCode, SystemAccountCode>>;

export const TRANSFER_KINDS = [
  'topup',
  'manual_credit',
  'manual_debit',
  'allocation',
  'reclaim',
  'order_hold',
  'order_release',
  'order_settle',
  'order_refund',
  'revenue_share_accrual',
  'revenue_share_payout',
] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

export const walletId = (accountId: string): string => `wallet:${accountId}`;
export const systemAccountId = (code: SystemAccountCode, currency: string): string => `system:${code}:${currency}`;

/**
 * The system account of a book: the real one, or its sandbox twin for test money (an order or a
 * wallet of a partner's sandbox account). Every path that moves sandbox money picks its accounts here.
 */
export const bookAccountId = (code: keyof typeof SANDBOX_TWINS, currency: string, book: { sandbox: boolean }): string =>
  systemAccountId(book.sandbox ? SANDBOX_TWINS[code] : code, currency);

export interface EntryInput {
  ledgerAccountId: string;
  /** Signed: positive credits the account, negative debits it. */
  amount: Money;
}

export interface TransferInput {
  idempotencyKey: string;
  kind: TransferKind;
  entries: readonly EntryInput[];
  /** Free-form context kept with the transfer (reason, order id, request id…). */
  metadata?: Record<string, unknown>;
  actor: Actor;
}

export interface Transfer {
  id: string;
  idempotencyKey: string;
  kind: string;
  metadata: Record<string, unknown>;
  actorAccountId: string | null;
  createdAt: Date;
  entries: { ledgerAccountId: string; amount: Money }[];
}

export interface TransferResult {
  transfer: Transfer;
  /** True when the key was used before: the original transfer is returned and nothing moved. */
  replayed: boolean;
}

/** Creates the platform's system accounts for a currency (idempotent). */
export async function ensureSystemAccounts(db: Kysely<DB>, currency: string): Promise<void> {
  money(0n, currency); // validates the code
  await db
    .insertInto('ledger_accounts')
    .values(SYSTEM_ACCOUNTS.map((code) => ({ id: systemAccountId(code, currency), kind: 'system' as const, system_code: code, currency })))
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

/** Opens the wallet of a customer account (and the system accounts of its currency). */
export async function createWallet(db: Kysely<DB>, accountId: string, currency: string): Promise<string> {
  await ensureSystemAccounts(db, currency);
  const id = walletId(accountId);
  await db.insertInto('ledger_accounts').values({ id, kind: 'wallet', account_id: accountId, currency, balance: 0n }).execute();
  return id;
}

/** The two entries of a simple movement of a positive amount from one ledger account to another. */
export function movement(from: string, to: string, amount: Money): EntryInput[] {
  if (amount.amount <= 0n) throw new DomainError('invalid_amount', `the amount must be positive, not ${formatMoney(amount)}`);
  return [
    { ledgerAccountId: from, amount: multiply(amount, -1n) },
    { ledgerAccountId: to, amount },
  ];
}

function validate(input: TransferInput): void {
  const invalid = (message: string) => new DomainError('invalid_transfer', message, { idempotencyKey: input.idempotencyKey });
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 200) throw invalid('an idempotency key of 1 to 200 characters is required');
  if (input.entries.length < 2) throw invalid('a transfer needs at least two entries');
  const accounts = new Set<string>();
  const sums = new Map<string, bigint>();
  for (const entry of input.entries) {
    if (entry.amount.amount === 0n) throw invalid('an entry cannot be zero');
    if (accounts.has(entry.ledgerAccountId)) throw invalid(`ledger account ${entry.ledgerAccountId} appears twice`);
    accounts.add(entry.ledgerAccountId);
    sums.set(entry.amount.currency, (sums.get(entry.amount.currency) ?? 0n) + entry.amount.amount);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw invalid(`entries do not sum to zero in ${currency} (${formatMoney(money(sum, currency))})`);
  }
}

const entryKey = (entry: { ledgerAccountId: string; amount: Money }) => `${entry.ledgerAccountId}|${entry.amount.currency}|${entry.amount.amount}`;

export async function getTransfer(db: Kysely<DB>, id: string): Promise<Transfer> {
  const row = await db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new DomainError('transfer_not_found', `no transfer ${id}`);
  const entries = await db.selectFrom('entries').selectAll().where('transfer_id', '=', row.id).orderBy('id').execute();
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    metadata: row.metadata,
    actorAccountId: row.actor_account_id,
    createdAt: row.created_at,
    entries: entries.map((entry) => ({ ledgerAccountId: entry.ledger_account_id, amount: money(entry.amount, entry.currency) })),
  };
}

function replayOf(original: Transfer, input: TransferInput): TransferResult {
  const requested = input.entries.map(entryKey).sort();
  const stored = original.entries.map(entryKey).sort();
  if (original.kind !== input.kind || requested.join(',') !== stored.join(',')) {
    throw new DomainError('idempotency_conflict', `idempotency key ${input.idempotencyKey} was already used for a different transfer`, {
      idempotencyKey: input.idempotencyKey,
      transferId: original.id,
    });
  }
  return { transfer: original, replayed: true };
}

/**
 * Moves money. Replaying a key returns the original transfer and moves nothing; replaying it with
 * different entries is an `idempotency_conflict`. A debit below zero on a customer wallet is
 * `insufficient_funds` (with the current balance). The writes are one statement (the
 * `ledger_transfer` database function); inside a caller's transaction they join it, and a refusal
 * aborts that transaction.
 */
export async function transfer(db: Kysely<DB>, input: TransferInput): Promise<TransferResult> {
  validate(input);
  // A credit to a partner's wallet writes its `wallet.credited` webhook event in the same
  // transaction. (A debit crossing a wallet's low-balance threshold is recorded by the
  // `ledger_transfer` function itself: see low-balance.ts and docs/money.md.)
  if (!mayCreditWallet(input)) return writeTransfer(db, input);
  return withTransaction(db, async (trx) => {
    const result = await writeTransfer(trx, input);
    if (!result.replayed) await recordWalletCredits(trx, result.transfer);
    return result;
  });
}

async function writeTransfer(db: Kysely<DB>, input: TransferInput): Promise<TransferResult> {
  const metadata = input.metadata ?? {};
  const audit = {
    kind: input.kind,
    idempotencyKey: input.idempotencyKey,
    entries: input.entries.map((entry) => ({ ledgerAccountId: entry.ledgerAccountId, amount: formatMoney(entry.amount) })),
    metadata,
  };
  const result = await sql<{ transfer_id: string; created_at: Date; replayed: boolean }>`
    select * from ledger_transfer(
      ${input.idempotencyKey}, ${input.kind}, ${toJson(metadata)}::jsonb, ${input.actor.accountId}::uuid, ${input.actor.channel},
      ${input.entries.map((entry) => entry.ledgerAccountId)}::text[],
      ${input.entries.map((entry) => entry.amount.currency)}::text[],
      ${input.entries.map((entry) => entry.amount.amount.toString())}::bigint[],
      ${toJson(audit)}::jsonb)`
    .execute(db)
    .catch((error: unknown) => {
      throw ledgerRefusal(
        error,
        input.entries.map((entry) => entry.ledgerAccountId),
      );
    });
  const row = result.rows[0];
  if (!row) throw new Error(`ledger_transfer returned nothing for ${input.idempotencyKey}`);
  if (row.replayed) return replayOf(await getTransfer(db, row.transfer_id), input);
  const transfer: Transfer = {
    id: row.transfer_id,
    idempotencyKey: input.idempotencyKey,
    kind: input.kind,
    metadata,
    actorAccountId: input.actor.accountId,
    createdAt: row.created_at,
    entries: input.entries.map((entry) => ({ ledgerAccountId: entry.ledgerAccountId, amount: entry.amount })),
  };
  return { transfer, replayed: false };
}

/** A wallet short of an amount, as the database reports it (minor units as decimal strings). */
export interface WalletShortfall {
  accountId: string;
  balance: string;
  required: string;
  currency: string;
}

export function insufficientFunds(facts: WalletShortfall): DomainError {
  const balance = money(BigInt(facts.balance), facts.currency);
  const required = money(BigInt(facts.required), facts.currency);
  return new DomainError('insufficient_funds', `insufficient funds: the balance is ${formatMoney(balance)}, ${formatMoney(required)} needed`, {
    accountId: facts.accountId,
    balance: toJsonMoney(balance),
    required: toJsonMoney(required),
  });
}

/**
 * Turns the database's refusals (SL001 insufficient funds, SL002 unknown account) into domain
 * errors; anything else passes through. Also used by callers of SQL functions that call
 * `ledger_transfer` themselves (order intake).
 */
export function ledgerRefusal(error: unknown, ledgerAccountIds: readonly string[]): unknown {
  const { code, detail } = error as { code?: string; detail?: string };
  if (code === 'SL001' && detail) return insufficientFunds(JSON.parse(detail) as WalletShortfall);
  if (code === 'SL002') {
    return new DomainError('ledger_account_not_found', 'a ledger account of this transfer does not exist or has another currency', {
      ledgerAccountIds,
    });
  }
  return error;
}

/** A ledger account's balance: stored for wallets, the sum of entries for system accounts. */
export async function balanceOf(db: Kysely<DB>, ledgerAccountId: string): Promise<Money> {
  const account = await db.selectFrom('ledger_accounts').select(['balance', 'currency']).where('id', '=', ledgerAccountId).executeTakeFirst();
  if (!account) throw new DomainError('ledger_account_not_found', `no ledger account ${ledgerAccountId}`);
  if (account.balance !== null) return money(account.balance, account.currency);
  const { sum } = await db
    .selectFrom('entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<bigint>('amount'), eb.lit(0)).as('sum'))
    .where('ledger_account_id', '=', ledgerAccountId)
    .executeTakeFirstOrThrow();
  return money(BigInt(sum), account.currency);
}

/** The wallet balance of a customer account. */
export async function walletBalance(db: Kysely<DB>, accountId: string): Promise<Money> {
  return balanceOf(db, walletId(accountId));
}
