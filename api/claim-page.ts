// The one-time claim page of a shared card (src/domain/orders/sharing.ts): an agent sends its end
// customer `<PUBLIC_URL>/claim/<token>`. Not a partner endpoint (no key, not in the OpenAPI document):
// a small HTML page for a person. GET only says what the link is (a chat's link preview fetches it,
// and must not use up the one opening); the customer's "Show my card" button POSTs, and that first
// POST shows the card, once. The token is the secret: access logs record the route pattern only.
import type { Context } from 'hono';
import type { AppContext } from '#src/context.ts';
import {
  CLAIM_PATH,
  openCardClaim,
  readCardClaim,
  type CardClaimState,
  type CardFace,
  type CardVoucher,
  type ShareLanguage,
} from '#src/domain/orders/sharing.ts';
import { formatMoney } from '#src/shared/money.ts';
import type { ApiEnv } from './env.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { createRouter } from './router.ts';

/** Openings and looks per client address and minute: tokens cannot be guessed, this only caps the noise. */
const CLAIM_REQUESTS_PER_MINUTE = 30;

const TEXTS: Record<ShareLanguage, Record<string, string>> = {
  en: {
    title: 'Your gift card',
    ready: 'This card can be shown only once. When you press the button, write down or copy the code: this page cannot show it again.',
    show: 'Show my card',
    code: 'Code',
    pin: 'PIN',
    serial: 'Serial',
    expiry: 'Card expires',
    instructions: 'How to redeem',
    terms: 'Terms',
    once: 'This page will not show the card again. Keep the code somewhere safe.',
    opened: 'This card was already opened. If that was not you, contact the person who sent you the link.',
    expired: 'This link has expired. Ask the person who sent it for a new one.',
    unknown: 'This link is not valid.',
  },
  ar: {
    title: 'بطاقة الهدايا الخاصة بك',
    ready: 'يمكن عرض هذه البطاقة مرة واحدة فقط. عند الضغط على الزر، اكتب الرمز أو انسخه: لن تعرضه هذه الصفحة مرة أخرى.',
    show: 'اعرض بطاقتي',
    code: 'الرمز',
    pin: 'الرقم السري',
    serial: 'الرقم التسلسلي',
    expiry: 'تنتهي صلاحية البطاقة',
    instructions: 'طريقة الاستخدام',
    terms: 'الشروط',
    once: 'لن تعرض هذه الصفحة البطاقة مرة أخرى. احتفظ بالرمز في مكان آمن.',
    opened: 'تم فتح هذه البطاقة من قبل. إن لم تكن أنت، فتواصل مع من أرسل إليك الرابط.',
    expired: 'انتهت صلاحية هذا الرابط. اطلب رابطًا جديدًا ممن أرسله.',
    unknown: 'هذا الرابط غير صالح.',
  },
};

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

/** Text with its line breaks kept (the catalog's instructions and terms are plain text). */
const paragraph = (value: string) => `<p>${escapeHtml(value).replaceAll('\n', '<br>')}</p>`;

function page(language: ShareLanguage, body: string): string {
  const t = TEXTS[language];
  return `<!doctype html>
<html lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(t.title!)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}img{max-width:8rem}
.code{font-family:monospace;font-size:1.4rem;padding:.5rem;border:1px solid #ccc;user-select:all;word-break:break-all}button{font-size:1.1rem;padding:.6rem 1.2rem}</style>
</head>
<body>${body}</body>
</html>`;
}

function heading(face: CardFace): string {
  const logo = face.logoUrl?.startsWith('https://') ? `<img src="${escapeHtml(face.logoUrl)}" alt="">` : '';
  return `${logo}<h1>${escapeHtml(face.brand)}</h1><p><strong>${escapeHtml(formatMoney(face.face))}</strong> · ${escapeHtml(face.product)}</p>`;
}

function stateBody(state: Exclude<CardClaimState, { state: 'unknown' }>, action: string): string {
  const t = TEXTS[state.language];
  if (state.state === 'ready') {
    return `${heading(state.face)}<p>${escapeHtml(t.ready!)}</p><form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(t.show!)}</button></form>`;
  }
  return `${heading(state.face)}<p>${escapeHtml(t[state.state]!)}</p>`;
}

function cardBody(language: ShareLanguage, voucher: CardVoucher): string {
  const t = TEXTS[language];
  const parts = [heading(voucher), `<p>${escapeHtml(t.code!)}</p><div class="code">${escapeHtml(voucher.code ?? '—')}</div>`];
  if (voucher.pin) parts.push(`<p>${escapeHtml(t.pin!)}</p><div class="code">${escapeHtml(voucher.pin)}</div>`);
  if (voucher.serialNumber) parts.push(`<p>${escapeHtml(t.serial!)}: ${escapeHtml(voucher.serialNumber)}</p>`);
  if (voucher.expiresAt) parts.push(`<p>${escapeHtml(t.expiry!)}: ${voucher.expiresAt.toISOString().slice(0, 10)}</p>`);
  if (voucher.redemptionInstructions) parts.push(`<h2>${escapeHtml(t.instructions!)}</h2>${paragraph(voucher.redemptionInstructions)}`);
  if (voucher.terms) parts.push(`<h2>${escapeHtml(t.terms!)}</h2>${paragraph(voucher.terms)}`);
  parts.push(`<p><em>${escapeHtml(t.once!)}</em></p>`);
  return parts.join('\n');
}

/** Nothing of this page is cached, indexed, framed, or leaks its address to a logo's host. */
function htmlAnswer(c: Context<ApiEnv>, status: 200 | 404 | 410, html: string): Response {
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'no-referrer');
  c.header('x-robots-tag', 'noindex');
  c.header('x-content-type-options', 'nosniff');
  c.header(
    'content-security-policy',
    "default-src 'none'; img-src https:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  return c.html(html, status);
}

function answer(c: Context<ApiEnv>, state: CardClaimState, token: string): Response {
  if (state.state === 'unknown')
    return htmlAnswer(c, 404, page('en', `<p>${escapeHtml(TEXTS.en.unknown!)}</p><p dir="rtl">${escapeHtml(TEXTS.ar.unknown!)}</p>`));
  return htmlAnswer(c, state.state === 'ready' ? 200 : 410, page(state.language, stateBody(state, `${CLAIM_PATH}/${token}`)));
}

export function claimPageRoutes(ctx: Pick<AppContext, 'db' | 'config' | 'events' | 'state'>) {
  const router = createRouter();
  router.use(
    `${CLAIM_PATH}/*`,
    rateLimit({
      limiter: ctx.state.createRateLimiter({ name: 'api:claim-page', points: CLAIM_REQUESTS_PER_MINUTE, durationMs: 60_000 }),
      points: CLAIM_REQUESTS_PER_MINUTE,
      windowSeconds: 60,
    }),
  );
  router.get(`${CLAIM_PATH}/:token`, async (c) => {
    const token = c.req.param('token');
    return answer(c, await readCardClaim(ctx.db, token), token);
  });
  router.post(`${CLAIM_PATH}/:token`, async (c) => {
    const token = c.req.param('token');
    const opened = await openCardClaim(ctx, token, { clientAddress: c.var.clientAddress });
    if (opened.state !== 'shown') return answer(c, opened, token);
    return htmlAnswer(c, 200, page(opened.language, cardBody(opened.language, opened.voucher)));
  });
  return router;
}
