// The one rule other areas ask about: a partner that signed up itself gets live keys and real funds
// only once an admin approved it. Partners created by an operator have no signup row: approved.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';

export async function assertPartnerApproved(db: Kysely<DB>, accountId: string): Promise<void> {
  const signup = await db.selectFrom('partner_signups').select('status').where('account_id', '=', accountId).executeTakeFirst();
  if (signup && signup.status !== 'approved') {
    throw new DomainError('partner_not_approved', `this partner's signup is ${signup.status}: live keys and real funds need an admin's approval`, {
      accountId,
      signupStatus: signup.status,
    });
  }
}
