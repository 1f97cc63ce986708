// Tells every admin in Telegram about a new partner signup, with a button to the pending list.
// Queued in the signup's own transaction: no signup, no alert, and no alert twice.
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import { telegramAdmins } from '../domain/accounts/language.ts';
import { notify } from './notify.ts';

export async function alertAdminsOfSignup(
  app: Pick<AppContext, 'jobs'>,
  db: Kysely<DB>,
  signup: { accountId: string; companyName: string; email: string; useCase: string },
): Promise<void> {
  const vars = { company: signup.companyName, email: signup.email, useCase: signup.useCase.slice(0, 300), accountId: signup.accountId };
  for (const admin of await telegramAdmins(db)) {
    await notify(app, admin, { text: { key: 'signup-alert', vars }, buttons: [[{ text: { key: 'signup-alert-open' }, callbackData: 'sg:list:0' }]] }, { db });
  }
}
