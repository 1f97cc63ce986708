// Signing in and out (docs/web.md, Sign-in): partner users with email, password and (when set up)
// a TOTP code, rate limited per email and per address; admins and agents with the one-time link
// the bot sends on /web. Opening a link shows a button: the sign-in happens on the POST, so a
// link preview (Telegram fetches links it shows) cannot use the link up.
import { html } from 'hono/html';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { cardKeyring } from '#src/domain/orders/card-crypto.ts';
import { redeemWebLoginLink } from '#src/domain/web-access/login-links.ts';
import { PASSWORD_MAX_LENGTH, signInPartnerUser } from '#src/domain/web-access/passwords.ts';
import { endWebSession } from '#src/domain/web-access/sessions.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { csrfField, page } from './html.ts';
import { clearSessionCookie, homeOf, setSessionCookie } from './session.ts';
import { formOf } from './forms.ts';

const LOGIN_WINDOW_MS = 15 * 60_000;

const LoginForm = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  totp: z.string().trim().max(10).optional(),
});

export function signInRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  const secret = apiKeySecret(ctx.config);
  const keyring = cardKeyring(ctx.config);
  const perEmail = ctx.state.createRateLimiter({ name: 'web:login:email', points: 10, durationMs: LOGIN_WINDOW_MS });
  const perAddress = ctx.state.createRateLimiter({ name: 'web:login:address', points: 50, durationMs: LOGIN_WINDOW_MS });

  const loginPage = (c: { var: WebEnv['Variables'] }, notice?: string, email = '') =>
    page({
      title: 'Sign in',
      identity: undefined,
      csrfToken: c.var.csrfToken,
      path: '/app/login',
      notice: notice ? { kind: 'error', text: notice } : undefined,
      body: html`<form class="card narrow" method="post" action="/app/login">
          ${csrfField(c.var.csrfToken)}
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <label for="totp">One-time code <span class="hint">(only if you set up an authenticator)</span></label>
          <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="10" />
          <button type="submit">Sign in</button>
        </form>
        <p class="hint">Partners sign in with the email an admin registered. Admins and agents: send <code>/web</code> to the bot for a sign-in link.</p>`,
    });

  app.get('/login', (c) => (c.var.identity ? c.redirect(homeOf(c.var.identity), 303) : c.html(loginPage(c))));

  app.post('/login', async (c) => {
    const parsed = LoginForm.safeParse(await formOf(c));
    if (!parsed.success) return c.html(loginPage(c, 'Enter your email and password.'), 400);
    const { email, password, totp } = parsed.data;
    const address = c.var.clientAddress ?? 'unknown';
    const [byEmail, byAddress] = await Promise.all([perEmail.consume(email.toLowerCase()), perAddress.consume(address)]);
    if (!byEmail.allowed || !byAddress.allowed) {
      const seconds = Math.ceil(Math.max(byEmail.retryAfterMs, byAddress.retryAfterMs) / 1000);
      c.header('Retry-After', String(seconds));
      return c.html(loginPage(c, `Too many attempts. Try again in ${Math.ceil(seconds / 60)} minutes.`, email), 429);
    }
    try {
      const session = await signInPartnerUser(ctx.db, keyring, secret, { email, password, totpCode: totp || undefined });
      setSessionCookie(ctx, c, session);
      return c.redirect('/app/partner', 303);
    } catch (error) {
      if (isDomainError(error, 'invalid_credentials') || isDomainError(error, 'totp_invalid') || isDomainError(error, 'account_paused')) {
        return c.html(loginPage(c, error.message, email), 401);
      }
      throw error;
    }
  });

  app.get('/login/link', (c) => {
    const token = c.req.query('token') ?? '';
    return c.html(
      page({
        title: 'Sign in with your link',
        identity: undefined,
        csrfToken: c.var.csrfToken,
        path: '/app/login/link',
        body: html`<form class="card narrow" method="post" action="/app/login/link">
          ${csrfField(c.var.csrfToken)}
          <input type="hidden" name="token" value="${token}" />
          <p>This link from the bot signs you in once, within 5 minutes of asking for it.</p>
          <button type="submit">Sign in</button>
        </form>`,
      }),
    );
  });

  app.post('/login/link', async (c) => {
    const token = (await formOf(c))['token'];
    try {
      if (typeof token !== 'string') throw new DomainError('login_link_invalid', 'this sign-in link is not valid');
      setSessionCookie(ctx, c, await redeemWebLoginLink(ctx.db, secret, token));
      return c.redirect('/app', 303);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return c.html(
        page({
          title: 'Sign-in link not valid',
          identity: undefined,
          csrfToken: c.var.csrfToken,
          path: '',
          notice: { kind: 'error', text: error.message },
          body: html``,
        }),
        401,
      );
    }
  });

  app.post('/logout', async (c) => {
    if (c.var.identity) await endWebSession(ctx.db, c.var.identity.sessionId);
    clearSessionCookie(ctx, c);
    return c.redirect('/app/login', 303);
  });

  return app;
}
