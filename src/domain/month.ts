// Calendar months in UTC ("2026-11"), the unit of statements and revenue-share payouts.
import { DomainError } from '../shared/errors.ts';

export interface Month {
  /** "YYYY-MM" */
  label: string;
  /** First instant of the month (UTC). */
  start: Date;
  /** First instant of the next month (UTC). */
  end: Date;
  /** "YYYY-MM-01", for date columns. */
  firstDay: string;
}

export function parseMonth(label: string): Month {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(label);
  if (!match) throw new DomainError('invalid_month', `a month looks like 2026-11, not ${JSON.stringify(label)}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  return { label, start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)), firstDay: `${label}-01` };
}

export function monthOf(date: Date): Month {
  return parseMonth(`${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`);
}

export function nextMonth(month: Month): Month {
  return monthOf(month.end);
}
