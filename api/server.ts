// Serving the Hono app on Node, and closing it gracefully.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export async function listen(fetch: (request: Request) => Response | Promise<Response>, host: string, port: number): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => {
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}` });
    }) as Server;
    server.once('error', reject);
  });
}

/** Stops accepting connections, lets in-flight requests finish (up to `timeoutMs`), then cuts the rest. */
export async function closeServer(server: Server, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    // Keep-alive connections become idle when their last response ends; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => {
      clearInterval(sweeper);
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}
