// Small helpers every benchmark uses. (Database admin statements: `adminQuery` in test/support/admin.ts.)

/** `--name value` from the command line, or the fallback. */
export const arg = (name: string, fallback: number): number => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;

/** The p-th percentile of ascending-sorted values. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
