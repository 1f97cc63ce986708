// Money: integer minor units (bigint) with an ISO 4217 currency. Decimal strings are parsed and
// formatted here and nowhere else; rates and percentages go through big.js with explicit rounding
// (half up: ties go away from zero). Never a JS float.
import Big from 'big.js';
import { INT8_MAX } from './ids.ts';

export interface Money {
  /** Minor units (cents for USD, fils for BHD, yen for JPY). */
  readonly amount: bigint;
  readonly currency: string;
}

// ISO 4217 minor units where they differ from 2. Anything else with a valid code has 2.
const EXPONENT_0 = ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const EXPONENT_3 = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const EXPONENT_4 = ['CLF', 'UYW'];

export class MoneyError extends Error {
  override name = 'MoneyError';
}

export function assertCurrency(currency: string): void {
  if (!/^[A-Z]{3}$/.test(currency)) throw new MoneyError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
}

export function currencyExponent(currency: string): number {
  assertCurrency(currency);
  if (EXPONENT_0.includes(currency)) return 0;
  if (EXPONENT_3.includes(currency)) return 3;
  if (EXPONENT_4.includes(currency)) return 4;
  return 2;
}

export function money(amount: bigint, currency: string): Money {
  assertCurrency(currency);
  return Object.freeze({ amount, currency });
}

export type Rounding = 'exact' | 'half-up';

/**
 * Parses a decimal string ("10", "10.5", "-3.250") into minor units. With 'exact' (the default, for
 * amounts people type) more decimals than the currency has is an error; 'half-up' rounds (vendor
 * prices with 4 decimals, converted once at the edge).
 */
export function parseMoney(value: string, currency: string, rounding: Rounding = 'exact'): Money {
  const exponent = currencyExponent(currency);
  const text = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new MoneyError(`not a decimal amount: ${JSON.stringify(value)}`);
  const decimals = text.split('.')[1]?.length ?? 0;
  if (rounding === 'exact' && decimals > exponent) {
    throw new MoneyError(`${currency} amounts have at most ${exponent} decimal place${exponent === 1 ? '' : 's'}: ${text}`);
  }
  const minor = new Big(text).times(new Big(10).pow(exponent)).round(0, Big.roundHalfUp);
  // Minor units live in bigint columns: a larger amount is a refusal here, not a database error.
  if (minor.abs().gt(INT8_MAX.toString())) throw new MoneyError(`amount too large: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
  return money(BigInt(minor.toFixed(0)), currency);
}

/** "10.00" for 1000n USD; "-0.50" for -50n USD; "1500" for 1500n JPY. */
export function formatAmount(value: Money): string {
  const exponent = currencyExponent(value.currency);
  const negative = value.amount < 0n;
  const digits = (negative ? -value.amount : value.amount).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** "10.00 USD": what people see, always with currency and the currency's decimals. */
export function formatMoney(value: Money): string {
  return `${formatAmount(value)} ${value.currency}`;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`currency mismatch: ${a.currency} and ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function multiply(value: Money, factor: bigint): Money {
  return money(value.amount * factor, value.currency);
}

export function isNegative(value: Money): boolean {
  return value.amount < 0n;
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** value × (1 − bps/10000), rounded half up to minor units. A negative discount is a markup. */
export function applyDiscountBps(value: Money, discountBps: number): Money {
  if (!Number.isInteger(discountBps)) throw new MoneyError(`discount must be whole basis points: ${discountBps}`);
  const result = new Big(value.amount.toString())
    .times(10_000 - discountBps)
    .div(10_000)
    .round(0, Big.roundHalfUp);
  return money(BigInt(result.toFixed(0)), value.currency);
}

/**
 * Converts with a decimal rate given as a string ("1 unit of `value.currency` = `rate` units of
 * `to`"), rounded half up to the target currency's minor units.
 */
export function convert(value: Money, rate: string, to: string): Money {
  if (!/^\d+(\.\d+)?$/.test(rate) || new Big(rate).lte(0)) throw new MoneyError(`not a positive decimal rate: ${JSON.stringify(rate)}`);
  const shift = currencyExponent(to) - currencyExponent(value.currency);
  const result = new Big(value.amount.toString()).times(rate).times(new Big(10).pow(shift)).round(0, Big.roundHalfUp);
  return money(BigInt(result.toFixed(0)), to);
}

/** JSON shape of money leaving the domain: decimal string plus currency, never a float. */
export function toJsonMoney(value: Money): { amount: string; currency: string } {
  return { amount: formatAmount(value), currency: value.currency };
}
