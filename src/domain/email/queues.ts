// The `email.send` queue: one job per message (recipient, template name, the template's data),
// enqueued in the transaction of what it reports (outbox) or by a domain-event sink. The job system
// binds it to rendering and the mailer (src/jobs/handlers/email.ts, src/notifications/mailer.ts).
import { z } from 'zod';
import { defineQueueContract, MIN_HEARTBEAT_SECONDS } from '../../shared/queue-contract.ts';
import { EMAIL_TEMPLATE_NAMES, EMAIL_TEMPLATES } from './templates.ts';

export const emailAddress = z.email().max(254);

export const emailMessageSchema = z
  .object({ to: emailAddress, template: z.enum(EMAIL_TEMPLATE_NAMES), data: z.record(z.string(), z.unknown()) })
  .strict()
  // The data is the template's: checked when the job is written, so a bad message fails its sender, not the worker.
  .superRefine((message, issues) => {
    const parsed = EMAIL_TEMPLATES[message.template].data.safeParse(message.data);
    for (const issue of parsed.error?.issues ?? []) issues.addIssue({ code: 'custom', path: ['data', ...issue.path.map(String)], message: issue.message });
  });
export type EmailMessage = z.input<typeof emailMessageSchema>;

export const emailSendQueue = defineQueueContract({
  name: 'email.send',
  payload: emailMessageSchema,
  // An SMTP server that is down or refuses for a while: back off up to an hour, ~1 day in all, then `email.send.dead`.
  retry: { limit: 30, delaySeconds: 30, backoff: true, delayMaxSeconds: 3600 },
  expireInSeconds: 120,
  heartbeatSeconds: MIN_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 2,
  concurrency: 5,
});
