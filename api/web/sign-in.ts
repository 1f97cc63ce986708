// Signing in and out (docs/web.md, Sign-in): partner users with email, password and (when set up)
// a TOTP code, rate limited per email and per address, and a forgotten password reset by an emailed
// link when SMTP is configured; admins and agents with the one-time link the bot sends on /web. Opening a link shows a button: the sign-in happens on the POST, so a
// link preview (Telegram fetches links it shows) cannot use the link up.
import { html } from 'hono/html';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { apiKeySecret } from '#src/domain/api-keys/api-keys.ts';
import { cardKeyring } from '#src/domain/orders/card-crypto.ts';
import { redeemWebLoginLink } from '#src/domain/web-access/login-links.ts';
import { passwordResetUsable, requestPasswordReset, resetPasswordWithLink } from '#src/domain/web-access/password-resets.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, signInPartnerUser } from '#src/domain/web-access/passwords.ts';
import { endWebSession } from '#src/domain/web-access/sessions.ts';
import { DomainError, isDomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { csrfField, page } from './html.ts';
import { clearSessionCookie, homeOf, setSessionCookie } from './session.ts';
import { formOf } from './forms.ts';

const LOGIN_WINDOW_MS = 15 * 60_000;
const RESET_WINDOW_MS = 60 * 60_000;

const ForgotForm = z.object({ email: z.string().trim().min(3).max(320) });
const ResetForm = z.object({
  token: z.string().min(20).max(100),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  confirm: z.string().max(PASSWORD_MAX_LENGTH),
});

const LoginForm = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  totp: z.string().trim().max(10).optional(),
});

/** A field for a new password, with the domain's length bounds. */
const newPasswordInput = (name: string) =>
  html`<input
    id="${name}"
    name="${name}"
    type="password"
    autocomplete="new-password"
    required
    minlength="${PASSWORD_MIN_LENGTH}"
    maxlength="${PASSWORD_MAX_LENGTH}"
  />`;

export function signInRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  const secret = apiKeySecret(ctx.config);
  const keyring = cardKeyring(ctx.config);
  const perEmail = ctx.state.createRateLimiter({ name: 'web:login:email', points: 10, durationMs: LOGIN_WINDOW_MS });
  const perAddress = ctx.state.createRateLimiter({ name: 'web:login:address', points: 50, durationMs: LOGIN_WINDOW_MS });
  const resetsPerEmail = ctx.state.createRateLimiter({ name: 'web:reset:email', points: 3, durationMs: RESET_WINDOW_MS });
  const resetsPerAddress = ctx.state.createRateLimiter({ name: 'web:reset:address', points: 20, durationMs: RESET_WINDOW_MS });
  const emailConfigured = ctx.config.SMTP_URL !== undefined;
  // Links are built from our configured address, never from the request's Host (which a caller picks).
  const publicBase = (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/$/, '');

  const loginPage = (c: { var: WebEnv['Variables'] }, error?: string, email = '', done?: string) =>
    page({
      title: 'Sign in',
      identity: undefined,
      csrfToken: c.var.csrfToken,
      path: '/app/login',
      notice: error ? { kind: 'error', text: error } : done ? { kind: 'ok', text: done } : undefined,
      body: html`<form class="card narrow" method="post" action="/app/login">
          ${csrfField(c.var.csrfToken)}
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <label for="totp">One-time code <span class="hint">(only if you set up an authenticator)</span></label>
          <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="10" />
          <button type="submit">Sign in</button>
          <p><a href="/app/login/forgot">Forgot your password?</a></p>
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

  // Forgotten password: with email configured, a one-time link by email; the answer is the same
  // whether or not the address is known. Without email, an admin sets a new password.
  const SENT = 'If this email belongs to a partner user, a link to choose a new password is on its way. It works once, within 30 minutes.';
  const forgotPage = (c: { var: WebEnv['Variables'] }, notice?: { kind: 'error' | 'ok'; text: string }) =>
    page({
      title: 'Forgot your password?',
      identity: undefined,
      csrfToken: c.var.csrfToken,
      path: '/app/login/forgot',
      notice,
      body: emailConfigured
        ? html`<form class="card narrow" method="post" action="/app/login/forgot">
              ${csrfField(c.var.csrfToken)}
              <p>Enter the email you sign in with: we send you a link to choose a new password.</p>
              <label for="email">Email</label>
              <input id="email" name="email" type="email" autocomplete="username" required />
              <button type="submit">Send the link</button>
            </form>
            <p><a href="/app/login">Back to sign-in</a></p>`
        : html`<p class="card narrow">Ask an admin of Steller (or your contact there) to set a new password for you.</p>
            <p><a href="/app/login">Back to sign-in</a></p>`,
    });

  app.get('/login/forgot', (c) => c.html(forgotPage(c)));

  app.post('/login/forgot', async (c) => {
    if (!emailConfigured) return c.html(forgotPage(c), 404);
    const parsed = ForgotForm.safeParse(await formOf(c));
    if (!parsed.success) return c.html(forgotPage(c, { kind: 'error', text: 'Enter your email.' }), 400);
    const email = parsed.data.email.toLowerCase();
    const [byEmail, byAddress] = await Promise.all([resetsPerEmail.consume(email), resetsPerAddress.consume(c.var.clientAddress ?? 'unknown')]);
    if (!byEmail.allowed || !byAddress.allowed) {
      const seconds = Math.ceil(Math.max(byEmail.retryAfterMs, byAddress.retryAfterMs) / 1000);
      c.header('Retry-After', String(seconds));
      return c.html(forgotPage(c, { kind: 'error', text: `Too many requests. Try again in ${Math.ceil(seconds / 60)} minutes.` }), 429);
    }
    await requestPasswordReset(ctx, secret, { email, baseUrl: publicBase });
    return c.html(forgotPage(c, { kind: 'ok', text: SENT }));
  });

  const resetPage = (c: { var: WebEnv['Variables'] }, token: string, error?: string) =>
    page({
      title: 'Choose a new password',
      identity: undefined,
      csrfToken: c.var.csrfToken,
      path: '/app/login/reset',
      notice: error ? { kind: 'error', text: error } : undefined,
      body: html`<form class="card narrow" method="post" action="/app/login/reset">
        ${csrfField(c.var.csrfToken)}
        <input type="hidden" name="token" value="${token}" />
        <label for="password">New password <span class="hint">(${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters)</span></label>
        ${newPasswordInput('password')}
        <label for="confirm">The same again</label>
        ${newPasswordInput('confirm')}
        <button type="submit">Set the password</button>
      </form>`,
    });
  const resetRefused = (c: { var: WebEnv['Variables'] }, text: string) =>
    page({
      title: 'Reset link not valid',
      identity: undefined,
      csrfToken: c.var.csrfToken,
      path: '',
      notice: { kind: 'error', text },
      body: html`<p><a href="/app/login/forgot">Ask for a new link</a></p>`,
    });

  // Opening the link only shows the form (a mail scanner fetching it uses nothing up).
  app.get('/login/reset', async (c) => {
    const token = c.req.query('token') ?? '';
    if (!(await passwordResetUsable(ctx.db, secret, token))) {
      return c.html(resetRefused(c, 'This reset link was used, has expired or is not valid: ask for a new one.'), 401);
    }
    return c.html(resetPage(c, token));
  });

  app.post('/login/reset', async (c) => {
    const parsed = ResetForm.safeParse(await formOf(c));
    if (!parsed.success) return c.html(resetRefused(c, 'This reset link is not valid: ask for a new one.'), 400);
    const { token, password, confirm } = parsed.data;
    if (password !== confirm) return c.html(resetPage(c, token, 'The two passwords differ.'), 422);
    try {
      await resetPasswordWithLink(ctx.db, secret, token, password);
    } catch (error) {
      if (isDomainError(error, 'password_too_weak')) return c.html(resetPage(c, token, error.message), 422);
      if (isDomainError(error, 'password_reset_invalid')) return c.html(resetRefused(c, error.message), 401);
      throw error;
    }
    return c.html(loginPage(c, undefined, '', 'Your password is set: sign in with it.'));
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
