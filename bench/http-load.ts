// An HTTP load generator on its own thread: `connections` keep-alive loops, each sending the same
// request back to back until the time is up. On its own thread so that the client's work (50 fetch
// loops) does not queue on the event loop of the server it measures, as it would in one thread.
// `loadFrom(spec)` starts the thread and returns its result; the thread runs `generateLoad`.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Send `idempotency-key: <prefix>-<n>` with a new n per request (orders). */
  idempotencyPrefix?: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Ascending, in ms. */
  latencies: number[];
}

async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let sequence = 0;
  const started = performance.now();
  const until = started + spec.seconds * 1000;
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (performance.now() < until) {
        sequence += 1;
        const headers = spec.idempotencyPrefix ? { ...spec.headers, 'idempotency-key': `${spec.idempotencyPrefix}-${sequence}` } : spec.headers;
        const at = performance.now();
        const response = await fetch(spec.url, { method: spec.method ?? 'GET', headers, ...(spec.body ? { body: spec.body } : {}) });
        await response.arrayBuffer();
        latencies.push(performance.now() - at);
        if (!response.ok) errors += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: (performance.now() - started) / 1000, latencies };
}

export function loadFrom(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: spec });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => code === 0 || reject(new Error(`load thread exited with ${code}`)));
  });
}

if (!isMainThread) parentPort?.postMessage(await generateLoad(workerData as LoadSpec));
