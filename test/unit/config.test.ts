import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig, envSchema, loadConfig } from '../../src/config.ts';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/config.ts';

const realVendor = { VENDOR: 'bamboo', BAMBOO_CLIENT_ID: 'id', BAMBOO_CLIENT_SECRET: 's', BAMBOO_ACCOUNT_ID: '555' };

function configError(env: Record<string, string>): ConfigError {
  try {
    createConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for an empty environment (embedded database, simulator, all roles)', () => {
    const config = createConfig({});
    expect(config.APP_ROLES).toEqual(['api', 'worker', 'bot']);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.VENDOR).toBe('simulator');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(createConfig({ DATABASE_URL: '', REDIS_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names the variable and the problem for a bad value', () => {
    const error = configError({ PORT: 'eighty' });
    expect(error.issues).toEqual([{ variable: 'PORT', problem: expect.any(String) }]);
    expect(error.message).toMatch(/^Invalid configuration: PORT /);
  });

  it('reports every bad variable at once', () => {
    const error = configError({ PORT: '70000', APP_ROLES: 'api,cron', LOG_LEVEL: 'loud' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['APP_ROLES', 'LOG_LEVEL', 'PORT']);
    expect(error.message).toContain('each role must be one of api, worker, bot');
  });

  it('rejects URLs of the wrong kind', () => {
    expect(configError({ DATABASE_URL: 'mysql://localhost/db' }).issues[0]?.variable).toBe('DATABASE_URL');
    expect(configError({ REDIS_URL: 'http://localhost' }).issues[0]?.variable).toBe('REDIS_URL');
    expect(configError({ BOT_API_ROOT: 'https://api.telegram.org/' }).message).toContain('must not end with a slash');
  });

  it('requires Bamboo credentials only with the real vendor', () => {
    expect(configError({ VENDOR: 'bamboo' }).message).toBe(
      'Invalid configuration: BAMBOO_CLIENT_ID is required when VENDOR=bamboo; BAMBOO_CLIENT_SECRET is required when VENDOR=bamboo; BAMBOO_ACCOUNT_ID is required when VENDOR=bamboo',
    );
    expect(configError({ VENDOR: 'bamboo', BAMBOO_CLIENT_ID: 'id', BAMBOO_CLIENT_SECRET: 's' }).issues).toEqual([
      { variable: 'BAMBOO_ACCOUNT_ID', problem: 'is required when VENDOR=bamboo' },
    ]);
    const bamboo = createConfig({ ...realVendor, CARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    expect([bamboo.VENDOR, bamboo.BAMBOO_ACCOUNT_ID]).toEqual(['bamboo', 555]);
  });

  it('refuses the real vendor without a card key of its own, whatever NODE_ENV says', () => {
    const refusal = { variable: 'CARD_ENCRYPTION_KEYS', problem: 'must hold a key of its own (not the development key) when VENDOR=bamboo' };
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(configError({ ...realVendor, NODE_ENV, API_KEY_SECRET: 's'.repeat(32) }).issues).toEqual([
        NODE_ENV === 'production' ? { variable: 'CARD_ENCRYPTION_KEYS', problem: 'is required when NODE_ENV=production' } : refusal,
      ]);
    }
    // The development key written out by hand is still the development key.
    const developmentKey = createHash('sha256').update('steller-agency development card key (not secret)').digest('base64');
    expect(configError({ ...realVendor, CARD_ENCRYPTION_KEYS: `prod:${developmentKey}` }).issues).toEqual([refusal]);
    // It may stay listed to decrypt old cards; it may not encrypt new ones.
    const own = randomBytes(32).toString('base64');
    expect(createConfig({ ...realVendor, CARD_ENCRYPTION_KEYS: `k2:${own},dev:${developmentKey}` }).CARD_ENCRYPTION_KEYS).toContain('k2:');
    // The simulator never sees a real card: the development key is fine there.
    expect(createConfig({ CARD_ENCRYPTION_KEYS: `dev:${developmentKey}` }).VENDOR).toBe('simulator');
  });

  it('webhook mode needs a public URL and a secret token', () => {
    const token = '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(configError({ TELEGRAM_BOT_TOKEN: token, BOT_MODE: 'webhook' }).issues.map((issue) => issue.variable)).toEqual(['PUBLIC_URL', 'BOT_WEBHOOK_SECRET']);
    const config = createConfig({ TELEGRAM_BOT_TOKEN: token, BOT_MODE: 'webhook', PUBLIC_URL: 'https://x.example', BOT_WEBHOOK_SECRET: 's'.repeat(20) });
    expect(config.BOT_MODE).toBe('webhook');
  });

  it('WEBHOOK_ALLOW_PRIVATE_URLS is off by default, true or false only, and refused in production', () => {
    expect(createConfig({}).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(createConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(true);
    expect(createConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(configError({ WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' }).issues).toEqual([{ variable: 'WEBHOOK_ALLOW_PRIVATE_URLS', problem: 'must be true or false' }]);
    const production = { NODE_ENV: 'production', API_KEY_SECRET: 's'.repeat(32), CARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` };
    expect(createConfig(production).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(configError({ ...production, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).issues).toEqual([
      { variable: 'WEBHOOK_ALLOW_PRIVATE_URLS', problem: 'must not be true when NODE_ENV=production' },
    ]);
  });

  it('never echoes a secret value in the error', () => {
    const token = 'not-a-token-but-secret-value-123';
    const error = configError({ TELEGRAM_BOT_TOKEN: token });
    expect(error.issues[0]?.variable).toBe('TELEGRAM_BOT_TOKEN');
    expect(error.message).not.toContain(token);
  });

  it('parses roles and admin ids from comma-separated lists', () => {
    const config = createConfig({ APP_ROLES: 'worker, api,worker', ADMIN_TELEGRAM_IDS: '123, 456' });
    expect(config.APP_ROLES).toEqual(['worker', 'api']);
    expect(config.ADMIN_TELEGRAM_IDS).toEqual(['123', '456']);
    expect(configError({ ADMIN_TELEGRAM_IDS: '12a' }).issues[0]?.variable).toBe('ADMIN_TELEGRAM_IDS');
  });

  it('reads .env without overriding the real environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'steller-env-'));
    writeFileSync(path.join(dir, '.env'), 'SHUTDOWN_TIMEOUT_MS=4321\nLOG_LEVEL=debug\n');
    const before = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      const config = loadConfig(dir);
      expect(config.SHUTDOWN_TIMEOUT_MS).toBe(4321);
      expect(config.LOG_LEVEL).toBe('warn');
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
      delete process.env.SHUTDOWN_TIMEOUT_MS;
    }
  });

  it('.env.example lists every variable the schema reads', () => {
    const example = readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect([...Object.keys(envSchema.shape)].filter((name) => !listed.has(name))).toEqual([]);
  });
});
