// Migration 2026_12_02_050100 on a database with history: test money booked on the real system
// accounts before it (as the code did then) moves to the sandbox twins in one balanced, audited
// transfer per currency; real money stays where it is. Real PostgreSQL, migrated up to the
// migration before, the old bookings written through `transfer()` with the accounts used then.
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrateToLatest } from '../../src/db/migrate.ts';
import { ensureSandboxAccount } from '../../src/domain/api-keys/api-keys.ts';
import { balanceOf, movement, systemAccountId, transfer, walletId, type SystemAccountCode } from '../../src/domain/ledger/ledger.ts';
import { formatAmount, parseMoney } from '../../src/shared/money.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { expectLedgerConsistent, makeAccount, operator } from '../support/money.ts';

const MIGRATION = '2026_12_02_050100_sandbox_system_accounts.ts';
const usd = (value: string) => parseMoney(value, 'USD');

/** A folder with the migrations before this one (links to the real files). */
function migrationsBefore(name: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'steller-migrations-before-'));
  for (const file of readdirSync(MIGRATIONS_DIR).filter((file) => file < name)) symlinkSync(path.join(MIGRATIONS_DIR, file), path.join(folder, file));
  return folder;
}

describe('migration 2026_12_02_050100: test money booked before it moves to the sandbox accounts', () => {
  it('moves what test-money transfers booked on real accounts, in-flight holds included, and nothing else', async () => {
    const { db } = await createTestDatabase({ migrated: false });
    await migrateToLatest(db, migrationsBefore(MIGRATION));

    const partner = await makeAccount(db, 'partner');
    const sandbox = await ensureSandboxAccount(db, partner);
    await insertProduct(db, { id: 4242, minFace: 1000n, costMin: 947n });
    const sandboxOrder = async (reference: string, total: bigint) =>
      (
        await db
          .insertInto('orders')
          .values({
            buyer_id: sandbox.id,
            channel: 'api',
            client_reference: reference,
            request_fingerprint: reference,
            product_id: 4242n,
            face_currency: 'USD',
            face_minor: 1000n,
            quantity: 2,
            currency: 'USD',
            unit_price_minor: total / 2n,
            total_minor: total,
            platform_unit_price_minor: total / 2n,
            revenue_share_unit_minor: 0n,
            discount_bps: 0,
            status: 'pending',
            deadline_at: new Date(Date.now() + 900_000),
            sandbox: true,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const completed = await sandboxOrder('done', 2000n);
    const inFlight = await sandboxOrder('open', 1000n);

    // The bookings as they were made before: real accounts for real and test money alike.
    const book = (key: string, kind: Parameters<typeof transfer>[1]['kind'], entries: Parameters<typeof transfer>[1]['entries'], metadata = {}) =>
      transfer(db, { idempotencyKey: key, kind, entries, metadata, actor: operator });
    await book('real-topup', 'topup', movement(systemAccountId('funding', 'USD'), walletId(partner.id), usd('50.00')));
    await book('real-hold', 'order_hold', movement(walletId(partner.id), systemAccountId('order_clearing', 'USD'), usd('5.00')));
    await book('manual:signup:sandbox-funds', 'manual_credit', movement(systemAccountId('adjustments', 'USD'), walletId(sandbox.id), usd('100.00')));
    await book('test-helper-fund', 'topup', movement(systemAccountId('funding', 'USD'), walletId(sandbox.id), usd('7.00')));
    await book(`order-hold:${completed}`, 'order_hold', movement(walletId(sandbox.id), systemAccountId('order_clearing', 'USD'), usd('20.00')), {
      orderId: completed,
    });
    await book(
      `order-settle:${completed}`,
      'order_settle',
      [
        { ledgerAccountId: systemAccountId('order_clearing', 'USD'), amount: usd('-20.00') },
        { ledgerAccountId: systemAccountId('vendor_payable', 'USD'), amount: usd('18.94') },
        { ledgerAccountId: systemAccountId('revenue', 'USD'), amount: usd('1.06') },
      ],
      { orderId: completed },
    );
    await book(`order-hold:${inFlight}`, 'order_hold', movement(walletId(sandbox.id), systemAccountId('order_clearing', 'USD'), usd('10.00')), {
      orderId: inFlight,
    });

    expect(await migrateToLatest(db)).toContain(MIGRATION.replace(/\.ts$/, ''));

    const balance = async (code: SystemAccountCode) => formatAmount(await balanceOf(db, systemAccountId(code, 'USD')));
    const balances: Record<string, string> = {};
    for (const code of [
      'funding',
      'adjustments',
      'order_clearing',
      'vendor_payable',
      'revenue',
      'sandbox_adjustments',
      'sandbox_order_clearing',
      'sandbox_vendor_payable',
      'sandbox_revenue',
    ] as const) {
      balances[code] = await balance(code);
    }
    expect(balances).toEqual({
      // Real money only: the live top-up and the live hold.
      funding: '-50.00',
      adjustments: '0.00',
      order_clearing: '5.00',
      vendor_payable: '0.00',
      revenue: '0.00',
      // Test money: its funds (both sources), the in-flight hold, the completed order's settlement.
      sandbox_adjustments: '-107.00',
      sandbox_order_clearing: '10.00',
      sandbox_vendor_payable: '18.94',
      sandbox_revenue: '1.06',
    });
    // Wallets are not touched.
    expect(formatAmount(await balanceOf(db, walletId(sandbox.id)))).toBe('77.00');
    expect(formatAmount(await balanceOf(db, walletId(partner.id)))).toBe('45.00');

    const reclassification = await db
      .selectFrom('transfers')
      .select(['id', 'kind'])
      .where('idempotency_key', '=', 'sandbox-reclassification:USD')
      .executeTakeFirstOrThrow();
    expect(reclassification.kind).toBe('sandbox_reclassification');
    const audit = await db.selectFrom('audit_log').select(['action', 'channel']).where('subject_id', '=', reclassification.id).execute();
    expect(audit).toEqual([{ action: 'ledger.transfer', channel: 'system' }]);
    await expectLedgerConsistent(db);
  });

  it('on a database without test money it writes no transfer', async () => {
    const { db } = await createTestDatabase({ migrated: false });
    await migrateToLatest(db, migrationsBefore(MIGRATION));
    const partner = await makeAccount(db, 'partner');
    await transfer(db, {
      idempotencyKey: 'only-real',
      kind: 'topup',
      entries: movement(systemAccountId('funding', 'USD'), walletId(partner.id), usd('9.00')),
      actor: operator,
    });
    await migrateToLatest(db);
    expect(await db.selectFrom('transfers').select('id').where('kind', '=', 'sandbox_reclassification').execute()).toEqual([]);
    expect(formatAmount(await balanceOf(db, systemAccountId('sandbox_adjustments', 'USD')))).toBe('0.00');
    await expectLedgerConsistent(db);
  });
});
