// Password links by email (docs/web.md, Sign-in), when email is configured: a partner user
// asks with their email and always gets the same answer (nothing says whether the address is
// known); a current user of an active partner is emailed a link whose random token's HMAC is stored.
// The link works once (a conditional update), for 30 minutes; setting the new password ends every
// session of the user and is audited (never the password). TOTP, when on, is still asked at sign-in.
import { hash } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import type { JobQueue } from '../../shared/queue-contract.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { isUuid } from '../../shared/ids.ts';
import { enqueueEmails } from '../email/email.ts';
import { assertManagesPartnerUsers } from '../partner-users/partner-users.ts';
import { assertPasswordAcceptable } from './passwords.ts';
import { endPartnerUserSessions, hashWebToken, randomToken } from './sessions.ts';

const PASSWORD_RESET_TTL_MS = 30 * 60_000;
/** A link a manager sends a new user to choose their first password lasts longer: they may read it tomorrow. */
const PASSWORD_INVITE_TTL_MS = 24 * 3600_000;

/** The path of the page a reset link opens (joined to PUBLIC_URL by the caller). */
const passwordResetPath = (token: string) => `/app/login/reset?token=${encodeURIComponent(token)}`;

const INVALID = 'this reset link was used, has expired or is not valid: ask for a new one';

/**
 * Emails a reset link to each current user with this email (one address may serve several
 * partners), of an active partner; nothing for anyone else, and the caller answers the same either
 * way. A user who never chose a password (a signup's first user, an invitation gone stale) chooses
 * one the same way: the link proves the mailbox, as an invitation does. The email jobs are written in the transaction of the links (outbox).
 */
export async function requestPasswordReset(
  deps: { db: Kysely<DB>; jobs: JobQueue },
  secret: string,
  input: { email: string; baseUrl: string },
  now = new Date(),
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  await withTransaction(deps.db, async (trx) => {
    const users = await trx
      .selectFrom('partner_users as u')
      .innerJoin('accounts as a', 'a.id', 'u.account_id')
      .select(['u.id', 'u.name', 'u.email', 'a.name as partner_name'])
      .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email))
      .where('u.removed_at', 'is', null)
      .where('a.status', '=', 'active')
      .orderBy('u.created_at')
      .limit(5)
      .execute();
    for (const user of users) await emailPasswordLink(trx, deps.jobs, secret, { ...user, invite: false }, input.baseUrl, now);
  });
}

/** Stores a new link for the user and queues its email in the same transaction (outbox). */
async function emailPasswordLink(
  trx: Kysely<DB>,
  jobs: JobQueue,
  secret: string,
  user: { id: string; name: string; email: string; partner_name: string; invite: boolean },
  baseUrl: string,
  now: Date,
): Promise<string> {
  const token = randomToken();
  const ttl = user.invite ? PASSWORD_INVITE_TTL_MS : PASSWORD_RESET_TTL_MS;
  const link = await trx
    .insertInto('web_password_resets')
    .values({ token_hash: hashWebToken(secret, `reset:${token}`), partner_user_id: user.id, created_at: now, expires_at: new Date(now.getTime() + ttl) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const data = { name: user.name, partnerName: user.partner_name, link: `${baseUrl}${passwordResetPath(token)}`, validMinutes: ttl / 60_000 };
  await enqueueEmails(
    jobs,
    [
      user.invite
        ? { to: user.email.toLowerCase(), template: 'partner_user.invited', data }
        : { to: user.email.toLowerCase(), template: 'partner_user.password_reset', data },
    ],
    { db: trx },
  );
  return link.id;
}

/**
 * Whoever manages the partner's users (a manager on the web, an admin) emails one of them a link to
 * choose a password: their first one (an invitation, valid 24 hours) or a new one (30 minutes).
 * Audited `partner_user.password_link_sent` (never the link).
 */
export async function sendPasswordLink(
  deps: { db: Kysely<DB>; jobs: JobQueue },
  secret: string,
  actor: Actor,
  input: { partnerId: string; userId: string; baseUrl: string },
  now = new Date(),
): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    await assertManagesPartnerUsers(trx, actor, input.partnerId);
    const user = isUuid(input.userId)
      ? await trx
          .selectFrom('partner_users as u')
          .innerJoin('accounts as a', 'a.id', 'u.account_id')
          .select(['u.id', 'u.name', 'u.email', 'u.password_hash', 'u.removed_at', 'a.name as partner_name'])
          .where('u.id', '=', input.userId)
          .where('u.account_id', '=', input.partnerId)
          .executeTakeFirst()
      : undefined;
    if (!user) throw new DomainError('partner_user_not_found', `no user ${input.userId}`, { userId: input.userId });
    if (user.removed_at !== null) throw new DomainError('partner_user_removed', 'this user was removed', { userId: user.id });
    const invite = user.password_hash === null;
    const linkId = await emailPasswordLink(trx, deps.jobs, secret, { ...user, invite }, input.baseUrl, now);
    await writeAudit(trx, {
      actor,
      action: 'partner_user.password_link_sent',
      subject: { type: 'partner_user', id: user.id },
      after: { linkId, invite, byUserId: actor.partnerUserId ?? null },
    });
  });
}

/** Whether a reset link can still be used (the page asks before showing the form). */
export async function passwordResetUsable(db: Kysely<DB>, secret: string, token: string, now = new Date()): Promise<boolean> {
  if (token.length < 20 || token.length > 100) return false;
  const row = await db
    .selectFrom('web_password_resets')
    .select('id')
    .where('token_hash', '=', hashWebToken(secret, `reset:${token}`))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Sets the new password with a reset link: once (a conditional update, so two tabs cannot both use
 * it), before it expires, for a user still current. Every session of the user ends; audited as
 * `partner_user.password_reset` (never the password).
 */
export async function resetPasswordWithLink(db: Kysely<DB>, secret: string, token: string, password: string, now = new Date()): Promise<void> {
  assertPasswordAcceptable(password);
  if (token.length < 20 || token.length > 100) throw new DomainError('password_reset_invalid', INVALID);
  const passwordHash = await hash(password);
  await withTransaction(db, async (trx) => {
    const link = await trx
      .updateTable('web_password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', hashWebToken(secret, `reset:${token}`))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['id', 'partner_user_id'])
      .executeTakeFirst();
    if (!link) throw new DomainError('password_reset_invalid', INVALID);
    const user = await trx
      .selectFrom('partner_users')
      .select(['id', 'account_id', 'removed_at'])
      .where('id', '=', link.partner_user_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (user.removed_at !== null) throw new DomainError('password_reset_invalid', INVALID);
    await trx.updateTable('partner_users').set({ password_hash: passwordHash, password_set_at: now }).where('id', '=', user.id).execute();
    // Any other link of this user stops working too: the newest password wins.
    await trx.updateTable('web_password_resets').set({ used_at: now }).where('partner_user_id', '=', user.id).where('used_at', 'is', null).execute();
    await endPartnerUserSessions(trx, user.id);
    await writeAudit(trx, {
      actor: { accountId: user.account_id, channel: 'web' },
      action: 'partner_user.password_reset',
      subject: { type: 'partner_user', id: user.id },
      after: { passwordSetAt: now, resetLinkId: link.id },
    });
  });
}
