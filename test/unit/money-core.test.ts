// Pure parts of the money core (no database).
import { describe, expect, it } from 'vitest';
import { proofFingerprint } from '../../src/domain/funding/topups.ts';
import { movement, systemAccountId, transfer, walletId } from '../../src/domain/ledger/ledger.ts';
import { monthOf, nextMonth, parseMonth } from '../../src/domain/month.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { money } from '../../src/shared/money.ts';

describe('months (UTC)', () => {
  it('parse, contain their instants, and roll over the year', () => {
    const december = parseMonth('2026-12');
    expect(december.start.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(december.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextMonth(december).label).toBe('2027-01');
    expect(monthOf(new Date('2026-11-30T23:59:59.999Z')).label).toBe('2026-11');
    expect(monthOf(new Date('2026-12-01T00:00:00.000Z')).label).toBe('2026-12');
    for (const bad of ['2026-13', '2026-1', '26-01', '2026-00', '']) expect(() => parseMonth(bad), bad).toThrow(DomainError);
  });
});

describe('top-up proof fingerprints', () => {
  it('match the same picture or the same reference, ignoring case and spacing', () => {
    expect(proofFingerprint({ kind: 'photo', fileId: 'a', fileUniqueId: 'u' })).toBe(proofFingerprint({ kind: 'photo', fileId: 'b', fileUniqueId: 'u' }));
    expect(proofFingerprint({ kind: 'photo', fileId: 'a' })).not.toBe(proofFingerprint({ kind: 'photo', fileId: 'b' }));
    expect(proofFingerprint({ kind: 'reference', text: ' Ref  12 ab' })).toBe(proofFingerprint({ kind: 'reference', text: 'ref 12 AB' }));
    expect(proofFingerprint({ kind: 'reference', text: 'u' })).not.toBe(proofFingerprint({ kind: 'photo', fileId: 'u' }));
  });
});

describe('ledger ids and validation', () => {
  it('builds deterministic ledger account ids', () => {
    expect(walletId('abc')).toBe('wallet:abc');
    expect(systemAccountId('order_clearing', 'USD')).toBe('system:order_clearing:USD');
  });

  it('a movement is two opposite entries of a positive amount', () => {
    expect(movement('a', 'b', money(5n, 'USD'))).toEqual([
      { ledgerAccountId: 'a', amount: money(-5n, 'USD') },
      { ledgerAccountId: 'b', amount: money(5n, 'USD') },
    ]);
    expect(() => movement('a', 'b', money(0n, 'USD'))).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
  });

  it('refuses a malformed transfer before any database call', async () => {
    const noDatabase = new Proxy(
      {},
      {
        get: () => {
          throw new Error('the database must not be touched');
        },
      },
    ) as Parameters<typeof transfer>[0];
    const actor = { accountId: null, channel: 'system' as const };
    const attempts = [
      { idempotencyKey: 'k', entries: [{ ledgerAccountId: 'a', amount: money(1n, 'USD') }] },
      {
        idempotencyKey: 'k',
        entries: [
          { ledgerAccountId: 'a', amount: money(1n, 'USD') },
          { ledgerAccountId: 'b', amount: money(-2n, 'USD') },
        ],
      },
      {
        idempotencyKey: 'k',
        entries: [
          { ledgerAccountId: 'a', amount: money(1n, 'USD') },
          { ledgerAccountId: 'a', amount: money(-1n, 'USD') },
        ],
      },
      { idempotencyKey: 'x'.repeat(201), entries: movement('a', 'b', money(1n, 'USD')) },
    ];
    for (const attempt of attempts) {
      await expect(transfer(noDatabase, { ...attempt, kind: 'manual_credit', actor })).rejects.toMatchObject({ code: 'invalid_transfer' });
    }
  });
});
