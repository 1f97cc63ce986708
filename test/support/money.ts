// Helpers for tests that touch money: accounts in a small tree, funding, and the invariant check.
import { expect } from 'vitest';
import { platformActor } from '../../src/domain/actor.ts';
import { createAccount, type Account } from '../../src/domain/accounts/accounts.ts';
import type { AccountRole } from '../../src/domain/accounts/accounts.tables.ts';
import { checkLedgerConsistency } from '../../src/domain/ledger/consistency.ts';
import { systemAccountId, transfer, walletBalance, walletId } from '../../src/domain/ledger/ledger.ts';
import type { Database } from '../../src/db/database.ts';
import type { ErrorCode } from '../../src/shared/error-codes.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';

export const operator = platformActor('cli');

let sequence = 0;

export async function makeAccount(db: Database, role: AccountRole, parent?: Account, name?: string): Promise<Account> {
  sequence += 1;
  return createAccount(db, operator, {
    role,
    name: name ?? `${role} ${sequence}`,
    parentId: parent?.id ?? null,
    ...(parent ? {} : { currency: 'USD' }),
  });
}

/** An agent with one sub-agent. */
export async function makeTree(db: Database): Promise<{ agent: Account; sub: Account }> {
  const agent = await makeAccount(db, 'agent');
  const sub = await makeAccount(db, 'sub_agent', agent);
  return { agent, sub };
}

/** Credits a wallet from the funding system account (as an approved top-up would). */
export async function fund(db: Database, account: Account, amount: string): Promise<void> {
  const value = parseMoney(amount, account.currency);
  sequence += 1;
  await transfer(db, {
    idempotencyKey: `test-fund-${account.id}-${sequence}`,
    kind: 'topup',
    actor: operator,
    entries: [
      { ledgerAccountId: systemAccountId('funding', account.currency), amount: { ...value, amount: -value.amount } },
      { ledgerAccountId: walletId(account.id), amount: value },
    ],
  });
}

export async function balance(db: Database, account: Account): Promise<string> {
  return formatAmount(await walletBalance(db, account.id));
}

/** Every docs/product.md#money-and-the-ledger invariant holds for the whole ledger. */
export async function expectLedgerConsistent(db: Database): Promise<void> {
  const report = await checkLedgerConsistency(db);
  expect(report.drifts).toEqual([]);
}

/** Awaits a rejection and checks it is the DomainError with this code; returns it for more checks. */
export async function expectDomainError(promise: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected DomainError ${code}`).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}
