// The page shell and small pieces every page uses. Pages are Hono `html` templates: every value is
// escaped unless wrapped in `raw`, so hostile names and references render as text.
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatMoney, type Money } from '#src/shared/money.ts';
import type { WebIdentity } from '#src/domain/web-access/sessions.ts';
import type { WebEnv } from './env.ts';

/** Rendered markup; a plain string is text (escaped where it is interpolated). */
/**
 * htmx without eval or inline scripts (our CSP allows neither), and refusals (4xx, 5xx) swapped in
 * like answers, so a refused action shows its message where the result would have been.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '...', swap: true },
  ],
});

export type Html = HtmlEscapedString | Promise<HtmlEscapedString> | string;

export interface NavItem {
  href: string;
  label: string;
}

const PARTNER_NAV: NavItem[] = [
  { href: '/app/partner', label: 'Overview' },
  { href: '/app/partner/catalog', label: 'Catalog' },
  { href: '/app/partner/orders', label: 'Orders' },
  { href: '/app/partner/transactions', label: 'Transactions' },
  { href: '/app/partner/keys', label: 'API keys' },
  { href: '/app/partner/webhooks', label: 'Webhooks' },
  { href: '/app/partner/logs', label: 'Request logs' },
  { href: '/app/partner/playground', label: 'Playground' },
  { href: '/app/partner/users', label: 'Users' },
  { href: '/app/partner/security', label: 'Security' },
];

const ADMIN_NAV: NavItem[] = [
  { href: '/app/admin', label: 'Overview' },
  { href: '/app/admin/topups', label: 'Top-ups' },
  { href: '/app/admin/orders', label: 'Orders' },
  { href: '/app/admin/network', label: 'Network' },
  { href: '/app/admin/partners', label: 'Partners' },
  { href: '/app/admin/signups', label: 'Signups' },
  { href: '/app/admin/pricing', label: 'Prices' },
  { href: '/app/admin/ops', label: 'Operations' },
  { href: '/app/admin/metrics', label: 'Metrics' },
  { href: '/app/admin/audit', label: 'Audit log' },
];

const AGENT_NAV: NavItem[] = [{ href: '/app/agent', label: 'Overview' }];

function navFor(identity: WebIdentity | undefined): NavItem[] {
  if (!identity) return [];
  if (identity.kind === 'partner_user') return PARTNER_NAV;
  return identity.role === 'admin' ? ADMIN_NAV : AGENT_NAV;
}

export interface PageOptions {
  title: string;
  identity: WebIdentity | undefined;
  csrfToken: string;
  /** The path of the page, to mark its navigation link as current. */
  path: string;
  body: Html;
  /** A message shown above the page (after a form). */
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}

/**
 * The whole document: our CSS and htmx (both served by us), a skip link, the navigation of the
 * signed-in person's role, and the CSRF token htmx sends as a header with every request it makes.
 */
/**
 * The pages of one area: `render(c, title, body)` answers a page in the app's shell for this
 * request, with the notice that `?notice=<key>` names in `notices` (a redirect after a form says
 * what happened that way), unless the caller passes its own.
 */
export function pageRenderer(notices: Record<string, string> = {}) {
  return (c: Context<WebEnv>, title: string, body: Html, notice?: PageOptions['notice']) => {
    const text = notices[c.req.query('notice') ?? ''];
    const shown = notice ?? (text ? { kind: 'ok' as const, text } : undefined);
    return c.html(page({ title, identity: c.var.identity, csrfToken: c.var.csrfToken, path: c.req.path, body, notice: shown }));
  };
}

export function page(options: PageOptions): Html {
  const nav = navFor(options.identity);
  const who = options.identity ? (options.identity.kind === 'partner_user' ? options.identity.email : options.identity.name) : undefined;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <title>${options.title} · Steller</title>
        <link rel="stylesheet" href="/app/assets/app.css" />
        <script src="/app/assets/htmx.min.js" defer></script>
      </head>
      <body hx-headers="${JSON.stringify({ 'x-csrf-token': options.csrfToken })}">
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/app">Steller</a>
          ${
            nav.length > 0
              ? html`<nav aria-label="Main">
                  <ul>
                    ${nav.map(
                      (item) => html`<li><a href="${item.href}" ${item.href === options.path ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
                    )}
                  </ul>
                </nav>`
              : ''
          }
          ${
            who
              ? html`<form class="signout" method="post" action="/app/logout">
                  ${csrfField(options.csrfToken)}<span class="who">${who}</span> <button type="submit">Sign out</button>
                </form>`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">
          <h1>${options.title}</h1>
          ${options.notice ? html`<p class="notice ${options.notice.kind}" role="${options.notice.kind === 'error' ? 'alert' : 'status'}">${options.notice.text}</p>` : ''}
          ${options.body}
        </main>
      </body>
    </html>`;
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;

export const showMoney = (value: Money) => formatMoney(value);

export const showTime = (date: Date | null) =>
  date === null ? '—' : html`<time datetime="${date.toISOString()}">${date.toISOString().slice(0, 16).replace('T', ' ')}</time>`;

/** A table with a caption; `rows` are already rendered cells. */
export function table(caption: Html, headings: readonly string[], rows: readonly Html[][], empty = 'Nothing yet.'): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="table-wrap">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          ${headings.map((heading) => html`<th scope="col">${heading}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (cells) =>
            html`<tr>
              ${cells.map((cell) => html`<td>${cell}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/**
 * A bar chart as inline SVG (no script): one bar per day, the values' labels in a table for screen
 * readers. `values` are in minor units; the tallest bar fills the height.
 */
export function barChart(title: string, points: readonly { label: string; value: number; text: string }[]): Html {
  const max = Math.max(1, ...points.map((point) => point.value));
  const width = 600;
  const height = 120;
  const step = width / Math.max(1, points.length);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" preserveAspectRatio="none">
      ${points.map((point, index) => {
        const barHeight = Math.round((point.value / max) * (height - 4));
        return html`<rect x="${(index * step + 1).toFixed(1)}" y="${height - barHeight}" width="${Math.max(1, step - 2).toFixed(1)}" height="${barHeight}"
          ><title>${point.label}: ${point.text}</title></rect
        >`;
      })}
    </svg>
    <details>
      <summary>Values</summary>
      ${table(
        title,
        ['Day', 'Amount'],
        points.filter((point) => point.value > 0).map((point) => [html`${point.label}`, html`${point.text}`]),
        'No spend in this period.',
      )}
    </details>
  </figure>`;
}
