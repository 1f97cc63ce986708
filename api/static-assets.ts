// Files the browser loads from us, never from a CDN (a machine offline still renders /docs and /app):
// the API reference's renderer and htmx from node_modules, our own CSS. Each is read once, then
// answered from memory with an ETag, so a repeat visit costs a 304.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';
import { PROJECT_ROOT } from '#src/config.ts';

export interface StaticAsset {
  /** A path from the project root (node_modules/… or api/web/assets/…). */
  file: string;
  contentType: string;
}

export const ASSETS = {
  scalar: { file: 'node_modules/@scalar/api-reference/dist/browser/standalone.js', contentType: 'text/javascript; charset=utf-8' },
  htmx: { file: 'node_modules/htmx.org/dist/htmx.min.js', contentType: 'text/javascript; charset=utf-8' },
  css: { file: 'api/web/assets/app.css', contentType: 'text/css; charset=utf-8' },
} as const satisfies Record<string, StaticAsset>;

interface Loaded {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** A handler answering one asset; the file is read at the first request and kept. */
export function serveAsset(asset: StaticAsset) {
  let loaded: Promise<Loaded> | undefined;
  const load = async (): Promise<Loaded> => {
    const body = new Uint8Array(await readFile(path.join(PROJECT_ROOT, asset.file)));
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  };
  return async (c: Context) => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    const { body, etag } = await loaded;
    // Revalidated on every use (no-cache), so a deploy is seen at once; unchanged files cost a 304.
    const headers = { etag, 'cache-control': 'public, no-cache', 'x-content-type-options': 'nosniff' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'content-type': asset.contentType });
  };
}
