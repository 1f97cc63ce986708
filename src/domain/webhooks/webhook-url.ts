// Which webhook URLs our servers may call. Partner URLs are fetched from inside our network, so a
// URL must not lead there: not by an address literal in any of its IPv6 disguises (IPv4-mapped,
// -compatible, NAT64, 6to4), not by a local host name, not by a public name that resolves to an
// internal address (checked again at every delivery, on the addresses the connection will use).
// Addresses are classified with `node:net` BlockList rules, never by matching strings.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../../shared/errors.ts';

export interface WebhookUrlPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_URLS (development only): http and internal targets are allowed. */
  allowPrivate: boolean;
}

/** Resolves a host name to every address it has (the system resolver unless a test gives its own). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithSystemDns: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

// IANA special-purpose ranges that are not globally reachable, plus multicast and the reserved 240/4.
const INTERNAL_IPV4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking, often used inside networks
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

// IPv6 ranges refused outright. The ranges that embed an IPv4 address (::ffff:0:0/96, 64:ff9b::/96,
// 2002::/16) are judged by that address instead (see embeddedIpv4).
const INTERNAL_IPV6: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo among them)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const internalAddresses = new BlockList();
for (const [network, prefix] of INTERNAL_IPV4) internalAddresses.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of INTERNAL_IPV6) internalAddresses.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (after the URL parser's canonical form), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const [left, right] = [parse(head), parse(tail ?? '')];
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : undefined;
}

const ipv4Of = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/** The IPv4 address an IPv6 address stands for, when it embeds one: mapped, translated, NAT64 or 6to4. */
function embeddedIpv4(groups: number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(5) && g5 === 0xffff) return ipv4Of(g6, g7); // ::ffff:a.b.c.d
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return ipv4Of(g6, g7); // ::ffff:0:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && [g2, g3, g4, g5].every((group) => group === 0)) return ipv4Of(g6, g7); // 64:ff9b::a.b.c.d
  if (g0 === 0x2002) return ipv4Of(g1 ?? 0, g2 ?? 0); // 2002:aabb:ccdd::/48
  return undefined;
}

/** True for an address literal that is routable on the public internet; false for anything else. */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return !internalAddresses.check(address, 'ipv4');
  if (version !== 6) return false;
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined && !isPublicAddress(embedded)) return false;
  const canonical = groups.map((group) => group.toString(16)).join(':');
  return !internalAddresses.check(canonical, 'ipv6');
}

// Names that always mean this machine or a local network, whatever DNS says.
const LOCAL_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'localhost.localdomain']);
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa'];

/** A host name that points inside: a local alias, a local-only suffix, or a single label (resolved by search domains). */
export function isInternalHostName(hostname: string): boolean {
  // `localhost.` is `localhost` (a fully qualified name); more trailing dots change nothing either.
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return LOCAL_NAMES.has(name) || LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix)) || !name.includes('.');
}

const notAllowed = (why: string) => new DomainError('webhook_url_not_allowed', `the webhook URL ${why}`);

/** The port a URL connects to (its scheme's default when it names none). */
const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/**
 * Checks a webhook URL before it is stored and again before each delivery. `invalid_webhook_url`:
 * not a URL we can call (scheme, credentials, length); `webhook_url_not_allowed`: the target is
 * internal or on a port outside 443 and 1024–65535.
 */
export function assertWebhookUrlAllowed(url: string, policy: WebhookUrlPolicy): URL {
  const invalid = (why: string) => new DomainError('invalid_webhook_url', `the webhook URL ${why}`);
  if (url.length > 2000) throw invalid('has more than 2000 characters');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) throw invalid(policy.allowPrivate ? 'must use https or http' : 'must use https');
  if (parsed.username || parsed.password) throw invalid('must not carry credentials');
  const port = portOf(parsed);
  if (port !== 443 && port < 1024) throw notAllowed(`must use port 443 or a port from 1024 to 65535, not ${port}`);
  if (policy.allowPrivate) return parsed;
  // The URL parser has already turned 0x7f.1, 2130706433 and the like into dotted IPv4.
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw notAllowed(`must point to a public address, not ${host}`);
  } else if (isInternalHostName(host)) {
    throw notAllowed(`must name a public host, not ${host}`);
  }
  return parsed;
}

/**
 * The addresses a delivery may connect to: the URL's host resolved now, every answer public (one
 * internal answer refuses them all). An address literal is its own answer.
 */
export async function resolveDeliveryAddresses(url: URL, policy: WebhookUrlPolicy, resolveHost: ResolveHost): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) !== 0 ? [host] : await resolveHost(host);
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  if (policy.allowPrivate) return addresses;
  const internal = addresses.filter((address) => !isPublicAddress(address));
  if (internal.length > 0) throw notAllowed(`host ${host} resolves to ${internal.join(', ')}, which is not public`);
  return addresses;
}
