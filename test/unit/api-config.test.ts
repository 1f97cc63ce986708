import { describe, expect, it } from 'vitest';
import { createConfig } from '../../src/config.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';

describe('API key secret configuration', () => {
  it('is required in production when the api role runs, and never falls back there', () => {
    // Production also requires a card encryption key; give one so only the API key secret is tested.
    const production = { NODE_ENV: 'production', CARD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
    expect(() => createConfig({ ...production, APP_ROLES: 'api' })).toThrow(/API_KEY_SECRET/);
    expect(() => createConfig({ ...production, APP_ROLES: 'api', API_KEY_SECRET: 'short' })).toThrow(/API_KEY_SECRET/);
    const secret = 'x'.repeat(32);
    expect(apiKeySecret(createConfig({ ...production, APP_ROLES: 'api', API_KEY_SECRET: secret }))).toBe(secret);
    // A worker-only production process does not check keys.
    expect(() => createConfig({ ...production, APP_ROLES: 'worker' })).not.toThrow();
  });

  it('outside production an unset secret uses the development one', () => {
    expect(apiKeySecret(createConfig({ NODE_ENV: 'development' }))).toMatch(/development/);
  });
});
