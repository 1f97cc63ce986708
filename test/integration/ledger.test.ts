import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import type { Account } from '../../src/domain/accounts/accounts.ts';
import { raiseLedgerDrift } from '../../src/domain/ledger/alerts.ts';
import { checkLedgerConsistency } from '../../src/domain/ledger/consistency.ts';
import { balanceOf, systemAccountId, transfer, walletId, type EntryInput } from '../../src/domain/ledger/ledger.ts';
import { setLowBalanceThreshold } from '../../src/domain/ledger/low-balance.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { createLogger } from '../../src/logger.ts';
import { isDomainError } from '../../src/shared/errors.ts';
import { formatMoney, money, parseMoney } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';
import { recordingEventPort } from '../support/events.ts';
import { balance, expectDomainError, expectLedgerConsistent, fund, makeAccount, operator } from '../support/money.ts';

const { db, url } = await createTestDatabase();
const usd = (value: string) => parseMoney(value, 'USD');
const neg = (value: string) => parseMoney(`-${value}`, 'USD');

/** wallet → order clearing (a hold), the most common debit. */
function debit(account: Account, amount: string, key: string): Parameters<typeof transfer>[1] {
  return {
    idempotencyKey: key,
    kind: 'order_hold',
    actor: operator,
    entries: [
      { ledgerAccountId: walletId(account.id), amount: neg(amount) },
      { ledgerAccountId: systemAccountId('order_clearing', 'USD'), amount: usd(amount) },
    ],
  };
}

describe('ledger transfer', () => {
  it('moves money between a wallet and a system account, and audits it', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '100.00');
    const result = await transfer(db, debit(agent, '30.00', 'hold-1'));
    expect(result.replayed).toBe(false);
    expect(await balance(db, agent)).toBe('70.00');
    // System accounts store no balance: it is the sum of their entries.
    const clearing = await db
      .selectFrom('ledger_accounts')
      .select('balance')
      .where('id', '=', systemAccountId('order_clearing', 'USD'))
      .executeTakeFirstOrThrow();
    expect(clearing.balance).toBeNull();
    expect(formatMoney(await balanceOf(db, systemAccountId('order_clearing', 'USD')))).toBe('30.00 USD');
    const audit = await queryAuditLog(db, operator, { subject: { type: 'transfer', id: result.transfer.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.action).toBe('ledger.transfer');
    await expectLedgerConsistent(db);
  });

  it('replays a key: returns the original transfer and moves nothing', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '50.00');
    const first = await transfer(db, debit(agent, '10.00', 'replay-1'));
    const second = await transfer(db, debit(agent, '10.00', 'replay-1'));
    expect(second.replayed).toBe(true);
    expect(second.transfer.id).toBe(first.transfer.id);
    expect(await balance(db, agent)).toBe('40.00');
    const conflict = await expectDomainError(transfer(db, debit(agent, '11.00', 'replay-1')), 'idempotency_conflict');
    expect(conflict.details.transferId).toBe(first.transfer.id);
    expect(await balance(db, agent)).toBe('40.00');
    await expectLedgerConsistent(db);
  });

  it('refuses malformed transfers before touching the database', async () => {
    const agent = await makeAccount(db, 'agent');
    const wallet = walletId(agent.id);
    const clearing = systemAccountId('order_clearing', 'USD');
    const attempts: EntryInput[][] = [
      [{ ledgerAccountId: wallet, amount: usd('1.00') }],
      [
        { ledgerAccountId: wallet, amount: usd('1.00') },
        { ledgerAccountId: clearing, amount: neg('0.99') },
      ],
      [
        { ledgerAccountId: wallet, amount: usd('0') },
        { ledgerAccountId: clearing, amount: usd('0') },
      ],
      [
        { ledgerAccountId: wallet, amount: usd('1.00') },
        { ledgerAccountId: clearing, amount: money(-100n, 'EUR') },
      ],
    ];
    for (const [index, entries] of attempts.entries()) {
      await expectDomainError(transfer(db, { idempotencyKey: `bad-${index}`, kind: 'manual_credit', actor: operator, entries }), 'invalid_transfer');
    }
    await expectDomainError(transfer(db, { ...debit(agent, '1.00', 'x'), idempotencyKey: '' }), 'invalid_transfer');
  });

  it('refuses an unknown ledger account or one in another currency', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '5.00');
    await expectDomainError(
      transfer(db, {
        idempotencyKey: 'eur-into-usd',
        kind: 'manual_credit',
        actor: operator,
        entries: [
          { ledgerAccountId: walletId(agent.id), amount: money(100n, 'EUR') },
          { ledgerAccountId: systemAccountId('adjustments', 'EUR'), amount: money(-100n, 'EUR') },
        ],
      }),
      'ledger_account_not_found',
    );
    await expectDomainError(transfer(db, debit({ ...agent, id: '00000000-0000-4000-8000-000000000000' }, '1.00', 'ghost')), 'ledger_account_not_found');
    expect(await balance(db, agent)).toBe('5.00');
    await expectLedgerConsistent(db);
  });

  it('refuses over-spending with the current balance, and leaves no trace', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '10.00');
    const error = await expectDomainError(transfer(db, debit(agent, '10.01', 'overspend')), 'insufficient_funds');
    expect(error.details).toMatchObject({ balance: { amount: '10.00', currency: 'USD' }, required: { amount: '10.01', currency: 'USD' }, accountId: agent.id });
    expect(error.message).toContain('10.00 USD');
    expect(await db.selectFrom('transfers').select('id').where('idempotency_key', '=', 'overspend').execute()).toEqual([]);
    expect(await balance(db, agent)).toBe('10.00');
    // The key was not consumed: a smaller retry with a new key works, and so would the same key.
    await transfer(db, debit(agent, '10.00', 'overspend'));
    expect(await balance(db, agent)).toBe('0.00');
    await expectLedgerConsistent(db);
  });

  it('keeps entries and transfers append-only, and wallets non-negative, in the database itself', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '1.00');
    await expect(sql`update entries set amount = amount + 1`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from entries`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate entries cascade`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`update transfers set kind = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
    await expect(db.updateTable('ledger_accounts').set({ balance: -1n }).where('id', '=', walletId(agent.id)).execute()).rejects.toThrow(
      /ledger_accounts_wallet_balance_not_negative/,
    );
    await expectLedgerConsistent(db);
  });
});

describe('ledger_transfers: a set of transfers in one statement (order intake writes its holds so)', () => {
  interface SetTransfer {
    key: string;
    entries: [string, string][]; // [ledger account, signed amount in minor units]
  }
  // Calls the database function directly: the TypeScript ledger writes one transfer at a time.
  const writeSet = (transfers: SetTransfer[]) => {
    const entries = transfers.flatMap((one, index) => one.entries.map(([account, amount]) => ({ position: index + 1, account, amount })));
    return sql<{ transfer_position: number; transfer_id: string; replayed: boolean }>`
      select * from ledger_transfers(
        ${transfers.map((one) => one.key)}::text[], ${transfers.map(() => 'order_hold')}::text[],
        ${transfers.map(() => '{}')}::jsonb[], ${transfers.map(() => operator.accountId)}::uuid[], ${transfers.map(() => operator.channel)}::text[],
        ${transfers.map((one) => JSON.stringify({ key: one.key }))}::jsonb[],
        ${entries.map((entry) => entry.position)}::integer[], ${entries.map((entry) => entry.account)}::text[],
        ${entries.map(() => 'USD')}::text[], ${entries.map((entry) => entry.amount)}::bigint[])`
      .execute(db)
      .then((result) => result.rows);
  };
  const clearing = systemAccountId('order_clearing', 'USD');
  const hold = (account: Account, key: string, minor: number): SetTransfer => ({
    key,
    entries: [
      [walletId(account.id), String(-minor)],
      [clearing, String(minor)],
    ],
  });

  it('writes each new transfer with its entries and audit row; a stored key or one repeated in the set is a replay', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '100.00');
    const stored = await transfer(db, debit(agent, '10.00', 'set-stored'));
    const rows = await writeSet([hold(agent, 'set-a', 1000), hold(agent, 'set-stored', 1000), hold(agent, 'set-b', 2500), hold(agent, 'set-a', 1000)]);
    expect(rows.map((row) => [row.transfer_position, row.replayed])).toEqual([
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    expect(rows[1]?.transfer_id).toBe(stored.transfer.id);
    expect(rows[3]?.transfer_id).toBe(rows[0]?.transfer_id);
    expect(await balance(db, agent)).toBe('55.00'); // 100 - 10 (stored) - 10 (a) - 25 (b)
    const entries = await db
      .selectFrom('entries')
      .select(['transfer_id', 'amount'])
      .where('transfer_id', 'in', [rows[0]!.transfer_id, rows[2]!.transfer_id])
      .execute();
    expect(entries.map((entry) => [entry.transfer_id, entry.amount]).sort()).toEqual(
      [
        [rows[0]!.transfer_id, -1000n],
        [rows[0]!.transfer_id, 1000n],
        [rows[2]!.transfer_id, -2500n],
        [rows[2]!.transfer_id, 2500n],
      ].sort(),
    );
    for (const row of [rows[0]!, rows[2]!]) expect(await queryAuditLog(db, operator, { subject: { type: 'transfer', id: row.transfer_id } })).toHaveLength(1);
    await expectLedgerConsistent(db);
  });

  it('refuses the whole set when a wallet would go below zero after any transfer, even if a later one refills it', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '20.00');
    const refill: SetTransfer = {
      key: 'set-refill',
      entries: [
        [systemAccountId('funding', 'USD'), '-5000'],
        [walletId(agent.id), '5000'],
      ],
    };
    const failure = await writeSet([hold(agent, 'set-first', 1500), hold(agent, 'set-too-much', 1000), refill]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'SL001' });
    expect(JSON.parse((failure as { detail: string }).detail)).toEqual({ accountId: agent.id, balance: '2000', required: '2500', currency: 'USD' });
    expect(await balance(db, agent)).toBe('20.00');
    expect(await db.selectFrom('transfers').select('id').where('idempotency_key', 'in', ['set-first', 'set-too-much', 'set-refill']).execute()).toEqual([]);
    // In the other order the wallet never dips: all three are written.
    await writeSet([refill, hold(agent, 'set-first', 1500), hold(agent, 'set-too-much', 1000)]);
    expect(await balance(db, agent)).toBe('45.00');
    await expectLedgerConsistent(db);
  });

  it("records one low-balance event for the transfer of the set that crosses a partner wallet's threshold", async () => {
    const partner = await makeAccount(db, 'partner');
    await fund(db, partner, '100.00');
    await setLowBalanceThreshold(db, operator, partner.id, usd('50.00'));
    const rows = await writeSet([hold(partner, 'low-1', 3000), hold(partner, 'low-2', 3000), hold(partner, 'low-3', 3000)]); // 70, 40 (crosses), 10
    const events = await db
      .selectFrom('webhook_events')
      .select('payload')
      .where('account_id', '=', partner.id)
      .where('type', '=', 'wallet.low_balance')
      .execute();
    expect(events.map((event) => event.payload)).toEqual([
      {
        accountId: partner.id,
        balance: { amount: '40.00', currency: 'USD' },
        threshold: { amount: '50.00', currency: 'USD' },
        transferId: rows[1]?.transfer_id,
      },
    ]);
    expect(await balance(db, partner)).toBe('10.00');
    await expectLedgerConsistent(db);
  });
});

describe('ledger under concurrency (real PostgreSQL, separate connections)', () => {
  let wide: Database;
  beforeAll(() => {
    wide = createDatabase(url, { poolSize: 25 }).db;
  });
  afterAll(async () => {
    await wide.destroy();
  });

  it('50 parallel debits of 5.00 from 100.00: exactly 20 succeed, the balance ends at 0.00, never below', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '100.00');
    let watching = true;
    const seen: bigint[] = [];
    const watcher = (async () => {
      while (watching) {
        const row = await db.selectFrom('ledger_accounts').select('balance').where('id', '=', walletId(agent.id)).executeTakeFirstOrThrow();
        seen.push(row.balance as bigint);
      }
    })();
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => transfer(wide, debit(agent, '5.00', `race-${index}`))));
    watching = false;
    await watcher;
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(succeeded).toHaveLength(20);
    expect(refused.every((outcome) => isDomainError(outcome.reason, 'insufficient_funds'))).toBe(true);
    expect(await balance(db, agent)).toBe('0.00');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((value) => value >= 0n)).toBe(true);
    const holds = await db.selectFrom('entries').select('amount').where('ledger_account_id', '=', walletId(agent.id)).where('amount', '<', 0n).execute();
    expect(holds).toHaveLength(20);
    await expectLedgerConsistent(db);
  });

  it('the same key sent 10 times at once moves money once', async () => {
    const agent = await makeAccount(db, 'agent');
    await fund(db, agent, '20.00');
    const results = await Promise.all(Array.from({ length: 10 }, () => transfer(wide, debit(agent, '7.00', 'same-key'))));
    expect(new Set(results.map((result) => result.transfer.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(await balance(db, agent)).toBe('13.00');
    await expectLedgerConsistent(db);
  });

  it('transfers in opposite directions between two wallets do not deadlock', async () => {
    const a = await makeAccount(db, 'agent');
    const b = await makeAccount(db, 'sub_agent', a);
    await fund(db, a, '100.00');
    await fund(db, b, '100.00');
    const move = (from: Account, to: Account, key: string) =>
      transfer(wide, {
        idempotencyKey: key,
        kind: 'allocation',
        actor: operator,
        entries: [
          { ledgerAccountId: walletId(to.id), amount: usd('1.00') },
          { ledgerAccountId: walletId(from.id), amount: neg('1.00') },
        ],
      });
    await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? move(a, b, `ab-${index}`) : move(b, a, `ba-${index}`))));
    expect(await balance(db, a)).toBe('100.00');
    expect(await balance(db, b)).toBe('100.00');
    await expectLedgerConsistent(db);
  });
});

describe('consistency check', () => {
  it('finds a wallet whose stored balance drifted and alerts subscribers with the accounts involved', async () => {
    const { db: broken } = await createTestDatabase();
    const agent = await makeAccount(broken, 'agent');
    await fund(broken, agent, '10.00');
    expect((await checkLedgerConsistency(broken)).ok).toBe(true);

    await broken.updateTable('ledger_accounts').set({ balance: 999n }).where('id', '=', walletId(agent.id)).execute();
    const report = await checkLedgerConsistency(broken);
    expect(report.ok).toBe(false);
    expect(report.drifts).toEqual([
      expect.objectContaining({ invariant: 'wallet_balance_mismatch', accountIds: [agent.id], details: { storedBalance: '999', sumOfEntries: '1000' } }),
    ]);

    const events = recordingEventPort();
    await raiseLedgerDrift({ db: broken, logger: createLogger({ level: 'silent' }), events }, report);
    expect(events.recorded).toEqual([{ type: 'ledger.drift', driftCount: 1, invariants: ['wallet_balance_mismatch'], accountIds: [agent.id] }]);
  });

  it('finds a transfer whose entries do not sum to zero', async () => {
    const { db: broken } = await createTestDatabase();
    // A ledger written past the commit-time check (say, restored without triggers): the hourly check still sees it.
    await sql`alter table entries disable trigger entries_transfer_balanced`.execute(broken);
    const agent = await makeAccount(broken, 'agent');
    const { id } = await broken.insertInto('transfers').values({ idempotency_key: 'forged', kind: 'manual_credit' }).returning('id').executeTakeFirstOrThrow();
    await broken
      .insertInto('entries')
      .values([
        { transfer_id: id, ledger_account_id: systemAccountId('adjustments', 'USD'), currency: 'USD', amount: -500n },
        { transfer_id: id, ledger_account_id: walletId(agent.id), currency: 'USD', amount: 400n },
      ])
      .execute();
    const report = await checkLedgerConsistency(broken);
    const invariants = report.drifts.map((entry) => entry.invariant).sort();
    expect(invariants).toEqual(['ledger_unbalanced', 'transfer_unbalanced', 'wallet_balance_mismatch']);
    expect(report.drifts.find((entry) => entry.invariant === 'transfer_unbalanced')?.transferIds).toEqual([id]);
  });

  it('finds entries on an unknown ledger account or in another currency than their account', async () => {
    const { db: broken } = await createTestDatabase();
    const agent = await makeAccount(broken, 'agent');
    const { id } = await broken
      .insertInto('transfers')
      .values({ idempotency_key: 'forged-2', kind: 'manual_credit' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await broken
      .insertInto('entries')
      .values([
        { transfer_id: id, ledger_account_id: 'system:nowhere:EUR', currency: 'EUR', amount: -500n },
        { transfer_id: id, ledger_account_id: walletId(agent.id), currency: 'EUR', amount: 500n },
      ])
      .execute();
    const report = await checkLedgerConsistency(broken);
    const orphans = report.drifts.filter((entry) => entry.invariant === 'entry_account_mismatch');
    expect(orphans.map((entry) => entry.ledgerAccountIds[0]).sort()).toEqual(['system:nowhere:EUR', walletId(agent.id)].sort());
  });
});

describe('the database keeps every transfer balanced', () => {
  /** A transfer row written by hand, as a new SQL function or a fix in psql would. */
  const forgedTransfer = async (trx: typeof db, key: string) =>
    (await sql<{ id: string }>`insert into transfers (idempotency_key, kind) values (${key}, 'manual_credit') returning id`.execute(trx)).rows[0]!.id;
  const entry = (transferId: string, ledgerAccountId: string, amount: bigint) =>
    sql`insert into entries (transfer_id, ledger_account_id, currency, amount) values (${transferId}, ${ledgerAccountId}, 'USD', ${amount})`;

  it('an unbalanced insert fails at commit, not before, and leaves nothing behind', async () => {
    const agent = await makeAccount(db, 'agent');
    const before = await db
      .selectFrom('entries')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    let insertedBeforeCommit = false;
    const commit = db.transaction().execute(async (trx) => {
      const id = await forgedTransfer(trx, 'unbalanced-raw');
      await entry(id, systemAccountId('adjustments', 'USD'), -500n).execute(trx);
      await entry(id, walletId(agent.id), 400n).execute(trx);
      insertedBeforeCommit = true; // deferred: the statements themselves succeed
    });
    await expect(commit).rejects.toMatchObject({ code: '23514', constraint: 'entries_transfer_balanced' });
    expect(insertedBeforeCommit).toBe(true);
    const after = await db
      .selectFrom('entries')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(after.count).toBe(before.count);
    expect(await db.selectFrom('transfers').select('id').where('idempotency_key', '=', 'unbalanced-raw').execute()).toEqual([]);
    await expectLedgerConsistent(db);
  });

  it('a lone entry outside any transaction fails (autocommit commits at once)', async () => {
    const lone = sql`
      with forged as (insert into transfers (idempotency_key, kind) values ('lone-entry', 'manual_credit') returning id)
      insert into entries (transfer_id, ledger_account_id, currency, amount)
      select forged.id, ${systemAccountId('adjustments', 'USD')}, 'USD', 700 from forged`;
    await expect(lone.execute(db)).rejects.toMatchObject({ code: '23514' });
    await expectLedgerConsistent(db);
  });

  it('each currency balances on its own: +1 USD and -1 EUR is refused', async () => {
    const commit = db.transaction().execute(async (trx) => {
      const id = await forgedTransfer(trx, 'two-currencies');
      await entry(id, systemAccountId('funding', 'USD'), 100n).execute(trx);
      await sql`insert into entries (transfer_id, ledger_account_id, currency, amount) values (${id}, 'system:funding:EUR', 'EUR', -100)`.execute(trx);
    });
    await expect(commit).rejects.toMatchObject({ code: '23514' });
  });

  it('a balanced transfer written by several statements of one transaction commits', async () => {
    const agent = await makeAccount(db, 'agent');
    await db.transaction().execute(async (trx) => {
      const id = await forgedTransfer(trx, 'balanced-in-steps');
      await entry(id, systemAccountId('adjustments', 'USD'), -500n).execute(trx);
      await entry(id, walletId(agent.id), 300n).execute(trx); // unbalanced between statements is fine
      await entry(id, systemAccountId('revenue', 'USD'), 200n).execute(trx);
      await trx.updateTable('ledger_accounts').set({ balance: 300n }).where('id', '=', walletId(agent.id)).execute();
    });
    expect(await balance(db, agent)).toBe('3.00');
    await expectLedgerConsistent(db);
  });

  it('`set constraints … immediate` checks at once', async () => {
    const commit = db.transaction().execute(async (trx) => {
      await sql`set constraints entries_transfer_balanced immediate`.execute(trx);
      const id = await forgedTransfer(trx, 'immediate');
      await entry(id, systemAccountId('adjustments', 'USD'), -500n).execute(trx);
      throw new Error('not reached: the insert itself fails');
    });
    await expect(commit).rejects.toMatchObject({ code: '23514' });
  });
});
