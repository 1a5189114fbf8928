/**
 * The client's address for per-address limits: the TCP peer, or, behind trusted reverse proxies,
 * the address the outermost of them saw (taken from `X-Forwarded-For`, counted from the right,
 * since everything left of the proxies' own entries is written by the client and can be forged).
 */
import { isIP } from 'node:net';

/**
 * Whether `X-Forwarded-For` names the client: `false` (default) uses the TCP peer; `true` means
 * one reverse proxy in front of the server; a number is how many proxies in a chain.
 */
export type TrustProxy = boolean | number;

/** Checks a {@link TrustProxy} setting; throws a clear error for a bad one. */
export function proxyHops(trustProxy: TrustProxy | undefined): number {
  if (trustProxy === undefined || trustProxy === false) return 0;
  if (trustProxy === true) return 1;
  if (!Number.isInteger(trustProxy) || trustProxy < 0 || trustProxy > 32) {
    throw new TypeError(
      `trustProxy must be true, false or the number of reverse proxies in front of the server (0–32), got ${String(trustProxy)}.`,
    );
  }
  return trustProxy;
}

/**
 * The address a request came from. With `hops` > 0 it is the entry of `X-Forwarded-For` that the
 * outermost trusted proxy appended; a request with fewer entries than proxies did not come
 * through them all, so its TCP peer is used, as it is for an entry that is not an IP address.
 *
 * @example
 * // One proxy (10.0.0.2) appended the address it saw; the first entry was sent by the client.
 * clientAddress('10.0.0.2', '198.51.100.1, 203.0.113.7', 1); // '203.0.113.7'
 */
export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  hops: number,
): string {
  const peer = remote ?? 'unknown';
  if (hops === 0 || forwardedFor === undefined) return peer;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length < hops) return peer;
  const entry = entries[entries.length - hops]!;
  return isIP(stripZone(entry)) === 0 ? peer : entry;
}

/**
 * The bucket key of an address: an IPv4 address as is (also when written IPv4-mapped,
 * `::ffff:1.2.3.4`); an IPv6 address by its /64 prefix, since one subscriber usually holds a whole
 * /64 and could otherwise take a fresh bucket per address.
 *
 * @example
 * addressKey('2001:db8:1:2:3:4:5:6'); // '2001:db8:1:2::/64'
 */
export function addressKey(address: string): string {
  const plain = stripZone(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1]!;
  if (isIP(plain) !== 6) return plain;
  const groups = expandIpv6(plain);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function stripZone(address: string): string {
  const percent = address.indexOf('%');
  return percent === -1 ? address : address.slice(0, percent);
}

/** The eight groups of a valid IPv6 address, lower case without leading zeros. */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted quad (::1.2.3.4) is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
