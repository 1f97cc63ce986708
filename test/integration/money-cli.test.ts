// Operator CLI (`steller account|admin|wallet|ledger`) and the hourly consistency job.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/output.ts';
import type { AppContext } from '../../src/context.ts';
import { PROJECT_ROOT } from '../../src/config.ts';
import { queryAuditLog } from '../../src/domain/audit/query.ts';
import { walletId } from '../../src/domain/ledger/ledger.ts';
import { createJobQueue, ensureQueues, registerSchedules, startBoss, startWorkers } from '../../src/jobs/boss.ts';
import { ledgerCheckQueue } from '../../src/jobs/handlers/ledger-check.ts';
import { createMetrics } from '../../src/metrics.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logger.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { recordingEventPort } from '../support/events.ts';
import { createTestDatabase } from '../support/db.ts';
import { balance, expectLedgerConsistent, makeAccount } from '../support/money.ts';
import { cliRunner } from '../support/cli.ts';

const { db, url } = await createTestDatabase();

const steller = cliRunner(url);

describe('steller CLI (money)', () => {
  it('creates accounts, adds admins, credits and debits wallets with a reason', async () => {
    const agent = await steller('account', 'create', '--role', 'agent', '--name', 'Desk 1');
    expect(agent).toMatchObject({ role: 'agent', name: 'Desk 1', currency: 'USD', parentId: null });
    const sub = await steller('account', 'create', '--role', 'sub_agent', '--name', 'Shop', '--parent', agent.id);
    expect(sub.parentId).toBe(agent.id);

    const admin = await steller('admin', 'add', '--telegram-id', '777000111');
    expect(admin).toMatchObject({ role: 'admin', telegramUserId: '777000111', created: true });
    expect((await steller('admin', 'add', '--telegram-id', '777000111')).created).toBe(false);

    const credit = await steller('wallet', 'credit', '--account', agent.id, '--amount', '10.00', '--reason', 'cash', '--idempotency-key', 'op-1');
    expect(credit).toMatchObject({ replayed: false, amount: { amount: '10.00', currency: 'USD' }, balance: { amount: '10.00', currency: 'USD' } });
    const retried = await steller('wallet', 'credit', '--account', agent.id, '--amount', '10.00', '--reason', 'cash', '--idempotency-key', 'op-1');
    expect(retried).toMatchObject({ replayed: true, transferId: credit.transferId });
    const debit = await steller('wallet', 'debit', '--account', agent.id, '--amount', '2.50', '--reason', 'fee');
    expect(debit.balance).toEqual({ amount: '7.50', currency: 'USD' });
    expect(await steller('account', 'show', agent.id)).toMatchObject({ id: agent.id, balance: { amount: '7.50', currency: 'USD' } });

    const audit = await queryAuditLog(db, platformActor('cli'), { action: 'ledger.transfer' });
    expect(audit.every((row) => row.channel === 'cli' && row.actor_account_id === null)).toBe(true);
    await expectLedgerConsistent(db);
  });

  it('turns refusals into clear errors', async () => {
    const agent = await makeAccount(db, 'agent');
    await expect(steller('wallet', 'debit', '--account', agent.id, '--amount', '1.00', '--reason', 'x')).rejects.toThrow(
      new CliError('insufficient_funds: insufficient funds: the balance is 0.00 USD, 1.00 USD needed'),
    );
    await expect(steller('wallet', 'credit', '--account', agent.id, '--amount', '1.001', '--reason', 'x')).rejects.toThrow(/at most 2 decimal places/);
    await expect(steller('account', 'create', '--role', 'boss', '--name', 'x')).rejects.toThrow(/--role must be one of/);
    await expect(steller('account', 'create', '--role', 'sub_agent', '--name', 'orphan')).rejects.toThrow(/invalid_parent/);
    expect(await balance(db, agent)).toBe('0.00');
  });

  it('refuses option text nothing can store (NUL, lone surrogates) before touching the database', async () => {
    const agent = await makeAccount(db, 'agent');
    await expect(steller('wallet', 'credit', '--account', agent.id, '--amount', '1.00', '--reason', 'why\u0000not')).rejects.toThrow(
      new CliError('--reason must not contain a NUL character'),
    );
    await expect(steller('account', 'create', '--role', 'agent', '--name', 'Agent \ud800')).rejects.toThrow(/--name must not contain a lone surrogate/);
    expect(await balance(db, agent)).toBe('0.00');
    await expectLedgerConsistent(db);
  });

  it('`ledger check` reports a consistent ledger, and exits non-zero on drift', async () => {
    const report = await steller('ledger', 'check');
    expect(report).toMatchObject({ ok: true, drifts: [] });

    const { db: broken, url: brokenUrl } = await createTestDatabase();
    const agent = await makeAccount(broken, 'agent');
    await broken.updateTable('ledger_accounts').set({ balance: 5n }).where('id', '=', walletId(agent.id)).execute();
    const run = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'src/cli/bin.js'), 'ledger', 'check'], {
      env: { ...process.env, DATABASE_URL: brokenUrl },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('wallet_balance_mismatch');
    expect(run.stdout).toContain(agent.id);
  });
});

describe('ledger consistency job', () => {
  it('is a queue that runs hourly', () => {
    expect(QUEUES).toContain(ledgerCheckQueue);
    expect(ledgerCheckQueue.schedule?.cron).toBe('0 * * * *');
  });

  it('runs through pg-boss: the queue, its dead-letter queue and its cron schedule are accepted, and a job completes', async () => {
    const logger = createLogger({ level: 'silent' });
    const boss = await startBoss({ connectionString: url, schema: `boss_money_${process.pid}`, worker: true, logger });
    try {
      await ensureQueues(boss, QUEUES);
      await registerSchedules(boss, [ledgerCheckQueue]);
      expect((await boss.getSchedules()).map((schedule) => [schedule.name, schedule.cron])).toContainEqual([ledgerCheckQueue.name, '0 * * * *']);
      const ctx = { db, logger } as unknown as AppContext;
      await startWorkers(boss, [{ ...ledgerCheckQueue, pollingIntervalSeconds: 0.5 }], ctx, createMetrics({ defaultMetrics: false }));
      const id = await createJobQueue(boss).enqueue(ledgerCheckQueue, {});
      expect(id).not.toBeNull();
      let job = await boss.getJobById(ledgerCheckQueue.name, id as string);
      for (let attempt = 0; attempt < 100 && job?.state !== 'completed' && job?.state !== 'failed'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = await boss.getJobById(ledgerCheckQueue.name, id as string);
      }
      expect(job?.state).toBe('completed');
      expect(job?.output).toMatchObject({ ok: true, drifts: 0 });
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  it('raises the drift alert with the accounts involved', async () => {
    const { db: broken } = await createTestDatabase();
    const agent = await makeAccount(broken, 'agent');
    const events = recordingEventPort();
    const alerts = events.recorded;
    const logger = createLogger({ level: 'silent' });
    const ctx = { db: broken, logger, events } as unknown as AppContext;
    const job = { id: 'j', retryCount: 0, signal: new AbortController().signal };
    expect(await ledgerCheckQueue.handle(ctx, {}, job)).toMatchObject({ ok: true, drifts: 0 });
    expect(alerts).toHaveLength(0);
    await broken.updateTable('ledger_accounts').set({ balance: 5n }).where('id', '=', walletId(agent.id)).execute();
    expect(await ledgerCheckQueue.handle(ctx, {}, job)).toMatchObject({ ok: false, drifts: 1 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'ledger.drift', accountIds: [agent.id] });
  });
});
