// One pino root logger. JSON in production and under CI; pretty when stdout is a terminal.
// Secrets and card data are redacted by path so a careless `log.info({ config })` leaks nothing.
import pino, { type Logger } from 'pino';
import { SECRET_VARIABLES } from './config.ts';

export type { Logger };

const SENSITIVE_KEYS = [
  'password',
  'token',
  'secret',
  'apiKey',
  'api_key',
  'authorization',
  // Card data: whole card arrays and code/PIN fields. (Not plain `code`: error codes must stay visible.)
  'cards',
  'pin',
  'cardCode',
  'cardPin',
  ...SECRET_VARIABLES,
];

/** Redaction paths: each sensitive key at the top level, one level down and two levels down. */
export const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
]);

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Where JSON lines go; tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !process.env.CI);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' } },
    });
  }
  return pino(base);
}

/** Hides the password part of a connection URL so it can be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparsable url]';
  }
}
