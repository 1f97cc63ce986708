// A logger that keeps every error-level line (pino level 50 and above) for the test to inspect:
// hostile input must be answered as the caller's mistake, never logged as our failure.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/logger.ts';

export function errorCapturingLogger(): { logger: Logger; errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      if (typeof line.level === 'number' && line.level >= 50) errors.push(line);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), errors };
}
