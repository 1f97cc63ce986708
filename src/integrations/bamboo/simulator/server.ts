// The simulator as its own HTTP server (`steller simulator`): Bamboo's wire protocol on a port, for
// processes that point BAMBOO_BASE_URL at it, so the real client's code path is the one that runs.
// Plain node:http (src/ stays free of the api's web framework): each request becomes a web-standard
// Request for the simulator's handler, with an optional added latency.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoute, endpointOf, type SimEndpoint } from './http.ts';
import type { BambooSimulator } from './simulator.ts';

/** Added latency per request: none, a fixed number of ms (`120`), or a uniform range (`50-250`). */
export interface Latency {
  minMs: number;
  maxMs: number;
}

/** `--latency`: `0`, `120` or `50-250` (milliseconds); undefined when it is not one of those. */
export function parseLatency(spec: string): Latency | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!match) return undefined;
  const minMs = Number(match[1]);
  const maxMs = match[2] === undefined ? minMs : Number(match[2]);
  return maxMs >= minMs ? { minMs, maxMs } : undefined;
}

/** One answered request, for a request log (`steller simulator --log-requests`): which endpoint, what status. */
export interface SimulatorRequestRecord {
  endpoint: SimEndpoint;
  status: number;
  ms: number;
}

export interface SimulatorServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startSimulatorServer(
  simulator: BambooSimulator,
  options: { host?: string; port?: number; latency?: Latency; onRequest?: (record: SimulatorRequestRecord) => void } = {},
): Promise<SimulatorServer> {
  const latency = options.latency;
  const server = createServer((incoming, outgoing) => {
    void serve(simulator, incoming, outgoing, latency, options.onRequest).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      outgoing.end(JSON.stringify({ message: 'An error has occurred.' }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4010, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  simulator: BambooSimulator,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  latency: Latency | undefined,
  onRequest: ((record: SimulatorRequestRecord) => void) | undefined,
): Promise<void> {
  const startedAt = Date.now();
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  // The caller giving up (a client timeout) aborts the request, as `fetch` would see it.
  const abort = new AbortController();
  outgoing.on('close', () => {
    if (!outgoing.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = incoming.method ?? 'GET';
  const request = new Request(`http://${incoming.headers.host ?? 'localhost'}${incoming.url ?? '/'}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    signal: abort.signal,
  });
  if (latency && latency.maxMs > 0) await new Promise((resolve) => setTimeout(resolve, latency.minMs + Math.random() * (latency.maxMs - latency.minMs)));
  const response = await simulator.handle(request);
  if (onRequest) {
    const url = new URL(request.url);
    const { version, rest } = apiRoute(url);
    onRequest({ endpoint: endpointOf(method, version, rest), status: response.status, ms: Date.now() - startedAt });
  }
  if (outgoing.destroyed) return;
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(body);
}
