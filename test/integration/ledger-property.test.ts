// Property: random sequences of credits, debits, allocations, reclaims, holds, releases and
// refunds — with idempotency keys drawn from a small pool (so some repeat, with the same or a
// different payload) and amounts that often over-spend — keep every docs/product.md#money-and-the-ledger invariant after every
// step, and each request succeeds, replays or fails exactly as a simple in-memory model says.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { toJson } from '../../src/domain/json.ts';
import type { Account } from '../../src/domain/accounts/accounts.ts';
import { allocate, reclaim } from '../../src/domain/funding/allocation.ts';
import { creditWallet, debitWallet } from '../../src/domain/funding/manual.ts';
import { checkLedgerConsistency } from '../../src/domain/ledger/consistency.ts';
import { balanceOf, systemAccountId, transfer, walletId, type TransferKind, type TransferResult } from '../../src/domain/ledger/ledger.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { money } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';
import { makeAccount, operator } from '../support/money.ts';

const { db } = await createTestDatabase();

const WALLETS = ['agent', 'sub1', 'sub2', 'other'] as const;
type WalletName = (typeof WALLETS)[number];
const CHILDREN = ['sub1', 'sub2'] as const;

const amount = fc.bigInt({ min: 1n, max: 6_000n });
const key = fc.integer({ min: 0, max: 6 });
const order = fc.integer({ min: 0, max: 4 });
const wallet = fc.constantFrom(...WALLETS);
const child = fc.constantFrom(...CHILDREN);

const command = fc.oneof(
  fc.record({ type: fc.constant('credit' as const), wallet, amount, key }),
  fc.record({ type: fc.constant('debit' as const), wallet, amount, key }),
  fc.record({ type: fc.constant('allocate' as const), child, amount, key }),
  fc.record({ type: fc.constant('reclaim' as const), child, amount, key }),
  fc.record({ type: fc.constant('hold' as const), wallet, amount, order }),
  fc.record({ type: fc.constant('release' as const), order }),
  fc.record({ type: fc.constant('refund' as const), order, amount }),
);
type Command = typeof command extends fc.Arbitrary<infer T> ? T : never;

type Outcome = 'ok' | 'replayed' | 'idempotency_conflict' | 'insufficient_funds';

interface Planned {
  effectiveKey: string;
  kind: TransferKind;
  /** Ledger account id → signed amount in cents. */
  entries: Map<string, bigint>;
  run(): Promise<TransferResult>;
}

class Model {
  readonly balances = new Map<string, bigint>();
  readonly keys = new Map<string, string>();
  /** Order number → the wallet and amount its hold took. */
  readonly holds = new Map<number, { wallet: string; amount: bigint }>();
  clearing = 0n;

  expect(plan: Planned): Outcome {
    const signature = `${plan.kind}|${[...plan.entries]
      .map(([id, value]) => `${id}:${value}`)
      .sort()
      .join(',')}`;
    const used = this.keys.get(plan.effectiveKey);
    if (used !== undefined) return used === signature ? 'replayed' : 'idempotency_conflict';
    for (const [id, delta] of plan.entries) {
      if (this.balances.has(id) && (this.balances.get(id) ?? 0n) + delta < 0n) return 'insufficient_funds';
    }
    for (const [id, delta] of plan.entries) {
      if (this.balances.has(id)) this.balances.set(id, (this.balances.get(id) ?? 0n) + delta);
    }
    this.clearing += plan.entries.get(CLEARING) ?? 0n;
    this.keys.set(plan.effectiveKey, signature);
    return 'ok';
  }
}

const CLEARING = systemAccountId('order_clearing', 'USD');
const ADJUSTMENTS = systemAccountId('adjustments', 'USD');
const usd = (cents: bigint) => money(cents, 'USD');

function plan(command: Command, run: string, accounts: Record<WalletName, Account>, model: Model): Planned | undefined {
  const id = (name: WalletName) => walletId(accounts[name].id);
  const parentActor = accountActor(accounts.agent.id, 'telegram');
  const two = (from: string, to: string, value: bigint) =>
    new Map([
      [from, -value],
      [to, value],
    ]);
  switch (command.type) {
    case 'credit':
    case 'debit': {
      const input = { accountId: accounts[command.wallet].id, amount: usd(command.amount), reason: 'property test', idempotencyKey: `${run}:${command.key}` };
      return command.type === 'credit'
        ? {
            effectiveKey: `manual:${input.idempotencyKey}`,
            kind: 'manual_credit',
            entries: two(ADJUSTMENTS, id(command.wallet), command.amount),
            run: () => creditWallet(db, operator, input),
          }
        : {
            effectiveKey: `manual:${input.idempotencyKey}`,
            kind: 'manual_debit',
            entries: two(id(command.wallet), ADJUSTMENTS, command.amount),
            run: () => debitWallet(db, operator, input),
          };
    }
    case 'allocate':
    case 'reclaim': {
      const input = { childId: accounts[command.child].id, amount: usd(command.amount), idempotencyKey: `${run}:${command.key}` };
      return command.type === 'allocate'
        ? {
            effectiveKey: `allocation:${input.idempotencyKey}`,
            kind: 'allocation',
            entries: two(id('agent'), id(command.child), command.amount),
            run: () => allocate(db, parentActor, input),
          }
        : {
            effectiveKey: `reclaim:${input.idempotencyKey}`,
            kind: 'reclaim',
            entries: two(id(command.child), id('agent'), command.amount),
            run: () => reclaim(db, parentActor, input),
          };
    }
    case 'hold':
    case 'release':
    case 'refund': {
      let kind: TransferKind;
      let effectiveKey: string;
      let entries: Map<string, bigint>;
      if (command.type === 'hold') {
        kind = 'order_hold';
        effectiveKey = `hold:${run}:${command.order}`;
        entries = two(id(command.wallet), CLEARING, command.amount);
      } else {
        // The order engine returns money for an order once: release (all) and refund (part) share one key.
        const held = model.holds.get(command.order);
        if (!held) return undefined; // nothing was held for this order: the engine would not ask
        kind = command.type === 'release' ? 'order_release' : 'order_refund';
        effectiveKey = `return:${run}:${command.order}`;
        const value = command.type === 'release' ? held.amount : command.amount > held.amount ? held.amount : command.amount;
        entries = two(CLEARING, held.wallet, value);
      }
      const [[from, negative], [to, positive]] = [...entries] as [[string, bigint], [string, bigint]];
      return {
        effectiveKey,
        kind,
        entries,
        run: () =>
          transfer(db, {
            idempotencyKey: effectiveKey,
            kind,
            actor: operator,
            entries: [
              { ledgerAccountId: from, amount: usd(negative) },
              { ledgerAccountId: to, amount: usd(positive) },
            ],
          }),
      };
    }
  }
}

async function outcomeOf(run: () => Promise<TransferResult>): Promise<Outcome> {
  try {
    return (await run()).replayed ? 'replayed' : 'ok';
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'insufficient_funds' || error.code === 'idempotency_conflict')) return error.code;
    throw error;
  }
}

describe('ledger properties', () => {
  it('every invariant holds after every step of random money traffic', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const run = randomUUID();
        const agent = await makeAccount(db, 'agent');
        const accounts: Record<WalletName, Account> = {
          agent,
          sub1: await makeAccount(db, 'sub_agent', agent),
          sub2: await makeAccount(db, 'sub_agent', agent),
          other: await makeAccount(db, 'agent'),
        };
        const model = new Model();
        for (const name of WALLETS) model.balances.set(walletId(accounts[name].id), 0n);
        const clearingAtStart = (await balanceOf(db, CLEARING)).amount;

        for (const step of commands) {
          const planned = plan(step, run, accounts, model);
          if (!planned) continue;
          const expected = model.expect(planned);
          if (step.type === 'hold' && expected === 'ok') model.holds.set(step.order, { wallet: walletId(accounts[step.wallet].id), amount: step.amount });
          expect(await outcomeOf(planned.run), toJson(step)).toBe(expected);

          for (const [id, value] of model.balances) expect((await balanceOf(db, id)).amount).toBe(value);
          expect((await balanceOf(db, CLEARING)).amount - clearingAtStart).toBe(model.clearing);
          const report = await checkLedgerConsistency(db);
          expect(report.drifts).toEqual([]);
        }
        // Every money movement left exactly one audit row.
        const movements = await db
          .selectFrom('transfers')
          .select((eb) => eb.fn.countAll<bigint>().as('count'))
          .executeTakeFirstOrThrow();
        const audited = await db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<bigint>().as('count'))
          .where('action', '=', 'ledger.transfer')
          .executeTakeFirstOrThrow();
        expect(audited.count).toBe(movements.count);
      }),
      { numRuns: 50 },
    );
  });
});
