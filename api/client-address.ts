// The client's address, decided once per request (in index.ts) and read by everything else: API key
// allowlists, the per-address rate limits and the signup record. It is the connecting peer, unless
// that peer is one of TRUST_PROXY's proxies: then X-Forwarded-For is read from the right, skipping
// trusted proxies, and the first address not trusted is the client (entries further left are
// whatever the client chose to send).
import { BlockList, isIP } from 'node:net';

/** TRUST_PROXY's entries (addresses and CIDR blocks, already validated by the config) as a BlockList. */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function isTrusted(proxies: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && proxies.check(address, version === 6 ? 'ipv6' : 'ipv4');
}

export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, proxies: BlockList): string | undefined {
  if (peer === undefined) return undefined;
  let client = normalise(peer);
  if (!isTrusted(proxies, client)) return client;
  const hops = (forwardedFor ?? '').split(',').map((hop) => normalise(hop.trim()));
  for (const hop of hops.reverse()) {
    // Not an address: nothing further left can be believed either.
    if (isIP(hop) === 0) break;
    client = hop;
    if (!isTrusted(proxies, hop)) break;
  }
  return client;
}

/** The peer address from @hono/node-server's bindings (`incoming` is the Node request). */
export function peerAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
