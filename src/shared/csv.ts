// CSV documents (reports, an order's cards): csv-stringify with a header row, and the one rule for
// text from outside in a cell (docs/decisions/0013-csv-parse-in-tests.md).
import { stringify } from 'csv-stringify/sync';

export interface CsvDocument {
  filename: string;
  content: string;
}

export const toCsv = (columns: string[], rows: (string | number)[][]): string => stringify(rows, { header: true, columns });

/**
 * Text from outside (a name) as a cell: one starting like a formula (`=`, `+`, `-`, `@`, tab, CR)
 * gets a leading `'`, so a spreadsheet shows it instead of running it. Only text: amounts keep
 * their minus sign, and card codes stay exactly as the vendor sent them.
 */
export const textCell = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
