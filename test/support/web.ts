// A cookie-keeping client of the web app (/app) over `api.request`, for tests without a browser:
// it keeps cookies like a browser (per name), reads the CSRF token from the last page, and posts
// forms the way a browser does (urlencoded, with the page's Origin).
import type { Api } from '../../api/index.ts';

export function createWebClient(api: Api, origin = 'http://localhost') {
  const cookies = new Map<string, string>();
  let csrf = '';
  let lastSetCookies: string[] = [];

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await api.request(`${origin}${path}`, { ...init, headers, redirect: 'manual' });
    lastSetCookies = response.headers.getSetCookie();
    for (const line of lastSetCookies) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (!name) continue;
      const cleared = /max-age=0/i.test(line) || value.join('=') === '';
      if (cleared) cookies.delete(name.trim());
      else cookies.set(name.trim(), value.join('='));
    }
    return response;
  }

  /** A GET; remembers the page's CSRF token. */
  async function get(path: string, headers: Record<string, string> = {}): Promise<{ response: Response; text: string }> {
    const response = await request(path, { headers });
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) csrf = token;
    return { response, text };
  }

  /** A form POST with the remembered CSRF token unless `_csrf` is given (null: none at all). */
  async function post(path: string, fields: Record<string, string>, options: { csrf?: string | null; origin?: string } = {}) {
    const token = options.csrf === undefined ? csrf : options.csrf;
    const body = new URLSearchParams({ ...fields, ...(token === null ? {} : { _csrf: token }) });
    const response = await request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: options.origin ?? origin },
      body: body.toString(),
    });
    return { response, text: await response.text() };
  }

  return { get, post, cookies, setCookieHeaders: () => lastSetCookies };
}
