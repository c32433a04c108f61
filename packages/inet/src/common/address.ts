/**
 * IP address inputs and the small conversions the family needs: picking the AF_* number of an
 * address, building address objects from `[host, port]`, and moving IPv4 addresses in and out of
 * the v4-mapped IPv6 form a dual-stack socket speaks.
 */
import {
  C,
  ifNameToIndex,
  invalidArgument,
  isIPv4,
  isIPv6,
  type Inet4Address,
  type Inet6Address,
  type Inet6AddressInit,
  type SocketAddress,
} from '@rxsock/core';

/** An IPv4 or IPv6 socket address as rxsock returns it. */
export type InetAddress = Inet4Address | Inet6Address;

/**
 * An IP endpoint as the inet functions accept it: an address object, `{ host, port }` with a
 * numeric host (the family is read from the text), or a `[host, port]` tuple. An IPv6 host may
 * carry a zone, numeric or by interface name (`'fe80::1%2'`, `'ff02::1%lo'`).
 */
export type InetAddressInput =
  | Inet4Address
  | Inet6AddressInit
  | { host: string; port: number }
  | readonly [host: string, port: number];

/** The IP families by name, as the options of this package spell them. */
export type IpFamilyName = 'inet' | 'inet6';

/** The AF_* number of an IP family name. */
export function afOf(family: IpFamilyName): number {
  return family === 'inet' ? C.AF_INET : C.AF_INET6;
}

/** The family name of an AF_* number, for the IP families. */
export function familyName(af: number): IpFamilyName {
  if (af === C.AF_INET) return 'inet';
  if (af === C.AF_INET6) return 'inet6';
  throw invalidArgument(`not an IP address family: ${af}`);
}

/** The AF_* number of an address object. */
export function addressAf(address: SocketAddress): number {
  switch (address.family) {
    case 'inet':
      return C.AF_INET;
    case 'inet6':
      return C.AF_INET6;
    case 'unix':
      return C.AF_UNIX;
    default:
      return typeof address.family === 'number' ? address.family : C.AF_UNSPEC;
  }
}

/** Splits `'fe80::1%eth0'` into the host and the scope id (0 without a zone). */
function splitZone(host: string): [string, number] {
  const i = host.indexOf('%');
  if (i < 0) return [host, 0];
  const zone = host.slice(i + 1);
  // Interface names are resolved here so that callers may write zones the way ping(8) does.
  return [host.slice(0, i), /^\d+$/.test(zone) ? Number(zone) : ifNameToIndex(zone)];
}

/**
 * Builds an address object from a numeric host and a port. Names are refused: resolving them
 * is asynchronous (`getaddrinfo`), which these synchronous paths must not hide.
 */
export function inetAddress(host: string, port: number, scopeId?: number): InetAddress {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidArgument(`port out of range: ${port}`);
  if (isIPv4(host)) return { family: 'inet', host, port };
  const [h, zone] = splitZone(host);
  if (isIPv6(h)) return { family: 'inet6', host: h, port, flowInfo: 0, scopeId: scopeId ?? zone };
  throw invalidArgument(`'${host}' is not a numeric IP address; resolve names with connect() or getaddrinfo()`);
}

/** Normalises an {@link InetAddressInput} to an address object. */
export function toInetAddress(input: InetAddressInput): InetAddress {
  if (Array.isArray(input)) {
    const [host, port] = input as readonly [string, number];
    return inetAddress(host, port);
  }
  const a = input as { family?: string; host: string; port: number; flowInfo?: number; scopeId?: number };
  if (a.family === 'inet6') {
    const [h, zone] = splitZone(a.host);
    return { family: 'inet6', host: h, port: a.port, flowInfo: a.flowInfo ?? 0, scopeId: a.scopeId ?? zone };
  }
  if (a.family === 'inet') return { family: 'inet', host: a.host, port: a.port };
  return inetAddress(a.host, a.port);
}

const MAPPED_PREFIX = '::ffff:';

/**
 * Writes an address in the family of the socket that will use it: an IPv4 destination becomes
 * `::ffff:a.b.c.d` for an IPv6 (dual-stack) socket, and a v4-mapped IPv6 one becomes plain IPv4
 * for an IPv4 socket. Anything else is returned as is and the kernel judges it.
 */
export function addressForSocket(address: InetAddress, socketAf: number): InetAddress {
  if (socketAf === C.AF_INET6 && address.family === 'inet') {
    return { family: 'inet6', host: MAPPED_PREFIX + address.host, port: address.port, flowInfo: 0, scopeId: 0 };
  }
  if (socketAf === C.AF_INET && address.family === 'inet6') {
    const v4 = unmapped(address.host);
    if (v4 !== undefined) return { family: 'inet', host: v4, port: address.port };
  }
  return address;
}

/** The IPv4 text inside a v4-mapped IPv6 address (`'::ffff:127.0.0.1'`), or undefined. */
export function unmapped(host: string): string | undefined {
  const lower = host.toLowerCase();
  if (!lower.startsWith(MAPPED_PREFIX)) return undefined;
  const rest = host.slice(MAPPED_PREFIX.length);
  return isIPv4(rest) ? rest : undefined;
}

