// Helpers every CLI command uses: config + logger setup, and printing lines or one JSON document.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { toJsonMoney, type Money } from '../shared/money.ts';

export interface CommandEnv {
  config: Config;
  logger: Logger;
  json: boolean;
}

/** Config and a quiet logger (warnings, to stderr) so stdout stays clean for --json. */
export function commandEnv(command: Command): CommandEnv {
  const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
  const config = loadConfig();
  const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  return { config, logger, json };
}

/** Money as the API shows it (`{"amount":"10.00","currency":"USD"}`), other bigints as strings. */
function jsonValue(_key: string, value: unknown): unknown {
  if (isMoney(value)) return toJsonMoney(value);
  return typeof value === 'bigint' ? value.toString() : value;
}

const isMoney = (value: unknown): value is Money =>
  typeof value === 'object' && value !== null && typeof (value as Money).amount === 'bigint' && typeof (value as Money).currency === 'string';

export function print(json: boolean, result: unknown, lines: string[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, jsonValue)}\n`);
  } else {
    for (const line of lines) process.stdout.write(`${line}\n`);
  }
}

/** An error the user can fix; printed without a stack, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}
