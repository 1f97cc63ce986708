import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MoneyError,
  add,
  applyDiscountBps,
  convert,
  currencyExponent,
  formatAmount,
  formatMoney,
  money,
  parseMoney,
  subtract,
  toJsonMoney,
} from '../../src/shared/money.ts';

describe('money', () => {
  it('knows ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('BHD')).toBe(3);
    expect(() => currencyExponent('usd')).toThrow(MoneyError);
  });

  it('parses decimal strings exactly into minor units', () => {
    expect(parseMoney('10.00', 'USD').amount).toBe(1000n);
    expect(parseMoney('10.5', 'USD').amount).toBe(1050n);
    expect(parseMoney('-0.01', 'USD').amount).toBe(-1n);
    expect(parseMoney('1.234', 'BHD').amount).toBe(1234n);
    expect(parseMoney('1500', 'JPY').amount).toBe(1500n);
    expect(parseMoney('92233720368547758.07', 'USD').amount).toBe(9223372036854775807n);
    // One minor unit more does not fit a bigint column.
    expect(() => parseMoney('92233720368547758.08', 'USD')).toThrow(/too large/);
    expect(() => parseMoney('-99999999999999999999999.00', 'USD')).toThrow(/too large/);
    expect(() => parseMoney('10.001', 'USD')).toThrow(/at most 2 decimal places/);
    expect(() => parseMoney('1.5', 'JPY')).toThrow(MoneyError);
    expect(() => parseMoney('1e3', 'USD')).toThrow(MoneyError);
    expect(() => parseMoney('', 'USD')).toThrow(MoneyError);
  });

  it('rounds vendor decimals half up when asked', () => {
    expect(parseMoney('9.4650', 'USD', 'half-up').amount).toBe(947n);
    expect(parseMoney('9.4649', 'USD', 'half-up').amount).toBe(946n);
    expect(parseMoney('-9.465', 'USD', 'half-up').amount).toBe(-947n);
  });

  it('formats with the currency and its decimals', () => {
    expect(formatMoney(money(1000n, 'USD'))).toBe('10.00 USD');
    expect(formatMoney(money(-5n, 'USD'))).toBe('-0.05 USD');
    expect(formatMoney(money(1234n, 'BHD'))).toBe('1.234 BHD');
    expect(formatMoney(money(1500n, 'JPY'))).toBe('1500 JPY');
    expect(toJsonMoney(money(7n, 'USD'))).toEqual({ amount: '0.07', currency: 'USD' });
  });

  it('round-trips every amount through format and parse', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom('USD', 'JPY', 'BHD', 'EUR'), (amount, currency) => {
        expect(parseMoney(formatAmount(money(amount, currency)), currency).amount).toBe(amount);
      }),
    );
  });

  it('adds and subtracts only the same currency', () => {
    expect(add(money(1n, 'USD'), money(2n, 'USD')).amount).toBe(3n);
    expect(subtract(money(1n, 'USD'), money(2n, 'USD')).amount).toBe(-1n);
    expect(() => add(money(1n, 'USD'), money(1n, 'EUR'))).toThrow(/currency mismatch/);
  });

  it('applies discounts in basis points, half up (the docs/product.md#pricing-and-revenue-share worked example)', () => {
    const face = parseMoney('10.00', 'USD');
    expect(formatAmount(applyDiscountBps(face, 400))).toBe('9.60');
    expect(formatAmount(applyDiscountBps(face, 200))).toBe('9.80');
    expect(formatAmount(applyDiscountBps(face, -150))).toBe('10.15'); // markup
    expect(applyDiscountBps(money(5n, 'USD'), 1000).amount).toBe(5n); // 4.5 -> 5
    expect(() => applyDiscountBps(face, 1.5)).toThrow(MoneyError);
  });

  it('converts with a decimal rate into the target exponent', () => {
    expect(convert(parseMoney('10.00', 'EUR'), '1.0825', 'USD').amount).toBe(1083n); // 10.825 -> 10.83
    expect(convert(parseMoney('100.00', 'USD'), '151.237', 'JPY').amount).toBe(15124n);
    expect(convert(parseMoney('1000', 'JPY'), '0.0066', 'USD').amount).toBe(660n);
    expect(() => convert(parseMoney('1.00', 'USD'), '-1', 'EUR')).toThrow(MoneyError);
  });
});
