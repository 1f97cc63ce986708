// Helpers for order-engine tests: run queued jobs by hand (no worker, no real waiting) and check
// that each order's money adds up.
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import type { Database } from '../../src/db/database.ts';
import { expectLedgerConsistent } from './money.ts';
import { boundQueue } from '../../src/jobs/queues.ts';
import type { QueueContract } from '../../src/shared/queue-contract.ts';
import type { TestContext } from './context.ts';

/** Runs every job of `queue` that is due now (as a worker would), returning each handler's result or error. */
export async function runDueJobs(test: Pick<TestContext, 'boss'>, ctx: AppContext, contract: QueueContract): Promise<unknown[]> {
  const queue = boundQueue(contract);
  const results: unknown[] = [];
  for (;;) {
    const jobs = await test.boss.fetch<object>(queue.name, { batchSize: 50, includeMetadata: true });
    if (jobs.length === 0) return results;
    // In the order they were sent (a fetched batch comes back in any order).
    for (const job of jobs.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime())) {
      try {
        const result = await queue.handle(ctx, queue.payload.parse(job.data), { id: job.id, retryCount: 0, signal: new AbortController().signal });
        results.push(result);
        await test.boss.complete(queue.name, job.id);
      } catch (error) {
        results.push(error);
        // Dropped, not retried: the test decides what runs next.
        await test.boss.deleteJob(queue.name, job.id);
      }
    }
  }
}

/** Jobs of a queue waiting (due now or later) for an order. */
export async function queuedFor(test: TestContext, queue: QueueContract, orderId: string): Promise<number> {
  const jobs = await test.boss.findJobs<{ orderId: string }>(queue.name, { data: { orderId }, queued: true });
  return jobs.length;
}

/**
 * Per order: the hold equals what was settled plus what was refunded (clearing nets to zero for a
 * final order, and holds it all while open), it was held once and returned at most once; plus
 * every docs/product.md#money-and-the-ledger invariant of the whole ledger.
 */
export async function expectOrderMoneyConserved(db: Database, orderIds: string[]): Promise<void> {
  for (const orderId of orderIds) {
    const order = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
    const rows = await db
      .selectFrom('entries')
      .innerJoin('transfers', 'transfers.id', 'entries.transfer_id')
      .select(['transfers.kind', 'transfers.idempotency_key', 'entries.ledger_account_id', 'entries.amount'])
      .where(sql<string>`transfers.metadata->>'orderId'`, '=', orderId)
      .execute();
    // A sandbox order's money sits in the sandbox clearing account (docs/money.md, Sandbox money).
    const clearing = rows.filter((row) => /^system:(sandbox_)?order_clearing:/.test(row.ledger_account_id)).reduce((sum, row) => sum + row.amount, 0n);
    const holds = rows.filter((row) => row.kind === 'order_hold' && row.ledger_account_id.startsWith('wallet:'));
    const returns = rows.filter((row) => (row.kind === 'order_refund' || row.kind === 'order_release') && row.ledger_account_id.startsWith('wallet:'));
    expect(holds.map((row) => row.amount)).toEqual([-order.total_minor]);
    expect(returns.length).toBeLessThanOrEqual(1);
    const returned = returns.reduce((sum, row) => sum + row.amount, 0n);
    const final = ['completed', 'partially_completed', 'failed'].includes(order.status);
    expect(clearing).toBe(final ? 0n : order.total_minor);
    if (final) {
      const delivered = BigInt(order.cards_delivered ?? 0);
      expect(returned).toBe(order.unit_price_minor * (BigInt(order.quantity) - delivered));
    } else {
      expect(returned).toBe(0n);
    }
  }
  await expectLedgerConsistent(db);
}

/**
 * Moves an order to an earlier time, as if it had been made then: its `created_at` and its place in
 * the per-day totals the risk limits read (`order_day_totals`).
 */
export async function backdateOrder(db: Database, orderId: string, at: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const order = await trx
      .selectFrom('orders')
      .select(['buyer_id', 'created_at', 'total_minor', 'status'])
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    await trx.updateTable('orders').set({ created_at: at }).where('id', '=', orderId).execute();
    if (order.status === 'failed') return;
    const day = (date: Date) => date.toISOString().slice(0, 10);
    await sql`update order_day_totals set spend_minor = spend_minor - ${order.total_minor}, order_count = order_count - 1
      where account_id = ${order.buyer_id} and day = ${day(order.created_at)}::date`.execute(trx);
    await sql`insert into order_day_totals as t (account_id, day, spend_minor, order_count) values (${order.buyer_id}, ${day(at)}::date, ${order.total_minor}, 1)
      on conflict (account_id, day) do update set spend_minor = t.spend_minor + excluded.spend_minor, order_count = t.order_count + 1`.execute(trx);
  });
}
