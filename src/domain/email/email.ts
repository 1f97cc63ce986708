// Sending email, as the domain sees it: a message (recipient, template, data) is a job on the
// `email.send` queue, written in the caller's transaction when it passes one (outbox: the email
// exists exactly when the change it reports committed). Rendering is `renderEmail`; delivery is the
// mailer's (src/notifications/mailer.ts). Delivery is at least once: a worker that dies after the
// SMTP server took the message sends it again.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { JobQueue } from '../../shared/queue-contract.ts';
import type { PartnerUserRole } from '../partner-users/partner-users.tables.ts';
import { emailMessageSchema, emailSendQueue, type EmailMessage } from './queues.ts';

export type { EmailMessage } from './queues.ts';
import { EMAIL_TEMPLATES } from './templates.ts';

export interface RenderedEmail {
  to: string;
  subject: string;
  text: string;
}

/** The subject and text of a message, from its template (the data is checked again). */
export function renderEmail(message: EmailMessage): RenderedEmail {
  const { to, template, data } = emailMessageSchema.parse(message);
  const definition = EMAIL_TEMPLATES[template];
  // The schema and the render function of one entry belong together; TypeScript cannot see it through the union.
  const render = definition.render as (value: unknown) => { subject: string; text: string };
  return { to, ...render(definition.data.parse(data)) };
}

/** Queues messages (each checked against its template); with `db` (a transaction) they are sent only if it commits. */
export async function enqueueEmails(jobs: JobQueue, messages: readonly EmailMessage[], options: { db?: Kysely<DB> } = {}): Promise<void> {
  if (messages.length === 0) return;
  await jobs.enqueueMany(emailSendQueue, messages, options.db ? { db: options.db } : {});
}

/**
 * Where a partner's email goes: the address it signed up with, and its current users' (only those
 * with one of `roles`, when given: finance hears of money, developers of webhooks). Lower-cased,
 * each once. Empty for a partner made by an operator without users.
 */
export async function partnerEmailAddresses(db: Kysely<DB>, partnerId: string, roles?: readonly PartnerUserRole[]): Promise<string[]> {
  const signup = await db.selectFrom('partner_signups').select('email').where('account_id', '=', partnerId).executeTakeFirst();
  const users = await db
    .selectFrom('partner_users')
    .select('email')
    .where('account_id', '=', partnerId)
    .where('removed_at', 'is', null)
    .$if(roles !== undefined, (query) => query.where('role', 'in', roles as PartnerUserRole[]))
    .orderBy('created_at')
    .execute();
  return [...new Set([signup?.email, ...users.map((user) => user.email)].filter((email): email is string => !!email).map((email) => email.toLowerCase()))];
}
