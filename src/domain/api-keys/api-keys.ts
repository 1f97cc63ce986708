// API keys of the partner REST API (docs/product.md#the-partner-api). A key is shown once; only its HMAC-SHA256 under a
// server secret is stored (docs/decisions/api-key-hashing.md). `sk_live_` keys act on the partner's
// account, `sk_test_` keys on its sandbox account: a separate account with its own wallet, so test
// money and real money never meet. Admin keys act as an admin account.
import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { getAccount, insertAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import { platformActor, type Actor, type Channel } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { serviceTarget, type EventContext, type ServiceTarget } from '../events.ts';
import { assertPartnerApproved } from '../signups/approval-gate.ts';
import type { ApiKeyMode, ApiKeyRow, ApiKeyScope } from './api-keys.tables.ts';
import { isUuid } from '../../shared/ids.ts';

/** Used when API_KEY_SECRET is unset outside production (the config refuses that in production). */
const DEVELOPMENT_SECRET = 'steller-development-api-key-secret-not-for-production';

export function apiKeySecret(config: { API_KEY_SECRET?: string | undefined }): string {
  return config.API_KEY_SECRET ?? DEVELOPMENT_SECRET;
}

export function hashApiKey(secret: string, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

const KEY_FORMAT = /^sk_(live|test)_[A-Za-z0-9_-]{32}$/;
/** What is kept readable to tell keys apart in lists: `sk_live_` plus four characters. */
const VISIBLE_LENGTH = 12;

export interface ApiKeyInfo {
  id: string;
  accountId: string;
  mode: ApiKeyMode;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** Addresses or CIDR blocks the key works from; null: anywhere. */
  ipAllowlist: string[] | null;
  /** `owner` (full access) or the role of the partner user the key belongs to. */
  scope: ApiKeyScope;
  /** The partner user the key belongs to; null for owner keys. */
  userId: string | null;
}

/** A newly made key: `key` is the only time the secret is available. */
export interface IssuedApiKey extends ApiKeyInfo {
  key: string;
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    accountId: row.account_id,
    mode: row.mode,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    ipAllowlist: row.ip_allowlist,
    scope: row.scope,
    userId: row.partner_user_id,
  };
}

/** Checks and normalises an allowlist: IPv4/IPv6 addresses or CIDR blocks, at most 50. */
export function parseIpAllowlist(entries: readonly string[] | null | undefined): string[] | null {
  if (entries === null || entries === undefined || entries.length === 0) return null;
  if (entries.length > 50) throw new DomainError('invalid_ip_allowlist', 'an allowlist has at most 50 entries');
  return entries.map((entry) => {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const version = isIP(address);
    const bits = prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix);
    if (
      version === 0 ||
      extra !== undefined ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > (version === 4 ? 32 : 128) ||
      (prefix !== undefined && !/^\d+$/.test(prefix))
    ) {
      throw new DomainError('invalid_ip_allowlist', `not an IP address or CIDR block: ${entry}`, { entry });
    }
    return `${address}/${bits}`;
  });
}

function allows(allowlist: readonly string[], address: string | undefined): boolean {
  if (!address) return false;
  // IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d.
  const client = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const version = isIP(client);
  if (version === 0) return false;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [network = '', bits = '0'] = entry.split('/');
    list.addSubnet(network, Number(bits), isIP(network) === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(client, version === 4 ? 'ipv4' : 'ipv6');
}

/** Inserts a key without rights checks or audit (callers do both); without `user` it is an owner key. */
export async function insertKey(
  trx: Kysely<DB>,
  secret: string,
  key: {
    accountId: string;
    mode: ApiKeyMode;
    createdBy: string | null;
    ipAllowlist: string[] | null;
    user?: { id: string; scope: Exclude<ApiKeyScope, 'owner'> } | null;
  },
): Promise<IssuedApiKey> {
  const { accountId, mode, createdBy, ipAllowlist, user } = key;
  // 24 random bytes = 32 base64url characters: guessing is out of reach, so a fast hash is enough.
  const plain = `sk_${mode}_${randomBytes(24).toString('base64url')}`;
  const row = await trx
    .insertInto('api_keys')
    .values({
      account_id: accountId,
      mode,
      prefix: plain.slice(0, VISIBLE_LENGTH),
      key_hash: hashApiKey(secret, plain),
      created_by: createdBy,
      ip_allowlist: ipAllowlist,
      scope: user?.scope ?? 'owner',
      partner_user_id: user?.id ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...toInfo(row), key: plain };
}

/** The sandbox account of a partner (made on first use): role partner, same currency, its own wallet. */
export async function ensureSandboxAccount(trx: Kysely<DB>, partner: Account): Promise<Account> {
  // Serialises two first test keys of one partner, so it gets one sandbox.
  await trx.selectFrom('accounts').select('id').where('id', '=', partner.id).forUpdate().execute();
  const link = await trx.selectFrom('api_sandbox_accounts').select('sandbox_account_id').where('partner_id', '=', partner.id).executeTakeFirst();
  if (link) return getAccount(trx, link.sandbox_account_id);
  const sandbox = await insertAccount(trx, platformActor(), {
    role: 'partner',
    name: `${partner.name.slice(0, 180)} (sandbox)`,
    currency: partner.currency,
  });
  await trx.insertInto('api_sandbox_accounts').values({ partner_id: partner.id, sandbox_account_id: sandbox.id }).execute();
  return sandbox;
}

export async function findSandboxAccountId(db: Kysely<DB>, partnerId: string): Promise<string | null> {
  const link = await db.selectFrom('api_sandbox_accounts').select('sandbox_account_id').where('partner_id', '=', partnerId).executeTakeFirst();
  return link?.sandbox_account_id ?? null;
}

/**
 * Issues a key (admins and the platform only). Partners get `live` or `test` keys; a `test` key
 * acts on the partner's sandbox account. Admin accounts get `live` keys for the admin endpoints.
 */
export async function issueApiKey(
  target: ServiceTarget,
  secret: string,
  actor: Actor,
  input: { accountId: string; mode: ApiKeyMode; ipAllowlist?: readonly string[] | null },
): Promise<IssuedApiKey> {
  const ipAllowlist = parseIpAllowlist(input.ipAllowlist);
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const account = await getAccount(trx, input.accountId);
    if (account.role !== 'partner' && account.role !== 'admin') {
      throw new DomainError('api_key_not_allowed', `a ${account.role} account cannot have API keys`, { accountId: account.id });
    }
    if (account.role === 'admin' && input.mode === 'test') throw new DomainError('api_key_not_allowed', 'admin keys are live keys');
    if (await isSandboxAccount(trx, account.id)) throw new DomainError('api_key_not_allowed', 'issue test keys on the partner, not its sandbox');
    // A self-signed-up partner goes live only after approval (docs/signup.md).
    if (account.role === 'partner' && input.mode === 'live') await assertPartnerApproved(trx, account.id);
    const target = input.mode === 'test' ? await ensureSandboxAccount(trx, account) : account;
    const issued = await insertKey(trx, secret, { accountId: target.id, mode: input.mode, createdBy: actor.accountId, ipAllowlist });
    await writeAudit(trx, {
      actor,
      action: 'api_key.created',
      subject: { type: 'api_key', id: issued.id },
      after: { accountId: issued.accountId, mode: issued.mode, prefix: issued.prefix, ipAllowlist },
    });
    if (events && account.role === 'partner') await recordFirstLiveKey(events, trx, issued, 'admin');
    return issued;
  });
}

/**
 * In the transaction that issued `issued`: when it is the partner's first live key ever, records
 * `partner.live_access_granted` (the partner is emailed). Later live keys (rotation, users' keys,
 * a key after a revocation) are not news.
 */
export async function recordFirstLiveKey(events: EventContext, trx: Kysely<DB>, issued: IssuedApiKey, issuedBy: 'partner' | 'admin'): Promise<void> {
  if (issued.mode !== 'live') return;
  const { count } = await trx
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('account_id', '=', issued.accountId)
    .where('mode', '=', 'live')
    .executeTakeFirstOrThrow();
  if (Number(count) !== 1) return;
  await events.events.record(trx, { type: 'partner.live_access_granted', accountId: issued.accountId, keyPrefix: issued.prefix, issuedBy });
}

/** A partner's sandbox account (what `sk_test_` keys act as): its wallet holds test money. */
export async function isSandboxAccount(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', accountId).executeTakeFirst();
  return row !== undefined;
}

/** Who is calling: the key, the account it acts as, and the partner that owns it (itself unless sandbox). */
export interface ApiPrincipal {
  keyId: string;
  /** The account whose wallet, orders and webhooks the key reaches (the sandbox account for test keys). */
  accountId: string;
  /** The real partner (or admin) behind the key. */
  ownerId: string;
  role: 'partner' | 'admin';
  mode: ApiKeyMode;
  /** What the key may do: `owner` (admin keys and partner owner keys) or a partner user's role. */
  scope: ApiKeyScope;
  /** The partner user the key belongs to; null for owner keys. */
  userId: string | null;
}

/** What authentication reads about a key: the key row's checks and the accounts it acts for. */
export interface KeyForAuth {
  id: string;
  mode: ApiKeyMode;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  ip_allowlist: string[] | null;
  scope: ApiKeyScope;
  partner_user_id: string | null;
  account_id: string;
  role: Account['role'];
  status: Account['status'];
  owner_id: string | null;
  owner_status: Account['status'] | null;
}

/** The key with this hash and its accounts, or undefined (one round trip). */
export async function findKeyForAuth(db: Kysely<DB>, keyHash: string): Promise<KeyForAuth | undefined> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('accounts as a', 'a.id', 'k.account_id')
    .leftJoin('api_sandbox_accounts as s', 's.sandbox_account_id', 'a.id')
    .leftJoin('accounts as owner', 'owner.id', 's.partner_id')
    .select([
      'k.id',
      'k.mode',
      'k.expires_at',
      'k.revoked_at',
      'k.last_used_at',
      'k.ip_allowlist',
      'k.scope',
      'k.partner_user_id',
      'a.id as account_id',
      'a.role',
      'a.status',
    ])
    .select(['owner.id as owner_id', 'owner.status as owner_status'])
    .where('k.key_hash', '=', keyHash)
    .executeTakeFirst();
}

/**
 * Where authentication finds a key's row: the database each time, or a cache of recent lookups
 * (`createApiKeyCache`) that is never behind a committed revocation or rotation.
 */
export interface KeyLookup {
  find(keyHash: string): Promise<KeyForAuth | undefined>;
  /** Records that the key's last use was written, so the next minute's requests skip the write. */
  used(keyHash: string, at: Date): void;
}

const INVALID_KEY = 'The API key is not valid (unknown, revoked or expired)';

/**
 * Checks a presented key; refuses unknown, revoked and expired keys, callers outside the key's IP
 * allowlist, and paused accounts. Expiry, the allowlist and the account states are checked on every
 * request, also when the row comes from a cache.
 */
export async function authenticateApiKey(
  db: Kysely<DB>,
  secret: string,
  key: string,
  request: { now?: Date; clientAddress?: string | undefined; lookup?: KeyLookup } = {},
): Promise<ApiPrincipal> {
  const now = request.now ?? new Date();
  if (!KEY_FORMAT.test(key)) throw new DomainError('unauthorized', INVALID_KEY);
  const keyHash = hashApiKey(secret, key);
  const row = request.lookup ? await request.lookup.find(keyHash) : await findKeyForAuth(db, keyHash);
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) {
    throw new DomainError('unauthorized', INVALID_KEY);
  }
  if (row.role !== 'partner' && row.role !== 'admin') throw new DomainError('unauthorized', INVALID_KEY);
  if (row.ip_allowlist !== null && !allows(row.ip_allowlist, request.clientAddress)) {
    throw new DomainError('ip_not_allowed', 'this API key cannot be used from this address', { address: request.clientAddress ?? null });
  }
  if (row.status === 'paused' || row.owner_status === 'paused') {
    throw new DomainError('account_paused', 'this account is paused', { accountId: row.owner_id ?? row.account_id });
  }
  // At most one write a minute per key: last-used is for people, not an access log.
  if (row.last_used_at === null || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    request.lookup?.used(keyHash, now);
  }
  return {
    keyId: row.id,
    accountId: row.account_id,
    ownerId: row.owner_id ?? row.account_id,
    role: row.role,
    mode: row.mode,
    scope: row.scope,
    userId: row.partner_user_id,
  };
}

/**
 * The partner replaces the key it calls with: a new key of the same mode now, the old one keeps
 * working for `graceSeconds`. A key already rotated cannot be rotated again (rotate the new one).
 */
export async function rotateApiKey(
  db: Kysely<DB>,
  secret: string,
  principal: ApiPrincipal,
  graceSeconds: number,
  options: { now?: Date; channel?: Extract<Channel, 'api' | 'web'> } = {},
): Promise<IssuedApiKey> {
  const now = options.now ?? new Date();
  // The new key keeps the old key's mode, account, IP allowlist, scope and user.
  return withTransaction(db, async (trx) => {
    const old = await trx.selectFrom('api_keys').selectAll().where('id', '=', principal.keyId).forUpdate().executeTakeFirstOrThrow();
    if (old.replaced_by !== null || old.revoked_at !== null) {
      throw new DomainError('api_key_already_rotated', 'this key was already rotated; rotate with the new key', { keyId: old.id });
    }
    if (old.mode === 'live' && principal.role === 'partner') await assertPartnerApproved(trx, principal.ownerId);
    const user = old.partner_user_id === null || old.scope === 'owner' ? null : { id: old.partner_user_id, scope: old.scope };
    const issued = await insertKey(trx, secret, {
      accountId: old.account_id,
      mode: old.mode,
      createdBy: principal.ownerId,
      ipAllowlist: old.ip_allowlist,
      user,
    });
    const graceEnd = new Date(now.getTime() + graceSeconds * 1000);
    const expiresAt = old.expires_at !== null && old.expires_at < graceEnd ? old.expires_at : graceEnd;
    await trx.updateTable('api_keys').set({ expires_at: expiresAt, replaced_by: issued.id }).where('id', '=', old.id).execute();
    await writeAudit(trx, {
      actor: { accountId: principal.accountId, channel: options.channel ?? 'api' },
      action: 'api_key.rotated',
      subject: { type: 'api_key', id: old.id },
      after: { replacedBy: issued.id, expiresAt },
    });
    return issued;
  });
}

/** Admin revocation: the key stops working at once. */
export async function revokeApiKey(db: Kysely<DB>, actor: Actor, keyId: string): Promise<ApiKeyInfo> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const existing = await findKeyRow(trx, keyId);
    if (existing.revoked_at !== null) return toInfo(existing);
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date(), revoked_by: actor.accountId })
      .where('id', '=', keyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'api_key.revoked',
      subject: { type: 'api_key', id: keyId },
      before: { revokedAt: null },
      after: { revokedAt: row.revoked_at },
    });
    return toInfo(row);
  });
}

/**
 * The partner revokes one of its own keys (`POST /v1/keys/{id}/revoke`, the web's API keys page): a
 * key of the account the calling key acts on and, for a partner user, one of that user's keys (what
 * `listOwnApiKeys` shows). It stops working at once (the key cache is never behind it); audited.
 * Revoking twice changes nothing; any other key is not found.
 */
export async function revokeOwnApiKey(
  db: Kysely<DB>,
  principal: ApiPrincipal,
  keyId: string,
  options: { channel?: Extract<Channel, 'api' | 'web'> } = {},
): Promise<ApiKeyInfo> {
  return withTransaction(db, async (trx) => {
    const existing = isUuid(keyId)
      ? await trx
          .selectFrom('api_keys')
          .selectAll()
          .where('id', '=', keyId)
          .where('account_id', '=', principal.accountId)
          .$if(principal.userId !== null, (query) => query.where('partner_user_id', '=', principal.userId))
          .forUpdate()
          .executeTakeFirst()
      : undefined;
    if (!existing) throw new DomainError('api_key_not_found', `no API key ${keyId}`, { keyId });
    if (existing.revoked_at !== null) return toInfo(existing);
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date(), revoked_by: principal.ownerId })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor: { accountId: principal.ownerId, channel: options.channel ?? 'api' },
      action: 'api_key.revoked',
      subject: { type: 'api_key', id: existing.id },
      before: { revokedAt: null },
      after: { revokedAt: row.revoked_at, byKeyId: principal.keyId || null, userId: principal.userId },
    });
    return toInfo(row);
  });
}

async function findKeyRow(db: Kysely<DB>, keyId: string): Promise<ApiKeyRow> {
  const row = isUuid(keyId) ? await db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('api_key_not_found', `no API key ${keyId}`, { keyId });
  return row;
}

/** The keys of an account and of its sandbox (admins). */
export async function listApiKeys(db: Kysely<DB>, actor: Actor, accountId: string): Promise<ApiKeyInfo[]> {
  await requireAdmin(db, actor);
  const account = await getAccount(db, accountId);
  const sandboxId = await findSandboxAccountId(db, account.id);
  return keysOf(db, sandboxId ? [account.id, sandboxId] : [account.id]);
}

/**
 * The keys of the account a key acts on (a partner sees its live keys with a live key, its test
 * keys with a test key); a partner user's key sees only that user's keys.
 */
export async function listOwnApiKeys(db: Kysely<DB>, principal: ApiPrincipal): Promise<ApiKeyInfo[]> {
  if (principal.userId === null) return keysOf(db, [principal.accountId]);
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('account_id', '=', principal.accountId)
    .where('partner_user_id', '=', principal.userId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toInfo);
}

async function keysOf(db: Kysely<DB>, accountIds: string[]): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('account_id', 'in', accountIds).orderBy('created_at', 'desc').execute();
  return rows.map(toInfo);
}
