// A TCP proxy a test can cut and restore: a dependency (PostgreSQL, Redis) going away and coming
// back, without touching the real server other tests share.
import net from 'node:net';

export interface TcpProxy {
  /** `host:port` clients connect to. */
  readonly port: number;
  /** Drops every connection and refuses new ones (the dependency is down). */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        if (server !== next) return void client.destroy(); // accepted while being cut
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });
  const stop = async () => {
    const closing = server;
    server = undefined;
    // Stop accepting first, then drop what is open: close() waits for every connection to end.
    const closed = new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const next = new URL(url);
  next.hostname = '127.0.0.1';
  next.port = String(proxy.port);
  return next.toString();
}
