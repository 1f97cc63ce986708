// Web sessions (docs/web.md, Sign-in): a random token in an HttpOnly cookie, its HMAC in
// `web_sessions`, and a CSRF token per session that every form carries. A session is read fresh
// on every request with its account and user, so a paused account, a removed user or a demoted
// admin loses the web at once; it ends after 8 idle hours and 7 days at most.
import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { AccountRole } from '../accounts/accounts.tables.ts';
import type { PartnerUserRole } from '../partner-users/partner-users.tables.ts';

export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** last_seen_at is written at most this often (a page view is a read, not a write). */
const TOUCH_EVERY_MS = 60_000;

/** Who a web session belongs to: a partner's user, or an admin's or agent's own account. */
export type WebIdentity =
  | { kind: 'partner_user'; sessionId: string; csrfToken: string; partnerId: string; userId: string; name: string; email: string; role: PartnerUserRole }
  | { kind: 'account'; sessionId: string; csrfToken: string; accountId: string; name: string; role: Extract<AccountRole, 'admin' | 'agent'> };

/** A random token, URL- and cookie-safe (256 bits). */
export const randomToken = () => randomBytes(32).toString('base64url');

/** What is stored for a token: its HMAC under the server's secret (API_KEY_SECRET). */
export const hashWebToken = (secret: string, token: string) => createHmac('sha256', secret).update(`web:${token}`).digest('hex');

export interface StartedSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** A new session for an account (admin, agent) or a partner's user; the token goes into the cookie. */
export async function startWebSession(
  db: Kysely<DB>,
  secret: string,
  subject: { accountId: string; partnerUserId: string | null },
  now = new Date(),
): Promise<StartedSession> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  await db
    .insertInto('web_sessions')
    .values({
      token_hash: hashWebToken(secret, token),
      csrf_token: csrfToken,
      account_id: subject.accountId,
      partner_user_id: subject.partnerUserId,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, expiresAt };
}

/**
 * The identity behind a session token, or undefined: unknown or expired session, paused account,
 * removed user, or an account that is no longer an admin or agent. Extends the idle expiry.
 */
export async function findWebSession(db: Kysely<DB>, secret: string, token: string, now = new Date()): Promise<WebIdentity | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const row = await db
    .selectFrom('web_sessions as s')
    .innerJoin('accounts as a', 'a.id', 's.account_id')
    .leftJoin('partner_users as u', 'u.id', 's.partner_user_id')
    .select(['s.id', 's.csrf_token', 's.account_id', 's.partner_user_id', 's.created_at', 's.expires_at', 's.last_seen_at'])
    .select(['a.name as account_name', 'a.role as account_role', 'a.status as account_status'])
    .select(['u.name as user_name', 'u.email as user_email', 'u.role as user_role', 'u.removed_at as user_removed_at'])
    .where('s.token_hash', '=', hashWebToken(secret, token))
    .executeTakeFirst();
  if (!row || row.expires_at <= now || row.account_status === 'paused') return undefined;
  let identity: WebIdentity;
  if (row.partner_user_id !== null) {
    if (row.user_removed_at !== null || row.user_role === null || row.account_role !== 'partner') return undefined;
    identity = {
      kind: 'partner_user',
      sessionId: row.id,
      csrfToken: row.csrf_token,
      partnerId: row.account_id,
      userId: row.partner_user_id,
      name: row.user_name ?? '',
      email: row.user_email ?? '',
      role: row.user_role,
    };
  } else {
    if (row.account_role !== 'admin' && row.account_role !== 'agent') return undefined;
    identity = { kind: 'account', sessionId: row.id, csrfToken: row.csrf_token, accountId: row.account_id, name: row.account_name, role: row.account_role };
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    const expiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, row.created_at.getTime() + SESSION_MAX_MS));
    await db.updateTable('web_sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', row.id).execute();
  }
  return identity;
}

/** Signs out: the session is gone (a copied cookie stops working too). */
export async function endWebSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id', '=', sessionId).execute();
}

/** Ends every session of a partner user (their password changed or was reset). */
export async function endPartnerUserSessions(db: Kysely<DB>, partnerUserId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('partner_user_id', '=', partnerUserId).execute();
}

/** Removes sessions, login links and password-reset links that ended (the hourly clean-up job). */
export async function deleteExpiredWebAccess(db: Kysely<DB>, now = new Date()): Promise<number> {
  const sessions = await db.deleteFrom('web_sessions').where('expires_at', '<=', now).executeTakeFirst();
  const links = await db.deleteFrom('web_login_links').where('expires_at', '<=', now).executeTakeFirst();
  const resets = await db.deleteFrom('web_password_resets').where('expires_at', '<=', now).executeTakeFirst();
  return Number(sessions.numDeletedRows + links.numDeletedRows + resets.numDeletedRows);
}
