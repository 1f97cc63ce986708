// Partner users' web passwords (docs/web.md, Sign-in): argon2id through @node-rs/argon2 (its
// defaults: 19 MiB, 2 passes, the OWASP minimum), set or reset by an admin (audited; every session
// of the user ends), checked at sign-in with the same work whether or not the email exists. An
// optional TOTP (RFC 6238, otpauth) is a second factor; its secret is encrypted at rest with the
// card keyring, bound to the user; each code is accepted once (the last accepted time step is kept).
import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { decryptCardValue, encryptCardValue, type CardKeyring } from '../orders/card-crypto.ts';
import { endPartnerUserSessions, startWebSession, type StartedSession } from './sessions.ts';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

export function assertPasswordAcceptable(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new DomainError('password_too_weak', `a password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
}

/** An admin sets (or resets) a partner user's password. Audited without the password; the user's sessions end. */
export async function setPartnerUserPassword(db: Kysely<DB>, actor: Actor, partnerId: string, userId: string, password: string): Promise<void> {
  assertPasswordAcceptable(password);
  const passwordHash = await hash(password);
  await withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const user = isUuid(userId)
      ? await trx
          .selectFrom('partner_users')
          .select(['id', 'removed_at', 'password_hash'])
          .where('id', '=', userId)
          .where('account_id', '=', partnerId)
          .forUpdate()
          .executeTakeFirst()
      : undefined;
    if (!user) throw new DomainError('partner_user_not_found', `no user ${userId}`, { userId });
    if (user.removed_at !== null) throw new DomainError('partner_user_removed', 'this user was removed', { userId });
    const now = new Date();
    await trx.updateTable('partner_users').set({ password_hash: passwordHash, password_set_at: now }).where('id', '=', user.id).execute();
    await endPartnerUserSessions(trx, user.id);
    await writeAudit(trx, {
      actor,
      action: 'partner_user.password_set',
      subject: { type: 'partner_user', id: user.id },
      before: { hadPassword: user.password_hash !== null },
      after: { passwordSetAt: now },
    });
  });
}

/** Verified against when no user matches, so an unknown email costs the same time as a known one. */
let decoyHash: Promise<string> | undefined;

const INVALID = 'the email or password is not right';

/**
 * The partner user with this email and password (any partner; a current user of an active partner),
 * or `invalid_credentials`. With TOTP set up, the code must match too (`totp_invalid`).
 */
export async function checkPartnerUserPassword(
  db: Kysely<DB>,
  keyring: CardKeyring,
  input: { email: string; password: string; totpCode?: string | undefined },
): Promise<{ partnerId: string; userId: string }> {
  const email = input.email.trim().toLowerCase();
  const candidates = await db
    .selectFrom('partner_users as u')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .select(['u.id', 'u.account_id', 'u.password_hash', 'u.totp_secret', 'u.totp_key_id', 'a.status'])
    .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email))
    .where('u.removed_at', 'is', null)
    .where('u.password_hash', 'is not', null)
    .orderBy('u.created_at')
    .limit(5)
    .execute();
  if (candidates.length === 0) {
    decoyHash ??= hash('decoy password, never matches');
    await verify(await decoyHash, input.password);
    throw new DomainError('invalid_credentials', INVALID);
  }
  for (const user of candidates) {
    if (!(await verify(user.password_hash as string, input.password))) continue;
    if (user.status === 'paused') throw new DomainError('account_paused', 'this partner is paused', { accountId: user.account_id });
    if (user.totp_secret !== null && user.totp_key_id !== null) {
      const secret = decryptCardValue(keyring, user.totp_key_id, user.totp_secret, `totp:${user.id}`);
      const step = input.totpCode ? totpStep(secret, input.totpCode) : null;
      if (step === null || !(await acceptTotpStep(db, user.id, step))) throw new DomainError('totp_invalid', 'the one-time code is missing or not right');
    }
    return { partnerId: user.account_id, userId: user.id };
  }
  throw new DomainError('invalid_credentials', INVALID);
}

const TOTP_PERIOD_SECONDS = 30;
const totpFor = (secret: string) =>
  new TOTP({ issuer: 'Steller', secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS });

/**
 * The time step (30-second periods since the epoch) a 6-digit code is valid for, now or one period
 * either side (for clocks that drift); null when it matches none.
 */
function totpStep(secret: string, code: string, timestamp = Date.now()): number | null {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(secret).validate({ token, window: 1, timestamp });
  return delta === null ? null : Math.floor(timestamp / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/**
 * Records `step` as the user's last accepted one if it is later than the last (a conditional update:
 * of two sign-ins with the same code at once, the second waits for the first's row lock, then finds
 * the step taken). False: this code (or a later one) was already used, so it is refused.
 */
async function acceptTotpStep(db: Kysely<DB>, userId: string, step: number): Promise<boolean> {
  const accepted = await db
    .updateTable('partner_users')
    .set({ totp_last_step: BigInt(step) })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', BigInt(step))]))
    .returning('id')
    .executeTakeFirst();
  return accepted !== undefined;
}

/** A new TOTP secret (base32) and its otpauth:// URI for an authenticator app; nothing is stored yet. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  const totp = totpFor(secret);
  totp.label = label;
  return { secret, uri: totp.toString() };
}

/**
 * A signed-in user turns TOTP on: the code proves their app holds the secret. Audited (never the
 * secret). Turning it on again replaces the secret.
 */
export async function enableTotp(db: Kysely<DB>, keyring: CardKeyring, actor: Actor, userId: string, secret: string, code: string): Promise<void> {
  const step = totpStep(secret, code);
  if (step === null) throw new DomainError('totp_invalid', 'the one-time code does not match this secret');
  const stored = encryptCardValue(keyring, secret, `totp:${userId}`);
  await withTransaction(db, async (trx) => {
    // The code that turned it on counts as used: it cannot also sign in.
    await trx
      .updateTable('partner_users')
      .set({ totp_secret: stored, totp_key_id: keyring.currentKeyId, totp_last_step: BigInt(step) })
      .where('id', '=', userId)
      .execute();
    await writeAudit(trx, { actor, action: 'partner_user.totp_enabled', subject: { type: 'partner_user', id: userId }, after: { totp: true } });
  });
}

/** Checks the password (and TOTP) and starts a session; the sign-in is audited. */
export async function signInPartnerUser(
  db: Kysely<DB>,
  keyring: CardKeyring,
  secret: string,
  input: { email: string; password: string; totpCode?: string | undefined },
): Promise<StartedSession> {
  const user = await checkPartnerUserPassword(db, keyring, input);
  return withTransaction(db, async (trx) => {
    await writeAudit(trx, {
      actor: { accountId: user.partnerId, channel: 'web' },
      action: 'web.signed_in',
      subject: { type: 'partner_user', id: user.userId },
    });
    return startWebSession(trx, secret, { accountId: user.partnerId, partnerUserId: user.userId });
  });
}
