// One-time sign-in links for admins and agents (docs/web.md, Sign-in): the bot's `/web` asks for
// one; the link carries a random token whose HMAC under the server's secret is stored, so only
// this server can have issued it. It works once, for 5 minutes, and only for an active admin or
// agent; redeeming it starts a web session.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { assertActive, getAccount } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { hashWebToken, randomToken, startWebSession, type StartedSession } from './sessions.ts';

export const LOGIN_LINK_TTL_MS = 5 * 60_000;

/** The path of the sign-in page a link opens (the bot joins it to PUBLIC_URL). */
export const loginLinkPath = (token: string) => `/app/login/link?token=${encodeURIComponent(token)}`;

async function assertMayUseWeb(db: Kysely<DB>, accountId: string) {
  const account = await getAccount(db, accountId);
  assertActive(account);
  if (account.role !== 'admin' && account.role !== 'agent') throw new DomainError('forbidden', 'only admins and agents sign in to the web with a link');
  return account;
}

/**
 * A new link for the acting admin or agent, or, issued by the platform (an operator's CLI), for the
 * admin or agent `accountId` (audited); the token is returned once.
 */
export async function issueWebLoginLink(
  db: Kysely<DB>,
  secret: string,
  actor: Actor,
  options: { accountId?: string; now?: Date } = {},
): Promise<{ token: string; expiresAt: Date }> {
  const accountId = actor.accountId ?? (actor.channel === 'cli' ? options.accountId : undefined);
  if (accountId === undefined || (options.accountId !== undefined && options.accountId !== accountId)) {
    throw new DomainError('forbidden', 'a sign-in link is for your own account');
  }
  const now = options.now ?? new Date();
  return withTransaction(db, async (trx) => {
    await assertMayUseWeb(trx, accountId);
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + LOGIN_LINK_TTL_MS);
    const link = await trx
      .insertInto('web_login_links')
      .values({ token_hash: hashWebToken(secret, token), account_id: accountId, created_at: now, expires_at: expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeAudit(trx, { actor, action: 'web.login_link_issued', subject: { type: 'web_login_link', id: link.id }, after: { accountId, expiresAt } });
    return { token, expiresAt };
  });
}

/**
 * Uses a link: once (a conditional update, so two tabs cannot both sign in), before it expires,
 * for an account still allowed. Starts the session in the same transaction.
 */
export async function redeemWebLoginLink(db: Kysely<DB>, secret: string, token: string, now = new Date()): Promise<StartedSession> {
  if (token.length < 20 || token.length > 100) throw new DomainError('login_link_invalid', 'this sign-in link is not valid');
  return withTransaction(db, async (trx) => {
    const link = await trx
      .updateTable('web_login_links')
      .set({ used_at: now })
      .where('token_hash', '=', hashWebToken(secret, token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['id', 'account_id'])
      .executeTakeFirst();
    if (!link) throw new DomainError('login_link_invalid', 'this sign-in link was used, has expired or is not valid: ask the bot for a new one with /web');
    await assertMayUseWeb(trx, link.account_id);
    await writeAudit(trx, {
      actor: { accountId: link.account_id, channel: 'web' },
      action: 'web.signed_in',
      subject: { type: 'web_login_link', id: link.id },
    });
    return startWebSession(trx, secret, { accountId: link.account_id, partnerUserId: null }, now);
  });
}
