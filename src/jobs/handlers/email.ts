// The worker of `email.send` (contract in src/domain/email/queues.ts): renders the template and
// hands the message to the mailer. A refusal or an unreachable server fails the job; pg-boss retries
// it with the queue's backoff and dead-letters it to `email.send.dead` in the end.
import type { AppContext } from '../../context.ts';
import { renderEmail } from '../../domain/email/email.ts';
import { emailSendQueue } from '../../domain/email/queues.ts';
import { createMailer, type Mailer } from '../../notifications/mailer.ts';
import { bindQueue } from '../registry.ts';

/** One mailer per context (its configuration does not change while it runs). */
const mailers = new WeakMap<AppContext, Mailer>();
const mailerOf = (ctx: AppContext): Mailer => {
  let mailer = mailers.get(ctx);
  if (!mailer) mailers.set(ctx, (mailer = createMailer(ctx.config, ctx.logger)));
  return mailer;
};

export const emailSendWorker = bindQueue(emailSendQueue, async (ctx, message) => {
  const rendered = renderEmail(message);
  await mailerOf(ctx).send(rendered);
  return { template: message.template };
});
