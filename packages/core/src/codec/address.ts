/**
 * Socket addresses as plain objects, tagged by family name, and their human-readable text.
 *
 * Plain objects rather than classes so that addresses survive structured cloning (worker
 * messages) and JSON, and compare with deep equality in tests.
 */

/** An IPv4 address and port (`struct sockaddr_in`). */
export interface Inet4Address {
  /** Discriminant. */
  family: 'inet';
  /** Dotted quad such as `'127.0.0.1'`. */
  host: string;
  /** 0..65535. */
  port: number;
}

/**
 * An IPv6 address as given to rxsock: flow info and scope id may be left out and mean 0,
 * as in Python's 2-tuple form `(host, port)`.
 */
export interface Inet6AddressInit {
  /** Discriminant. */
  family: 'inet6';
  /** IPv6 text such as `'::1'`; a numeric zone (`'fe80::1%2'`) is read as the scope id. */
  host: string;
  /** 0..65535. */
  port: number;
  /** `sin6_flowinfo` (traffic class and flow label), 0..2^32-1; 0 when left out. */
  flowInfo?: number;
  /** `sin6_scope_id`, the interface index for link-local addresses; 0 when left out. */
  scopeId?: number;
}

/** An IPv6 address and port (`struct sockaddr_in6`), as rxsock returns it: every field present. */
export interface Inet6Address extends Inet6AddressInit {
  /** `sin6_flowinfo`, read in network order as Python does. */
  flowInfo: number;
  /** `sin6_scope_id`. */
  scopeId: number;
}

/**
 * A UNIX-domain address (`struct sockaddr_un`). `path` is a filesystem path; a leading `'\0'`
 * makes it a Linux abstract name (the same convention as Python and `node:net`); `''` is an
 * unnamed socket (an unbound one, or one end of a socketpair).
 */
export interface UnixAddress {
  /** Discriminant. */
  family: 'unix';
  /** Filesystem path, `'\0'` + abstract name, or `''`. */
  path: string;
}

/**
 * An address of a family that has no registered codec: its family number and the bytes that
 * follow the family field, up to the length the kernel reported.
 */
export interface RawAddress {
  /** The platform's `AF_*` number. */
  family: number;
  /** The bytes after the family header (`sa_data` and beyond). */
  bytes: Uint8Array;
}

/**
 * The families with a codec, keyed by family name. Family packages add theirs by module
 * augmentation, so that {@link SocketAddress} includes them:
 *
 * ```ts
 * declare module '@rxsock/core' {
 *   interface SocketAddressMap { can: CanAddress }
 * }
 * ```
 */
export interface SocketAddressMap {
  /** `AF_INET`. */
  inet: Inet4Address;
  /** `AF_INET6`. */
  inet6: Inet6Address;
  /** `AF_UNIX`. */
  unix: UnixAddress;
}

/** Any socket address rxsock returns: one of the registered families, or raw bytes. */
export type SocketAddress = SocketAddressMap[keyof SocketAddressMap] | RawAddress;

/** Any socket address rxsock accepts; IPv6 flow info and scope id may be left out. */
export type SocketAddressInit = Exclude<SocketAddress, Inet6Address> | Inet6AddressInit;

/** How a registered family renders its addresses, for {@link formatAddress} and {@link addressPort}. */
interface AddressFormatter {
  format(address: never): string;
  port?(address: never): number | undefined;
}

const formatters = new Map<string, AddressFormatter>();

/**
 * @internal Called by `registerAddressCodec`, which owns the registry; kept here so that
 * formatting does not depend on the sockaddr codecs.
 */
export function setAddressFormatter(familyName: string, formatter: AddressFormatter): void {
  formatters.set(familyName, formatter);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function formatUnix(path: string): string {
  if (path === '') return '(unnamed)';
  // '@' is how ss(8), netstat and systemd print abstract names.
  return path.startsWith('\0') ? `@${path.slice(1)}` : path;
}

/**
 * Renders an address for messages and logs: `'127.0.0.1:80'`, `'[::1]:80'`, `'[fe80::1%2]:80'`
 * (numeric scope id), `'/tmp/x'`, `'@name'` for an abstract name, `'(unnamed)'`, and
 * `'<family 17: 0011...>'` for raw addresses.
 */
export function formatAddress(address: SocketAddressInit): string {
  if (typeof address.family === 'number') {
    return `<family ${address.family}: ${hex((address as RawAddress).bytes)}>`;
  }
  // Widened to string: family packages add names this module cannot list.
  const family: string = address.family;
  switch (family) {
    case 'inet': {
      const a = address as Inet4Address;
      return `${a.host}:${a.port}`;
    }
    case 'inet6': {
      const a = address as Inet6AddressInit;
      const scope = a.scopeId ? `%${a.scopeId}` : '';
      return `[${a.host}${a.host.includes('%') ? '' : scope}]:${a.port}`;
    }
    case 'unix':
      return formatUnix((address as UnixAddress).path);
    default: {
      const f = formatters.get(family);
      return f ? f.format(address as never) : `<${family} address>`;
    }
  }
}

/** The port of an address that has one (inet, inet6, or a registered family that says so). */
export function addressPort(address: SocketAddressInit): number | undefined {
  if (typeof address.family === 'number') return undefined;
  const family: string = address.family;
  switch (family) {
    case 'inet':
    case 'inet6':
      return (address as Inet4Address).port;
    case 'unix':
      return undefined;
    default:
      return formatters.get(family)?.port?.(address as never);
  }
}
