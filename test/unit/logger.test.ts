import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('logger', () => {
  it('redacts secrets and card data wherever they appear', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        config: { DATABASE_URL: 'postgres://u:pw@h/db', TELEGRAM_BOT_TOKEN: '1:abc' },
        apiKey: 'sk_live_secret',
        order: { cards: [{ cardCode: 'CODE-123', pin: '9999' }] },
        req: { headers: { authorization: 'Bearer sk_live_x' } },
        err: { code: 'ECONNREFUSED' },
      },
      'hello',
    );
    const line = lines.join('');
    for (const secret of ['pw@h', '1:abc', 'sk_live_secret', 'CODE-123', '9999', 'sk_live_x']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
    expect(line).toContain('ECONNREFUSED'); // error codes stay visible
  });

  it('hides passwords in printed URLs', () => {
    expect(redactUrl('postgres://user:secret@localhost:5432/db')).toBe('postgres://user:***@localhost:5432/db');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
