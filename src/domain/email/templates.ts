// The emails the system sends, by template name: the data each needs (zod) and its English text.
// Plain text only (no HTML to escape). A new email is a new entry here, sent through the
// `email.send` queue (queues.ts) by whoever needs it: partner notices (src/notifications/partner-emails.ts)
// and the web's password-reset link (src/domain/web-access/password-resets.ts). Text from outside (a company name, a webhook error) goes
// through `oneLine`, so it can never add a header line or forge a paragraph.
import { z } from 'zod';

const jsonMoney = z.object({ amount: z.string().max(40), currency: z.string().length(3) }).strict();
const text = (max: number) => z.string().max(max);

/** A value from outside on one line: control characters and line breaks become spaces. */
export const oneLine = (value: string) =>
  // eslint-disable-next-line no-control-regex
  value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
const showMoney = (value: z.infer<typeof jsonMoney>) => `${value.amount} ${value.currency}`;
const SIGNATURE = '\n\n— The Steller team';

interface Template<Data extends z.ZodType> {
  data: Data;
  render(data: z.output<Data>): { subject: string; text: string };
}
const template = <Data extends z.ZodType>(definition: Template<Data>) => definition;

export const EMAIL_TEMPLATES = {
  'signup.approved': template({
    data: z.object({ companyName: text(200) }).strict(),
    render: ({ companyName }) => ({
      subject: 'Your Steller partner account is approved',
      text:
        `Hello ${oneLine(companyName)},\n\nYour signup was approved: you can now create your live API key ` +
        '(POST /v1/keys/live with your test key) and receive real funds. Your sandbox keeps working as before.' +
        SIGNATURE,
    }),
  }),
  'signup.rejected': template({
    data: z.object({ companyName: text(200), reason: text(500).nullable() }).strict(),
    render: ({ companyName, reason }) => ({
      subject: 'Your Steller partner signup was not approved',
      text:
        `Hello ${oneLine(companyName)},\n\nWe could not approve your signup` +
        (reason ? `: ${oneLine(reason)}` : '.') +
        '\nYour API keys were revoked. Reply to this email if you think this is a mistake.' +
        SIGNATURE,
    }),
  }),
  'partner.live_access_granted': template({
    data: z.object({ companyName: text(200), keyPrefix: text(40), issuedBy: z.enum(['partner', 'admin']) }).strict(),
    render: ({ companyName, keyPrefix, issuedBy }) => ({
      subject: 'Live access to Steller is on',
      text:
        `Hello ${oneLine(companyName)},\n\nYour first live API key (${oneLine(keyPrefix)}…) was created ` +
        (issuedBy === 'partner' ? 'with one of your keys' : 'for you by our team') +
        '. Orders made with it buy real cards from your wallet. If you did not expect this, revoke the key and tell us at once.' +
        SIGNATURE,
    }),
  }),
  'partner.low_balance': template({
    data: z.object({ companyName: text(200), balance: jsonMoney, threshold: jsonMoney }).strict(),
    render: ({ companyName, balance, threshold }) => ({
      subject: `Your Steller wallet is below ${showMoney(threshold)}`,
      text:
        `Hello ${oneLine(companyName)},\n\nYour wallet balance is ${showMoney(balance)}, below the threshold of ${showMoney(threshold)} you set. ` +
        'Orders that cost more than the balance are refused with insufficient_funds: top up in time.' +
        SIGNATURE,
    }),
  }),
  'partner.webhook_failing': template({
    data: z.object({ companyName: text(200), url: text(2048), failingSince: z.iso.datetime(), lastError: text(500).nullable() }).strict(),
    render: ({ companyName, url, failingSince, lastError }) => ({
      subject: 'Your Steller webhook endpoint has been failing for an hour',
      text:
        `Hello ${oneLine(companyName)},\n\nEvery delivery to your webhook endpoint ${oneLine(url)} has failed since ${failingSince}` +
        (lastError ? ` (last error: ${oneLine(lastError)})` : '') +
        '.\nWe keep retrying each event for at least 24 hours; after that it is dead-lettered and you can redeliver it ' +
        '(POST /v1/webhook-events/{id}/redeliver). Please check your endpoint.' +
        SIGNATURE,
    }),
  }),
  'partner.inactive': template({
    data: z.object({ companyName: text(200), inactiveDays: z.number().int().positive(), lastActivityAt: z.iso.datetime().nullable() }).strict(),
    render: ({ companyName, inactiveDays, lastActivityAt }) => ({
      subject: 'We miss you at Steller',
      text:
        `Hello ${oneLine(companyName)},\n\n` +
        (lastActivityAt
          ? `We have not seen an order or an API request from you since ${lastActivityAt.slice(0, 10)}`
          : 'You have not made an order or an API request yet') +
        ` (${inactiveDays} days or more). Your sandbox and your keys are ready; reply to this email if something stands in your way.` +
        SIGNATURE,
    }),
  }),
  'partner_user.password_reset': template({
    data: z.object({ name: text(200), partnerName: text(200), link: z.url().max(2048), validMinutes: z.number().int().positive() }).strict(),
    render: ({ name, partnerName, link, validMinutes }) => ({
      subject: 'Reset your Steller password',
      text:
        `Hello ${oneLine(name)},\n\nSomeone (we hope you) asked to reset your password for ${oneLine(partnerName)} on Steller. ` +
        `Open this link within ${validMinutes} minutes to choose a new one; it works once:\n\n${oneLine(link)}\n\n` +
        'If you did not ask, ignore this email: your password stays as it is.' +
        SIGNATURE,
    }),
  }),
  'partner_user.invited': template({
    data: z.object({ name: text(200), partnerName: text(200), link: z.url().max(2048), validMinutes: z.number().int().positive() }).strict(),
    render: ({ name, partnerName, link, validMinutes }) => ({
      subject: `You are invited to ${oneLine(partnerName)} on Steller`,
      text:
        `Hello ${oneLine(name)},\n\nYou were added as a user of ${oneLine(partnerName)} on Steller. ` +
        `Open this link within ${Math.round(validMinutes / 60)} hours to choose your password; it works once:\n\n${oneLine(link)}\n\n` +
        'Then sign in with this email address.' +
        SIGNATURE,
    }),
  }),
} as const;

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;
export const EMAIL_TEMPLATE_NAMES = Object.keys(EMAIL_TEMPLATES) as [EmailTemplateName, ...EmailTemplateName[]];
export type EmailData<Name extends EmailTemplateName> = z.input<(typeof EMAIL_TEMPLATES)[Name]['data']>;
