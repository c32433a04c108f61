/**
 * Typed socket options: a table from option name to (level, optname, value codec), so
 * `setOption('SO_REUSEADDR', true)` and `getOption('SO_PEERCRED')` carry their value types.
 * Anything not in the table is reachable with the raw (level, optname, bytes) calls, as in Python.
 */
import { C, type ConstantName } from '../sys/index.js';
import { inetPton } from '../codec/inet-text.js';
import { hostIsLittleEndian } from '../codec/byte-order.js';
import { invalidArgument } from '../errors.js';

/** `SO_LINGER`: whether close() lingers to send queued data, and for how long. */
export interface Linger {
  enabled: boolean;
  seconds: number;
}

/** `SO_PEERCRED` / `SCM_CREDENTIALS`: the peer process's credentials. */
export interface Credentials {
  pid: number;
  uid: number;
  gid: number;
}

/** `IP_ADD_MEMBERSHIP` / `IP_DROP_MEMBERSHIP` (struct ip_mreqn). */
export interface Ipv4Membership {
  /** Multicast group, dotted quad. */
  group: string;
  /** Local interface address to join on (default any). */
  localAddress?: string;
  /** Interface index to join on (default 0: the kernel picks). */
  interfaceIndex?: number;
}

/** `IPV6_JOIN_GROUP` / `IPV6_LEAVE_GROUP` (struct ipv6_mreq). */
export interface Ipv6Membership {
  group: string;
  interfaceIndex?: number;
}

/** Value types by codec kind. */
export interface OptionValueKinds {
  bool: boolean;
  int: number;
  linger: Linger;
  credentials: Credentials;
  string: string;
  /** A `struct timeval` as milliseconds. */
  timeval: number;
  mreq4: Ipv4Membership;
  mreq6: Ipv6Membership;
  bytes: Uint8Array;
}

/** The codec kinds of typed options. */
export type Kind = keyof OptionValueKinds;

/** How a typed option is reached: its level, its name and its value codec. */
export interface OptionSpec<K extends Kind = Kind> {
  level: ConstantName;
  name: ConstantName;
  kind: K;
  /** false for options the kernel only reads (join group) or only reports (SO_ERROR). */
  readable?: boolean;
  writable?: boolean;
}

const spec = <K extends Kind>(level: ConstantName, name: ConstantName, kind: K, extra: Partial<OptionSpec> = {}): OptionSpec<K> =>
  ({ level, name, kind, ...extra }) as OptionSpec<K>;

const sol = <K extends Kind>(name: ConstantName, kind: K, extra?: Partial<OptionSpec>) => spec('SOL_SOCKET', name, kind, extra);
const ip = <K extends Kind>(name: ConstantName, kind: K, extra?: Partial<OptionSpec>) => spec('IPPROTO_IP', name, kind, extra);
const ip6 = <K extends Kind>(name: ConstantName, kind: K, extra?: Partial<OptionSpec>) => spec('IPPROTO_IPV6', name, kind, extra);
const tcp = <K extends Kind>(name: ConstantName, kind: K, extra?: Partial<OptionSpec>) => spec('IPPROTO_TCP', name, kind, extra);

/** Every typed option rxsock knows, by its C name. */
export const socketOptions = {
  SO_REUSEADDR: sol('SO_REUSEADDR', 'bool'),
  SO_REUSEPORT: sol('SO_REUSEPORT', 'bool'),
  SO_KEEPALIVE: sol('SO_KEEPALIVE', 'bool'),
  SO_BROADCAST: sol('SO_BROADCAST', 'bool'),
  SO_DONTROUTE: sol('SO_DONTROUTE', 'bool'),
  SO_OOBINLINE: sol('SO_OOBINLINE', 'bool'),
  SO_PASSCRED: sol('SO_PASSCRED', 'bool'),
  SO_TIMESTAMP: sol('SO_TIMESTAMP', 'bool'),
  SO_TIMESTAMPNS: sol('SO_TIMESTAMPNS', 'bool'),
  SO_RXQ_OVFL: sol('SO_RXQ_OVFL', 'bool'),
  SO_ZEROCOPY: sol('SO_ZEROCOPY', 'bool'),
  SO_SNDBUF: sol('SO_SNDBUF', 'int'),
  SO_RCVBUF: sol('SO_RCVBUF', 'int'),
  SO_SNDBUFFORCE: sol('SO_SNDBUFFORCE', 'int', { readable: false }),
  SO_RCVBUFFORCE: sol('SO_RCVBUFFORCE', 'int', { readable: false }),
  SO_RCVLOWAT: sol('SO_RCVLOWAT', 'int'),
  SO_SNDLOWAT: sol('SO_SNDLOWAT', 'int'),
  SO_PRIORITY: sol('SO_PRIORITY', 'int'),
  SO_MARK: sol('SO_MARK', 'int'),
  SO_BUSY_POLL: sol('SO_BUSY_POLL', 'int'),
  SO_INCOMING_CPU: sol('SO_INCOMING_CPU', 'int'),
  SO_TYPE: sol('SO_TYPE', 'int', { writable: false }),
  SO_DOMAIN: sol('SO_DOMAIN', 'int', { writable: false }),
  SO_PROTOCOL: sol('SO_PROTOCOL', 'int', { writable: false }),
  SO_ERROR: sol('SO_ERROR', 'int', { writable: false }),
  SO_ACCEPTCONN: sol('SO_ACCEPTCONN', 'bool', { writable: false }),
  SO_LINGER: sol('SO_LINGER', 'linger'),
  SO_PEERCRED: sol('SO_PEERCRED', 'credentials', { writable: false }),
  SO_RCVTIMEO: sol('SO_RCVTIMEO', 'timeval'),
  SO_SNDTIMEO: sol('SO_SNDTIMEO', 'timeval'),
  SO_BINDTODEVICE: sol('SO_BINDTODEVICE', 'string'),

  IP_TTL: ip('IP_TTL', 'int'),
  IP_TOS: ip('IP_TOS', 'int'),
  IP_HDRINCL: ip('IP_HDRINCL', 'bool'),
  IP_PKTINFO: ip('IP_PKTINFO', 'bool'),
  IP_RECVTTL: ip('IP_RECVTTL', 'bool'),
  IP_RECVTOS: ip('IP_RECVTOS', 'bool'),
  IP_RECVERR: ip('IP_RECVERR', 'bool'),
  IP_FREEBIND: ip('IP_FREEBIND', 'bool'),
  IP_TRANSPARENT: ip('IP_TRANSPARENT', 'bool'),
  IP_BIND_ADDRESS_NO_PORT: ip('IP_BIND_ADDRESS_NO_PORT', 'bool'),
  IP_MTU_DISCOVER: ip('IP_MTU_DISCOVER', 'int'),
  IP_MTU: ip('IP_MTU', 'int', { writable: false }),
  IP_MULTICAST_TTL: ip('IP_MULTICAST_TTL', 'int'),
  IP_MULTICAST_LOOP: ip('IP_MULTICAST_LOOP', 'bool'),
  IP_ADD_MEMBERSHIP: ip('IP_ADD_MEMBERSHIP', 'mreq4', { readable: false }),
  IP_DROP_MEMBERSHIP: ip('IP_DROP_MEMBERSHIP', 'mreq4', { readable: false }),

  IPV6_V6ONLY: ip6('IPV6_V6ONLY', 'bool'),
  IPV6_UNICAST_HOPS: ip6('IPV6_UNICAST_HOPS', 'int'),
  IPV6_MULTICAST_HOPS: ip6('IPV6_MULTICAST_HOPS', 'int'),
  IPV6_MULTICAST_LOOP: ip6('IPV6_MULTICAST_LOOP', 'bool'),
  IPV6_MULTICAST_IF: ip6('IPV6_MULTICAST_IF', 'int'),
  IPV6_RECVPKTINFO: ip6('IPV6_RECVPKTINFO', 'bool'),
  IPV6_RECVHOPLIMIT: ip6('IPV6_RECVHOPLIMIT', 'bool'),
  IPV6_RECVTCLASS: ip6('IPV6_RECVTCLASS', 'bool'),
  IPV6_TCLASS: ip6('IPV6_TCLASS', 'int'),
  IPV6_MTU_DISCOVER: ip6('IPV6_MTU_DISCOVER', 'int'),
  IPV6_FREEBIND: ip6('IPV6_FREEBIND', 'bool'),
  IPV6_JOIN_GROUP: ip6('IPV6_JOIN_GROUP', 'mreq6', { readable: false }),
  IPV6_LEAVE_GROUP: ip6('IPV6_LEAVE_GROUP', 'mreq6', { readable: false }),

  TCP_NODELAY: tcp('TCP_NODELAY', 'bool'),
  TCP_CORK: tcp('TCP_CORK', 'bool'),
  TCP_QUICKACK: tcp('TCP_QUICKACK', 'bool'),
  TCP_MAXSEG: tcp('TCP_MAXSEG', 'int'),
  TCP_KEEPIDLE: tcp('TCP_KEEPIDLE', 'int'),
  TCP_KEEPINTVL: tcp('TCP_KEEPINTVL', 'int'),
  TCP_KEEPCNT: tcp('TCP_KEEPCNT', 'int'),
  TCP_SYNCNT: tcp('TCP_SYNCNT', 'int'),
  TCP_LINGER2: tcp('TCP_LINGER2', 'int'),
  TCP_DEFER_ACCEPT: tcp('TCP_DEFER_ACCEPT', 'int'),
  TCP_WINDOW_CLAMP: tcp('TCP_WINDOW_CLAMP', 'int'),
  TCP_USER_TIMEOUT: tcp('TCP_USER_TIMEOUT', 'int'),
  TCP_NOTSENT_LOWAT: tcp('TCP_NOTSENT_LOWAT', 'int'),
  TCP_FASTOPEN: tcp('TCP_FASTOPEN', 'int'),
  TCP_CONGESTION: tcp('TCP_CONGESTION', 'string'),
  TCP_INFO: tcp('TCP_INFO', 'bytes', { writable: false }),
} as const;

/** The name of a typed option (`'SO_REUSEADDR'`, `'TCP_NODELAY'`, ...). */
export type OptionName = keyof typeof socketOptions;

/** The value type of option `N`. */
export type OptionValue<N extends OptionName> = OptionValueKinds[(typeof socketOptions)[N]['kind']];

/** Level, optname and codec of a typed option. */
export function optionSpec(name: OptionName): { level: number; optname: number; kind: Kind; readable: boolean; writable: boolean } {
  const s = socketOptions[name] as OptionSpec | undefined;
  if (!s) throw invalidArgument(`unknown socket option ${String(name)}`, 'setsockopt');
  return { level: C[s.level], optname: C[s.name], kind: s.kind, readable: s.readable !== false, writable: s.writable !== false };
}

/** Option structs are laid out in host byte order. */
const le = (): boolean => hostIsLittleEndian;

/** Encodes a typed option value to the bytes setsockopt takes. */
export function encodeOption(kind: Kind, value: unknown, name: string): Uint8Array {
  const fail = () => invalidArgument(`bad value for ${name}: ${String(value)}`, 'setsockopt');
  switch (kind) {
    case 'bool':
    case 'int': {
      const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw fail();
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, n | 0, le());
      return b;
    }
    case 'linger': {
      const v = value as Linger;
      if (typeof v !== 'object' || v === null) throw fail();
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setInt32(0, v.enabled ? 1 : 0, le());
      dv.setInt32(4, v.seconds | 0, le());
      return b;
    }
    case 'timeval': {
      if (typeof value !== 'number' || value < 0 || !Number.isFinite(value)) throw fail();
      const b = new Uint8Array(16);
      const dv = new DataView(b.buffer);
      dv.setBigInt64(0, BigInt(Math.floor(value / 1000)), le());
      dv.setBigInt64(8, BigInt(Math.round((value % 1000) * 1000)), le());
      return b;
    }
    case 'string': {
      if (typeof value !== 'string') throw fail();
      return Buffer.from(value + '\0', 'utf8');
    }
    case 'mreq4': {
      const v = value as Ipv4Membership;
      if (typeof v !== 'object' || v === null) throw fail();
      const b = new Uint8Array(12); // struct ip_mreqn
      b.set(inetPton('inet', v.group), 0);
      b.set(inetPton('inet', v.localAddress ?? '0.0.0.0'), 4);
      new DataView(b.buffer).setInt32(8, v.interfaceIndex ?? 0, le());
      return b;
    }
    case 'mreq6': {
      const v = value as Ipv6Membership;
      if (typeof v !== 'object' || v === null) throw fail();
      const b = new Uint8Array(20); // struct ipv6_mreq
      b.set(inetPton('inet6', v.group), 0);
      new DataView(b.buffer).setUint32(16, v.interfaceIndex ?? 0, le());
      return b;
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw fail();
      return value;
    case 'credentials':
      throw fail();
  }
}

/** How many bytes getsockopt needs for a kind. */
export function optionSize(kind: Kind): number {
  switch (kind) {
    case 'bool':
    case 'int':
      return 4;
    case 'linger':
      return 8;
    case 'credentials':
      return 12;
    case 'timeval':
      return 16;
    case 'string':
      return 64;
    case 'mreq4':
    case 'mreq6':
      return 0;
    case 'bytes':
      return 256;
  }
}

/** Decodes getsockopt bytes (`length` of them valid) into the typed value. */
export function decodeOption(kind: Kind, bytes: Uint8Array, length: number): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, length);
  switch (kind) {
    case 'bool':
      return length >= 1 && (length >= 4 ? dv.getInt32(0, le()) : bytes[0]!) !== 0;
    case 'int':
      return length >= 4 ? dv.getInt32(0, le()) : length >= 1 ? bytes[0]! : 0;
    case 'linger':
      return { enabled: dv.getInt32(0, le()) !== 0, seconds: dv.getInt32(4, le()) } satisfies Linger;
    case 'credentials':
      return { pid: dv.getInt32(0, le()), uid: dv.getUint32(4, le()), gid: dv.getUint32(8, le()) } satisfies Credentials;
    case 'timeval':
      return Number(dv.getBigInt64(0, le())) * 1000 + Number(dv.getBigInt64(8, le())) / 1000;
    case 'string': {
      const end = bytes.subarray(0, length).indexOf(0);
      return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? length : end).toString('utf8');
    }
    case 'bytes':
      return bytes.slice(0, length);
    case 'mreq4':
    case 'mreq6':
      return undefined;
  }
}
