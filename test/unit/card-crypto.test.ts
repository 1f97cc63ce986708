import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createConfig } from '../../src/config.ts';
import { cardKeyring, decryptCardValue, encryptCardValue } from '../../src/domain/orders/card-crypto.ts';

const key = () => randomBytes(32).toString('base64');

describe('card code encryption', () => {
  it('round-trips, never stores the plaintext, and uses a fresh IV each time', () => {
    const keyring = cardKeyring({ CARD_ENCRYPTION_KEYS: `k1:${key()}` });
    const first = encryptCardValue(keyring, 'ABCD-1234-SECRET', 'order-1:7:code');
    const second = encryptCardValue(keyring, 'ABCD-1234-SECRET', 'order-1:7:code');
    expect(first).not.toContain('ABCD');
    expect(first).not.toBe(second);
    expect(decryptCardValue(keyring, 'k1', first, 'order-1:7:code')).toBe('ABCD-1234-SECRET');
  });

  it('rotation: the first key encrypts, every listed key decrypts by its id', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = cardKeyring({ CARD_ENCRYPTION_KEYS: `k1:${oldKey}` });
    const stored = encryptCardValue(before, 'PIN-0001', 'o:1:pin');
    const after = cardKeyring({ CARD_ENCRYPTION_KEYS: `k2:${newKey},k1:${oldKey}` });
    expect(after.currentKeyId).toBe('k2');
    expect(decryptCardValue(after, 'k1', stored, 'o:1:pin')).toBe('PIN-0001');
    expect(() => decryptCardValue(cardKeyring({ CARD_ENCRYPTION_KEYS: `k2:${newKey}` }), 'k1', stored, 'o:1:pin')).toThrow('not configured');
  });

  it('a value moved to another card, or tampered with, does not decrypt', () => {
    const keyring = cardKeyring({ CARD_ENCRYPTION_KEYS: `k1:${key()}` });
    const stored = encryptCardValue(keyring, 'CODE', 'order-1:7:code');
    expect(() => decryptCardValue(keyring, 'k1', stored, 'order-2:7:code')).toThrow();
    const [iv, tag, data] = stored.split('.') as [string, string, string];
    const flipped = Buffer.from(data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => decryptCardValue(keyring, 'k1', [iv, tag, flipped.toString('base64')].join('.'), 'order-1:7:code')).toThrow();
  });

  it('production refuses to start without keys; a malformed key list is a config error', () => {
    expect(() => createConfig({ NODE_ENV: 'production' })).toThrow(/CARD_ENCRYPTION_KEYS is required/);
    expect(() => createConfig({ CARD_ENCRYPTION_KEYS: 'k1:short' })).toThrow(/CARD_ENCRYPTION_KEYS/);
    expect(createConfig({ CARD_ENCRYPTION_KEYS: `k1:${key()}` }).CARD_ENCRYPTION_KEYS).toMatch(/^k1:/);
  });
});
