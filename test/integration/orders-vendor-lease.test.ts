// No transaction, pooled connection or row lock is held while Bamboo answers (issue: faults): an
// order's vendor lease, taken and given back in short transactions, keeps others off it instead
// (docs/orders.md, The vendor lease).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { placeWithVendor, resolveWithVendor, RetryLater, VENDOR_LEASE_MS } from '../../src/domain/orders/fulfilment.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { createOrderEngineTest } from '../support/order-engine.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const { ctx, db, buyer, order, statusOf } = await createOrderEngineTest();

/** The context's vendor, whose checkout waits at a gate the test opens. */
function gatedVendor() {
  const { clock } = mountSimulator({ rateLimits: false });
  let open!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  ctx.vendor = simulatorClient({
    clock,
    fetch: async (request) => {
      if (new URL(request.url).pathname.toLowerCase().includes('checkout')) {
        reached();
        await gate;
      }
      return fetch(request);
    },
  });
  return { open, atGate };
}

const openTransactions = async () =>
  Number(
    (
      await sql<{ count: string }>`select count(*)::text as count from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'`.execute(db)
    ).rows[0]?.count,
  );

const leaseOf = (orderId: string) =>
  db.selectFrom('orders').select(['vendor_lease_token', 'vendor_lease_until']).where('id', '=', orderId).executeTakeFirstOrThrow();

describe('the vendor lease', () => {
  it('while Bamboo answers a placement: no open transaction, no row lock; reconciliation and a second job keep off', async () => {
    const gated = gatedVendor();
    const { order: created } = await order(await buyer());
    const placing = placeWithVendor(ctx, created.id, 'place-job-1');
    await gated.atGate;

    expect(await openTransactions()).toBe(0);
    // Anyone may lock the order row at once (nowait would fail on a held lock).
    await db.transaction().execute((trx) => sql`select id from orders where id = ${created.id} for update nowait`.execute(trx));
    expect(await statusOf(created.id)).toBe('placing');
    expect((await leaseOf(created.id)).vendor_lease_token).toBe('place-job-1');
    expect(await resolveWithVendor(ctx, created.id)).toBe('open');
    await expect(placeWithVendor(ctx, created.id, 'place-job-2')).rejects.toBeInstanceOf(RetryLater);

    gated.open();
    expect(await placing).toBe('placed');
    expect(await statusOf(created.id)).toBe('processing');
    expect(await leaseOf(created.id)).toEqual({ vendor_lease_token: null, vendor_lease_until: null });
  });

  it('a retry of the same job takes its lease back at once; another job only once it has run out', async () => {
    gatedVendor().open();
    const { order: created } = await order(await buyer());
    // A worker died holding the lease (its job is retried with the same id).
    const until = new Date(Date.now() + VENDOR_LEASE_MS);
    await db
      .updateTable('orders')
      .set({ status: 'placing', vendor_request_id: crypto.randomUUID(), vendor_lease_token: 'dead-job', vendor_lease_until: until })
      .where('id', '=', created.id)
      .execute();
    await expect(placeWithVendor(ctx, created.id, 'other-job')).rejects.toBeInstanceOf(RetryLater);
    expect(await placeWithVendor(ctx, created.id, 'dead-job')).toBe('placed');

    const { order: second } = await order(await buyer());
    await db
      .updateTable('orders')
      .set({ status: 'placing', vendor_request_id: crypto.randomUUID(), vendor_lease_token: 'dead-job', vendor_lease_until: new Date(Date.now() - 1_000) })
      .where('id', '=', second.id)
      .execute();
    expect(await placeWithVendor(ctx, second.id, 'other-job')).toBe('placed');
  });

  it('a failed vendor call gives the lease back, and the money is untouched', async () => {
    const { clock } = mountSimulator({ rateLimits: false });
    ctx.vendor = simulatorClient({ clock, fetch: async () => Promise.reject(new TypeError('fetch failed: connection reset')), maxAttempts: 1 });
    const { order: created } = await order(await buyer());
    await expect(placeWithVendor(ctx, created.id, 'place-job-1')).rejects.toBeInstanceOf(RetryLater);
    expect(await statusOf(created.id)).toBe('placing');
    expect((await leaseOf(created.id)).vendor_lease_token).toBeNull();
    await expectOrderMoneyConserved(db, [created.id]);
  });
});
