import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig } from '../../src/config.ts';
import { apiKeySecret } from '../../src/domain/api-keys/api-keys.ts';

describe('API key secret configuration', () => {
  it('is required in production when the api role runs, and never falls back there', () => {
    expect(() => createConfig({ NODE_ENV: 'production', APP_ROLES: 'api' })).toThrow(ConfigError);
    expect(() => createConfig({ NODE_ENV: 'production', APP_ROLES: 'api', API_KEY_SECRET: 'short' })).toThrow(/API_KEY_SECRET/);
    const secret = 'x'.repeat(32);
    expect(apiKeySecret(createConfig({ NODE_ENV: 'production', APP_ROLES: 'api', API_KEY_SECRET: secret }))).toBe(secret);
    // A worker-only production process does not check keys.
    expect(() => createConfig({ NODE_ENV: 'production', APP_ROLES: 'worker' })).not.toThrow();
  });

  it('outside production an unset secret uses the development one', () => {
    expect(apiKeySecret(createConfig({ NODE_ENV: 'development' }))).toMatch(/development/);
  });
});
