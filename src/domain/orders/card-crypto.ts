// Card codes and PINs at rest: AES-256-GCM with a random 96-bit IV per value, the ciphertext bound
// to its order and vendor card id (additional data), so a value copied to another row fails to
// decrypt. Keys come from CARD_ENCRYPTION_KEYS ("id:base64,…"): the first encrypts, every listed
// key decrypts, and each card stores the id of its key, so keys can be rotated.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';

export interface CardKeyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Development and tests only: a process refuses to start without CARD_ENCRYPTION_KEYS in production
 * or with the real vendor, and with this key as the encrypting one with the real vendor (config.ts).
 */
const DEVELOPMENT_KEY_ID = 'dev';
const developmentKey = () => createHash('sha256').update('steller-agency development card key (not secret)').digest();

/** Whether new cards would be encrypted with the development key: none configured, or it is the first. */
export function encryptsWithDevelopmentKey(cardEncryptionKeys: string | undefined): boolean {
  if (!cardEncryptionKeys) return true;
  const encoded = cardEncryptionKeys.split(',')[0]?.split(':')[1] ?? '';
  return Buffer.from(encoded, 'base64').equals(developmentKey());
}

export function cardKeyring(config: Pick<Config, 'CARD_ENCRYPTION_KEYS'>): CardKeyring {
  if (!config.CARD_ENCRYPTION_KEYS) return { currentKeyId: DEVELOPMENT_KEY_ID, keys: new Map([[DEVELOPMENT_KEY_ID, developmentKey()]]) };
  const keys = new Map<string, Buffer>();
  for (const item of config.CARD_ENCRYPTION_KEYS.split(',')) {
    const [id, encoded] = item.split(':') as [string, string];
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error(`card encryption key ${id} is not 32 bytes`);
    keys.set(id, key);
  }
  const currentKeyId = config.CARD_ENCRYPTION_KEYS.split(':')[0] as string;
  return { currentKeyId, keys };
}

export function encryptCardValue(keyring: CardKeyring, plaintext: string, boundTo: string): string {
  const key = keyring.keys.get(keyring.currentKeyId) as Buffer;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64')).join('.');
}

export function decryptCardValue(keyring: CardKeyring, keyId: string, stored: string, boundTo: string): string {
  const key = keyring.keys.get(keyId);
  if (!key) throw new Error(`card encryption key ${keyId} is not configured`);
  const [iv, tag, ciphertext] = stored.split('.').map((part) => Buffer.from(part, 'base64')) as [Buffer, Buffer, Buffer];
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}
