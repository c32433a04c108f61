/**
 * `struct sockaddr` encoders and decoders, with a registry that family packages (CAN, packet)
 * plug into, so that core stays free of family-specific code.
 *
 * Every function takes the ABI facts it depends on as a {@link SockaddrLayout}, so Linux and BSD
 * layouts can both be encoded and property-tested on any host; when left out it is the running
 * platform's (`sys().abi`). Fields the C headers declare host-endian are written host-endian.
 */
import { SocketError, invalidArgument } from '../errors.js';
import { C, sys } from '../sys/index.js';
import { hostIsLittleEndian } from './byte-order.js';
import { formatIPv4, formatIPv6, inetPton } from './inet-text.js';
import type { Inet4Address, Inet6Address, Inet6AddressInit, RawAddress, SocketAddress, SocketAddressInit, UnixAddress } from './address.js';
import { formatAddress, setAddressFormatter } from './address.js';

/** The one sockaddr fact that differs between ABIs; `AbiLayout` from the sys layer satisfies it. */
export interface SockaddrLayout {
  /** BSD: every sockaddr starts with a length byte and a one-byte family; Linux: a u16 family. */
  readonly sockaddrHasLength: boolean;
}

/** Ready-made layouts, for encoding another OS's structures (tests, captures, cross-tools). */
export const sockaddrLayouts = {
  /** Linux and Windows: `sa_family_t` is 16 bits, no length byte. */
  linux: { sockaddrHasLength: false },
  /** macOS and the BSDs: `sa_len` byte, 8-bit `sa_family`. */
  bsd: { sockaddrHasLength: true },
} as const satisfies Record<string, SockaddrLayout>;

/** Size of the family header (`sa_family_t`, or `sa_len` + `sa_family` on BSD). */
export const SOCKADDR_HEADER_SIZE = 2;

/**
 * Encodes and decodes the sockaddr of one address family. Family packages register one with
 * {@link registerAddressCodec}; `A` should also be added to {@link SocketAddressMap}.
 */
export interface AddressCodec<A extends { family: string }> {
  /** The platform's `AF_*` number, as the kernel writes it in the family field. */
  readonly familyNumber: number;
  /** The `family` tag of the address objects (`'can'`). */
  readonly familyName: A['family'];
  /**
   * Builds the sockaddr bytes, exactly as long as the address length to pass to the kernel.
   * {@link allocSockaddr} writes the family header. Throws `EINVAL` for bad input.
   */
  encode(address: A, layout: SockaddrLayout): Uint8Array;
  /**
   * Reads `bytes[0, length)`, whose family field is already known to match. Must throw only
   * {@link decodeError} errors; anything else it throws is wrapped into one.
   */
  decode(bytes: Uint8Array, length: number, layout: SockaddrLayout): A;
  /** Human-readable text for messages and logs. */
  format(address: A): string;
  /** The address's port, for families that have one. */
  port?(address: A): number | undefined;
}

type AnyCodec = AddressCodec<{ family: string }>;

const byName = new Map<string, AnyCodec>();
const byNumber = new Map<number, AnyCodec>();

function defaultLayout(): SockaddrLayout {
  return sys().abi;
}

/** The typed error for bytes that are not a well-formed structure. `code` is `'ERR_RXSOCK_DECODE'`. */
export function decodeError(message: string): SocketError {
  return new SocketError(message, { code: 'ERR_RXSOCK_DECODE' });
}

/**
 * Adds the codec of an address family. Registering the same codec twice is harmless; a
 * different codec for a taken family name or number is refused, since silently replacing
 * one would change how every socket of that family decodes.
 *
 * @throws {@link SocketError} `EINVAL` on a conflict.
 */
export function registerAddressCodec<A extends { family: string }>(codec: AddressCodec<A>): void {
  const c = codec as unknown as AnyCodec;
  const taken = byName.get(c.familyName) ?? byNumber.get(c.familyNumber);
  if (taken === c) return;
  if (taken) {
    throw invalidArgument(`an address codec for family ${c.familyName} (${c.familyNumber}) is already registered`);
  }
  if (!Number.isInteger(c.familyNumber) || c.familyNumber < 0 || c.familyNumber > 0xffff) {
    throw invalidArgument(`family number ${c.familyNumber} is out of range`);
  }
  byName.set(c.familyName, c);
  byNumber.set(c.familyNumber, c);
  setAddressFormatter(c.familyName, c as never);
}

/**
 * Allocates a zeroed sockaddr of `size` bytes with its family header written: `sa_len` and an
 * 8-bit family on BSD, a host-endian 16-bit family on Linux.
 *
 * @throws {@link SocketError} `EINVAL` when the family or size does not fit the header.
 */
export function allocSockaddr(familyNumber: number, size: number, layout: SockaddrLayout = defaultLayout()): Uint8Array {
  if (!Number.isInteger(size) || size < SOCKADDR_HEADER_SIZE || (layout.sockaddrHasLength && size > 0xff)) {
    throw invalidArgument(`sockaddr size ${size} is out of range`);
  }
  if (!Number.isInteger(familyNumber) || familyNumber < 0 || familyNumber > 0xffff) {
    throw invalidArgument(`family ${familyNumber} is out of range`);
  }
  const bytes = new Uint8Array(size);
  if (layout.sockaddrHasLength) {
    if (familyNumber > 0xff) throw invalidArgument(`family ${familyNumber} does not fit an 8-bit sa_family`);
    bytes[0] = size;
    bytes[1] = familyNumber;
  } else {
    new DataView(bytes.buffer).setUint16(0, familyNumber, hostIsLittleEndian);
  }
  return bytes;
}

/**
 * The family number in a sockaddr's header.
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when there are fewer than 2 bytes.
 */
export function sockaddrFamily(bytes: Uint8Array, layout: SockaddrLayout = defaultLayout()): number {
  if (!(bytes instanceof Uint8Array) || bytes.length < SOCKADDR_HEADER_SIZE) {
    throw decodeError('sockaddr is shorter than its family header');
  }
  if (layout.sockaddrHasLength) return bytes[1]!;
  return hostIsLittleEndian ? bytes[0]! | (bytes[1]! << 8) : (bytes[0]! << 8) | bytes[1]!;
}

/** A big-endian u16 at `at` (ports): plain byte arithmetic, no DataView per decode. */
function u16be(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** A u32 at `at`, big-endian or host-endian. */
function u32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  return (littleEndian ? (b3 << 24) | (b2 << 16) | (b1 << 8) | b0 : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

/**
 * The text of the last IPv4 and IPv6 address decoded. A server's peers often repeat (one load
 * balancer, one client host): every connection then shares one host string, where each would
 * otherwise keep its own, and accepting allocates none. A miss costs a 4- or 16-byte compare.
 */
let lastIPv4 = -1;
let lastIPv4Text = '';
const lastIPv6 = new Uint8Array(16);
let lastIPv6Text: string | undefined;

function ipv4Text(bytes: Uint8Array, at: number): string {
  const key = u32(bytes, at, false);
  if (key !== lastIPv4) {
    lastIPv4Text = formatIPv4(bytes, at);
    lastIPv4 = key;
  }
  return lastIPv4Text;
}

function ipv6Text(bytes: Uint8Array, at: number): string {
  let same = lastIPv6Text !== undefined;
  for (let i = 0; same && i < 16; i++) same = lastIPv6[i] === bytes[at + i];
  if (!same) {
    lastIPv6Text = formatIPv6(bytes, at);
    for (let i = 0; i < 16; i++) lastIPv6[i] = bytes[at + i]!;
  }
  return lastIPv6Text!;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw invalidArgument(`port must be an integer 0-65535, got ${String(port)}`);
  }
  return port;
}

function checkU32(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalidArgument(`${what} must be an integer 0-4294967295, got ${String(value)}`);
  }
  return value;
}

function checkHost(host: unknown): string {
  if (typeof host !== 'string') throw invalidArgument(`host must be a string, got ${typeof host}`);
  return host;
}

const inet4Codec: AddressCodec<Inet4Address> = {
  familyNumber: C.AF_INET,
  familyName: 'inet',
  encode(address, layout) {
    const host = checkHost(address.host);
    const port = checkPort(address.port);
    const bytes = allocSockaddr(C.AF_INET, 16, layout);
    // Python's conventions for the wildcard and broadcast addresses in a (host, port) tuple.
    if (host === '<broadcast>') bytes.fill(0xff, 4, 8);
    else if (host !== '') bytes.set(inetPton('inet', host), 4);
    view(bytes).setUint16(2, port);
    return bytes;
  },
  decode(bytes, length) {
    if (length < 16) throw decodeError(`sockaddr_in needs 16 bytes, got ${length}`);
    return { family: 'inet', host: ipv4Text(bytes, 4), port: u16be(bytes, 2) };
  },
  format: formatAddress,
  port: (a) => a.port,
};

/** Splits a numeric zone off IPv6 text ('fe80::1%2'); names need if_nametoindex, a syscall. */
function splitZone(host: string, scopeId: number): { host: string; scopeId: number } {
  const at = host.indexOf('%');
  if (at < 0) return { host, scopeId };
  const zone = host.slice(at + 1);
  if (!/^\d{1,10}$/.test(zone) || Number(zone) > 0xffffffff) {
    throw invalidArgument(`IPv6 zone '${zone}' must be a numeric interface index; pass scopeId instead`);
  }
  if (scopeId !== 0 && scopeId !== Number(zone)) {
    throw invalidArgument(`IPv6 zone '%${zone}' contradicts scopeId ${scopeId}`);
  }
  return { host: host.slice(0, at), scopeId: Number(zone) };
}

const inet6Codec: AddressCodec<Inet6Address> = {
  familyNumber: C.AF_INET6,
  familyName: 'inet6',
  encode(address: Inet6AddressInit, layout) {
    const port = checkPort(address.port);
    const flowInfo = checkU32(address.flowInfo, 'flowInfo');
    const { host, scopeId } = splitZone(checkHost(address.host), checkU32(address.scopeId, 'scopeId'));
    const bytes = allocSockaddr(C.AF_INET6, 28, layout);
    if (host !== '') bytes.set(inetPton('inet6', host), 8);
    const v = view(bytes);
    v.setUint16(2, port);
    // flowinfo in network order, as Python does (it applies htonl/ntohl to it).
    v.setUint32(4, flowInfo);
    v.setUint32(24, scopeId, hostIsLittleEndian);
    return bytes;
  },
  decode(bytes, length) {
    if (length < 28) throw decodeError(`sockaddr_in6 needs 28 bytes, got ${length}`);
    return {
      family: 'inet6',
      host: ipv6Text(bytes, 8),
      port: u16be(bytes, 2),
      flowInfo: u32(bytes, 4, false),
      scopeId: u32(bytes, 24, hostIsLittleEndian),
    };
  },
  format: formatAddress,
  port: (a) => a.port,
};

/** `sizeof(sun_path)`: 108 on Linux, 104 on macOS and the BSDs. */
function sunPathSize(layout: SockaddrLayout): number {
  return layout.sockaddrHasLength ? 104 : 108;
}

const utf8 = new TextEncoder();
// Non-fatal: a path the kernel hands back that is not UTF-8 must still decode, not throw.
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

const unixCodec: AddressCodec<UnixAddress> = {
  familyNumber: C.AF_UNIX,
  familyName: 'unix',
  encode(address, layout) {
    const path = address.path;
    if (typeof path !== 'string') throw invalidArgument(`unix path must be a string, got ${typeof path}`);
    const max = sunPathSize(layout);
    if (path.startsWith('\0')) {
      if (layout.sockaddrHasLength) throw invalidArgument('abstract unix socket names exist only on Linux');
      // Abstract: the length says where the name ends; a NUL is just another byte of it.
      const name = utf8.encode(path);
      if (name.length > max) throw invalidArgument(`abstract unix name is ${name.length - 1} bytes, at most ${max - 1} fit`);
      const bytes = allocSockaddr(C.AF_UNIX, SOCKADDR_HEADER_SIZE + name.length, layout);
      bytes.set(name, SOCKADDR_HEADER_SIZE);
      return bytes;
    }
    if (path.includes('\0')) throw invalidArgument('unix path contains a NUL character');
    const encoded = utf8.encode(path);
    if (encoded.length === 0) return allocSockaddr(C.AF_UNIX, SOCKADDR_HEADER_SIZE, layout);
    if (encoded.length + 1 > max) {
      throw invalidArgument(`unix path is ${encoded.length} bytes, at most ${max - 1} fit (ENAMETOOLONG)`);
    }
    // Length counts the terminating NUL, which allocSockaddr's zero fill provides.
    const bytes = allocSockaddr(C.AF_UNIX, SOCKADDR_HEADER_SIZE + encoded.length + 1, layout);
    bytes.set(encoded, SOCKADDR_HEADER_SIZE);
    return bytes;
  },
  decode(bytes, length, layout) {
    const max = sunPathSize(layout);
    if (length > SOCKADDR_HEADER_SIZE + max) {
      throw decodeError(`sockaddr_un length ${length} exceeds the structure (${SOCKADDR_HEADER_SIZE + max})`);
    }
    const sunPath = bytes.subarray(SOCKADDR_HEADER_SIZE, length);
    if (sunPath.length === 0) return { family: 'unix', path: '' };
    if (sunPath[0] === 0) {
      // BSD has no abstract names: a leading NUL there is an empty (unnamed) path.
      if (layout.sockaddrHasLength) return { family: 'unix', path: '' };
      return { family: 'unix', path: `\0${utf8Decoder.decode(sunPath.subarray(1))}` };
    }
    // A path that fills sun_path exactly has no terminator; the length bounds it then.
    const nul = sunPath.indexOf(0);
    return { family: 'unix', path: utf8Decoder.decode(nul < 0 ? sunPath : sunPath.subarray(0, nul)) };
  },
  format: formatAddress,
};

registerAddressCodec(inet4Codec);
registerAddressCodec(inet6Codec);
registerAddressCodec(unixCodec);

/**
 * Encodes an address as the bytes of its `struct sockaddr`; the array's length is the address
 * length to pass to bind/connect/sendto. Unix paths are UTF-8; a filesystem path's length
 * includes its NUL, an abstract name's does not (the kernel compares the whole length).
 *
 * @param layout - defaults to the running platform's ABI.
 * @throws {@link SocketError} `EINVAL` for a bad port, bad IP text, a unix path too long for
 * `sun_path`, or a family without a registered codec.
 */
export function encodeSockaddr(address: SocketAddressInit, layout: SockaddrLayout = defaultLayout()): Uint8Array {
  if (address === null || typeof address !== 'object') throw invalidArgument('address must be an object');
  if (typeof address.family === 'number') {
    const raw = address as RawAddress;
    if (!(raw.bytes instanceof Uint8Array)) throw invalidArgument('raw address bytes must be a Uint8Array');
    const bytes = allocSockaddr(raw.family, SOCKADDR_HEADER_SIZE + raw.bytes.length, layout);
    bytes.set(raw.bytes, SOCKADDR_HEADER_SIZE);
    return bytes;
  }
  const codec = byName.get(address.family);
  if (!codec) {
    throw invalidArgument(`no address codec is registered for family '${String(address.family)}' (is its package imported?)`);
  }
  return codec.encode(address as { family: string }, layout);
}

/**
 * Decodes the first `length` bytes of a sockaddr (the length the kernel reported), dispatching on
 * its family; families without a registered codec come back as a {@link RawAddress}.
 * A caller that got an address length of 0 (no address, as from recvfrom on a connected
 * stream) should not call this: there is nothing to decode.
 *
 * @param layout - defaults to the running platform's ABI.
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` for truncated or malformed bytes, and nothing else.
 */
export function decodeSockaddr(bytes: Uint8Array, length: number, layout: SockaddrLayout = defaultLayout()): SocketAddress {
  if (!(bytes instanceof Uint8Array)) throw decodeError('sockaddr bytes must be a Uint8Array');
  if (!Number.isInteger(length) || length < SOCKADDR_HEADER_SIZE || length > bytes.length) {
    throw decodeError(`sockaddr length ${length} is outside 2..${bytes.length}`);
  }
  const family = sockaddrFamily(bytes, layout);
  const codec = byNumber.get(family);
  if (!codec) return { family, bytes: bytes.slice(SOCKADDR_HEADER_SIZE, length) };
  try {
    return codec.decode(bytes, length, layout) as SocketAddress;
  } catch (e) {
    if (e instanceof SocketError && e.code === 'ERR_RXSOCK_DECODE') throw e;
    // A plugged-in codec that trips over a short buffer (RangeError from DataView) or a bug
    // must still surface as the one error type callers handle for untrusted bytes.
    throw new SocketError(`cannot decode a family ${family} sockaddr: ${String(e)}`, { code: 'ERR_RXSOCK_DECODE' }, { cause: e });
  }
}
