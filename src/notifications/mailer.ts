// Delivers rendered emails: over SMTP with nodemailer when SMTP_URL is set (docs/decisions/0011-email.md),
// otherwise into the log at warn level, whole, so no message is ever dropped without a trace.
// One SMTP connection per message (no pool): sends are rare, and nothing stays open to close.
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { RenderedEmail } from '../domain/email/email.ts';
import type { Logger } from '../logger.ts';

export interface Mailer {
  /** Resolves when the server accepted the message (or it was logged); throws otherwise, so the job is retried. */
  send(message: RenderedEmail): Promise<void>;
}

/** How long one SMTP exchange may take before the attempt fails (the job is retried later). */
const SMTP_TIMEOUT_MS = 30_000;

export function createMailer(config: Pick<Config, 'SMTP_URL' | 'EMAIL_FROM'>, logger: Logger): Mailer {
  const url = config.SMTP_URL;
  if (!url) {
    return {
      async send(message) {
        logger.warn({ email: message }, 'SMTP_URL is not set: email logged, not sent');
      },
    };
  }
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: config.EMAIL_FROM, to: message.to, subject: message.subject, text: message.text });
      logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'email sent');
    },
  };
}
