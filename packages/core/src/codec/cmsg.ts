/**
 * Ancillary data (`msg_control` of sendmsg/recvmsg): the `cmsghdr` chain and the payloads rxsock
 * knows (SCM_RIGHTS, SCM_CREDENTIALS, IP_PKTINFO, IPV6_PKTINFO, timestamps, drop counters).
 *
 * `cmsg_len` is a `size_t` on Linux and a `socklen_t` on the BSDs, and the alignment differs
 * too, so the chain codecs take a {@link CmsgLayout}; left out, it is the running platform's.
 * Payload fields the C headers declare host-endian are host-endian; addresses are network order.
 */
import { type SocketError, invalidArgument } from '../errors.js';
import { C, sys } from '../sys/index.js';
import { hostIsLittleEndian } from './byte-order.js';
import { inetNtop, inetPton } from './inet-text.js';
import { decodeError } from './sockaddr.js';

/** The cmsghdr facts that differ between ABIs; `AbiLayout` from the sys layer satisfies it. */
export interface CmsgLayout {
  /**
   * `sizeof(struct cmsghdr)`: `cmsg_len` followed by two ints, so the width of `cmsg_len` is
   * this minus 8 (8 bytes on 64-bit Linux, 4 on the BSDs).
   */
  readonly cmsghdrSize: number;
  /** The alignment `CMSG_ALIGN` rounds to. */
  readonly cmsgAlign: number;
}

/** Ready-made layouts, for building another OS's control buffers (tests, cross-tools). */
export const cmsgLayouts = {
  /** 64-bit Linux: `size_t cmsg_len`, 8-byte alignment. */
  linux64: { cmsghdrSize: 16, cmsgAlign: 8 },
  /** macOS: `socklen_t cmsg_len`, 4-byte alignment (`__DARWIN_ALIGN32`). */
  darwin: { cmsghdrSize: 12, cmsgAlign: 4 },
  /** 64-bit FreeBSD: `socklen_t cmsg_len`, but `long` alignment, so data starts at 16. */
  freebsd64: { cmsghdrSize: 12, cmsgAlign: 8 },
} as const satisfies Record<string, CmsgLayout>;

/** One control message: `cmsg_level`, `cmsg_type` and the bytes of `CMSG_DATA`. */
export interface ControlMessage {
  /** `cmsg_level`, such as `C.SOL_SOCKET` or `C.IPPROTO_IP`. */
  level: number;
  /** `cmsg_type`, such as `C.SCM_RIGHTS` or `C.IP_PKTINFO`. */
  type: number;
  /** The payload, without header or padding. */
  data: Uint8Array;
}

function defaultLayout(): CmsgLayout {
  return sys().abi;
}

/** Python's bound on the results of CMSG_LEN/CMSG_SPACE: they must fit a positive socklen_t. */
const SOCKLEN_T_LIMIT = 0x7fffffff;

function checkLength(n: number, fn: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw invalidArgument(`${fn}: expected an integer, got ${String(n)}`, fn, 'ERR_INVALID_ARG_TYPE');
  }
  if (n < 0) throw invalidArgument(`${fn}() argument out of range`, fn, 'ERR_OUT_OF_RANGE');
}

function align(n: number, layout: CmsgLayout): number {
  return Math.ceil(n / layout.cmsgAlign) * layout.cmsgAlign;
}

/**
 * Rounds `n` up to the control-message alignment (`CMSG_ALIGN`).
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` for a negative `n`.
 */
export function cmsgAlign(n: number, layout: CmsgLayout = defaultLayout()): number {
  checkLength(n, 'CMSG_ALIGN');
  return align(n, layout);
}

/**
 * `CMSG_LEN(n)`: the `cmsg_len` of a message carrying `n` bytes (header plus data, no trailing
 * padding). Same values and range as Python's `socket.CMSG_LEN`.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` when `n` is negative or the result exceeds 2^31-1.
 */
export function cmsgLen(n: number, layout: CmsgLayout = defaultLayout()): number {
  checkLength(n, 'CMSG_LEN');
  const header = align(layout.cmsghdrSize, layout);
  if (n > SOCKLEN_T_LIMIT - header) throw invalidArgument('CMSG_LEN() argument out of range', 'CMSG_LEN', 'ERR_OUT_OF_RANGE');
  return header + n;
}

/**
 * `CMSG_SPACE(n)`: the buffer space a message carrying `n` bytes occupies, padding included.
 * Size recvmsg's control buffer as the sum of the spaces of the messages you expect. Same
 * values and range as Python's `socket.CMSG_SPACE`.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` when `n` is negative or the result exceeds 2^31-1.
 */
export function cmsgSpace(n: number, layout: CmsgLayout = defaultLayout()): number {
  checkLength(n, 'CMSG_SPACE');
  const header = align(layout.cmsghdrSize, layout);
  // Python bounds n by the limit minus CMSG_SPACE(1), which covers padding before and after.
  if (n > SOCKLEN_T_LIMIT - (header + align(1, layout))) {
    throw invalidArgument('CMSG_SPACE() argument out of range', 'CMSG_SPACE', 'ERR_OUT_OF_RANGE');
  }
  return header + align(n, layout);
}

/** Alias of {@link cmsgLen}, under the C and Python name. */
export const CMSG_LEN: (n: number, layout?: CmsgLayout) => number = cmsgLen;

/** Alias of {@link cmsgSpace}, under the C and Python name. */
export const CMSG_SPACE: (n: number, layout?: CmsgLayout) => number = cmsgSpace;

function isInt32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;
}

function isUint32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Lays out control messages for sendmsg: each one's header, data and padding to
 * `CMSG_SPACE(data.length)`. The result's length is the `msg_controllen` to pass.
 *
 * @throws {@link SocketError} `EINVAL` for a level or type outside int32 or data that is not bytes.
 */
export function encodeControl(messages: readonly ControlMessage[], layout: CmsgLayout = defaultLayout()): Uint8Array {
  if (!Array.isArray(messages)) throw invalidArgument('control messages must be an array', 'sendmsg');
  let total = 0;
  for (const m of messages) {
    if (m === null || typeof m !== 'object' || !isInt32(m.level) || !isInt32(m.type) || !(m.data instanceof Uint8Array)) {
      throw invalidArgument('a control message needs an int32 level and type and Uint8Array data', 'sendmsg');
    }
    total += cmsgSpace(m.data.length, layout);
    if (total > SOCKLEN_T_LIMIT) throw invalidArgument('control messages are too large', 'sendmsg');
  }
  const out = new Uint8Array(total);
  const view = viewOf(out);
  const lenSize = layout.cmsghdrSize - 8;
  const dataOffset = align(layout.cmsghdrSize, layout);
  let at = 0;
  for (const m of messages) {
    const len = dataOffset + m.data.length;
    if (lenSize === 8) view.setBigUint64(at, BigInt(len), hostIsLittleEndian);
    else view.setUint32(at, len, hostIsLittleEndian);
    view.setInt32(at + lenSize, m.level, hostIsLittleEndian);
    view.setInt32(at + lenSize + 4, m.type, hostIsLittleEndian);
    out.set(m.data, at + dataOffset);
    at += dataOffset + align(m.data.length, layout);
  }
  return out;
}

/**
 * Reads the control messages recvmsg left in `bytes[0, length)` (`length` is the returned
 * `msg_controllen`). Each message's data is a copy, because receive paths reuse their control
 * buffer. Trailing bytes too short for a header are ignored, as `CMSG_NXTHDR` ignores them.
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when a `cmsg_len` is shorter than a header or
 * runs past `length`; never anything else, whatever the bytes.
 */
export function decodeControl(bytes: Uint8Array, length: number, layout: CmsgLayout = defaultLayout()): ControlMessage[] {
  if (!(bytes instanceof Uint8Array)) throw decodeError('control data must be a Uint8Array');
  if (!Number.isInteger(length) || length < 0 || length > bytes.length) {
    throw decodeError(`control length ${length} is outside 0..${bytes.length}`);
  }
  const view = viewOf(bytes);
  const header = layout.cmsghdrSize;
  const lenSize = header - 8;
  const dataOffset = align(header, layout);
  const messages: ControlMessage[] = [];
  let at = 0;
  while (length - at >= header) {
    const len = lenSize === 8 ? view.getBigUint64(at, hostIsLittleEndian) : BigInt(view.getUint32(at, hostIsLittleEndian));
    if (len < BigInt(dataOffset)) throw decodeError(`cmsg_len ${len} at offset ${at} is shorter than a header (${dataOffset})`);
    if (len > BigInt(length - at)) throw decodeError(`cmsg_len ${len} at offset ${at} runs past the control data (${length} bytes)`);
    const n = Number(len);
    messages.push({
      level: view.getInt32(at + lenSize, hostIsLittleEndian),
      type: view.getInt32(at + lenSize + 4, hostIsLittleEndian),
      data: bytes.slice(at + dataOffset, at + n),
    });
    // n >= dataOffset > 0, so every step moves forward: no loop on hostile lengths.
    at += align(n, layout);
  }
  return messages;
}

/**
 * What the payload decoders take: a whole message (its level and type are then checked, so a
 * wrong message is an error rather than misread bytes) or just its data.
 */
export type ControlPayload = ControlMessage | Uint8Array;

function payloadOf(input: ControlPayload, level: number | undefined, type: number | undefined, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input === null || typeof input !== 'object' || !(input.data instanceof Uint8Array)) {
    throw decodeError(`${what}: expected a control message or its bytes`);
  }
  if (level !== undefined && (input.level !== level || input.type !== type)) {
    throw decodeError(`${what}: got a control message of level ${input.level} type ${input.type}, expected ${level}/${type}`);
  }
  return input.data;
}

function need(data: Uint8Array, size: number, what: string): DataView {
  if (data.length < size) throw decodeError(`${what} needs ${size} bytes, got ${data.length}`);
  return viewOf(data);
}

/**
 * An SCM_RIGHTS message passing file descriptors over a UNIX socket.
 *
 * @throws {@link SocketError} `EINVAL` for a value that is not a descriptor number.
 */
export function scmRights(fds: readonly number[]): ControlMessage {
  const data = new Uint8Array(4 * fds.length);
  const view = viewOf(data);
  fds.forEach((fd, i) => {
    if (!isInt32(fd) || fd < 0) throw invalidArgument(`not a file descriptor: ${String(fd)}`, 'sendmsg');
    view.setInt32(4 * i, fd, hostIsLittleEndian);
  });
  return { level: C.SOL_SOCKET, type: C.SCM_RIGHTS, data };
}

/**
 * The descriptors of an SCM_RIGHTS message (or its bytes). A partial trailing int is dropped, as
 * Python does, rather than thrown on: the whole ones are open in this process and must reach the
 * caller to be closed.
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` for a message that is not SCM_RIGHTS.
 */
export function decodeRights(message: ControlPayload): number[] {
  const data = payloadOf(message, C.SOL_SOCKET, C.SCM_RIGHTS, 'SCM_RIGHTS');
  const view = viewOf(data);
  const fds: number[] = [];
  for (let at = 0; at + 4 <= data.length; at += 4) fds.push(view.getInt32(at, hostIsLittleEndian));
  return fds;
}

/** Linux `struct ucred`: the credentials of a peer process. */
export interface Ucred {
  /** Process id. */
  pid: number;
  /** User id. */
  uid: number;
  /** Group id. */
  gid: number;
}

/** `sizeof(struct ucred)` on Linux. */
const UCRED_SIZE = 12;

/**
 * Lays out a Linux `struct ucred` (the payload of SCM_CREDENTIALS and the value of SO_PEERCRED).
 *
 * @throws {@link SocketError} `EINVAL` when pid is not an int32 or uid/gid not a uint32.
 */
export function encodeUcred(cred: Ucred): Uint8Array {
  if (!isInt32(cred.pid) || !isUint32(cred.uid) || !isUint32(cred.gid)) {
    throw invalidArgument('ucred needs an int32 pid and uint32 uid and gid', 'sendmsg');
  }
  const data = new Uint8Array(UCRED_SIZE);
  const view = viewOf(data);
  view.setInt32(0, cred.pid, hostIsLittleEndian);
  view.setUint32(4, cred.uid, hostIsLittleEndian);
  view.setUint32(8, cred.gid, hostIsLittleEndian);
  return data;
}

/**
 * Reads a Linux `struct ucred` from an SCM_CREDENTIALS message, or from bytes (an SO_PEERCRED
 * value).
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when shorter than 12 bytes or not SCM_CREDENTIALS.
 */
export function decodeUcred(message: ControlPayload): Ucred {
  const data = payloadOf(message, C.SOL_SOCKET, C.SCM_CREDENTIALS, 'SCM_CREDENTIALS');
  const view = need(data, UCRED_SIZE, 'struct ucred');
  return {
    pid: view.getInt32(0, hostIsLittleEndian),
    uid: view.getUint32(4, hostIsLittleEndian),
    gid: view.getUint32(8, hostIsLittleEndian),
  };
}

/** An SCM_CREDENTIALS message (Linux): the sender's credentials, checked by the kernel. */
export function scmCredentials(cred: Ucred): ControlMessage {
  return { level: C.SOL_SOCKET, type: C.SCM_CREDENTIALS, data: encodeUcred(cred) };
}

/** `struct in_pktinfo` (IP_PKTINFO). */
export interface InPktinfo {
  /** `ipi_ifindex`: the interface the packet arrived on, or to send from (0: any). */
  ifindex: number;
  /** `ipi_spec_dst`: the local address the reply would come from; on send, the source address. */
  localAddress: string;
  /** `ipi_addr`: the destination address in the packet's header (ignored on send). */
  destination: string;
}

/**
 * Lays out a `struct in_pktinfo`; missing addresses are `0.0.0.0`.
 *
 * @throws {@link SocketError} `EINVAL` for a bad ifindex or IPv4 text.
 */
export function encodeInPktinfo(info: Partial<InPktinfo>): Uint8Array {
  const ifindex = info.ifindex ?? 0;
  if (!isInt32(ifindex)) throw invalidArgument(`ifindex must be an int32, got ${String(ifindex)}`, 'sendmsg');
  const data = new Uint8Array(12);
  viewOf(data).setInt32(0, ifindex, hostIsLittleEndian);
  if (info.localAddress) data.set(inetPton('inet', info.localAddress), 4);
  if (info.destination) data.set(inetPton('inet', info.destination), 8);
  return data;
}

/**
 * Reads a `struct in_pktinfo` from an IP_PKTINFO message (or its bytes).
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when shorter than 12 bytes or not IP_PKTINFO.
 */
export function decodeInPktinfo(message: ControlPayload): InPktinfo {
  const data = payloadOf(message, C.IPPROTO_IP, C.IP_PKTINFO, 'IP_PKTINFO');
  const view = need(data, 12, 'struct in_pktinfo');
  return {
    ifindex: view.getInt32(0, hostIsLittleEndian),
    localAddress: inetNtop('inet', data.subarray(4, 8)),
    destination: inetNtop('inet', data.subarray(8, 12)),
  };
}

/** Alias of {@link decodeInPktinfo}: IP_PKTINFO is the only "pktinfo" of IPv4. */
export const decodePktinfo: (message: ControlPayload) => InPktinfo = decodeInPktinfo;

/** An IP_PKTINFO message, to choose the source address or interface of an outgoing datagram. */
export function ipPktinfo(info: Partial<InPktinfo>): ControlMessage {
  return { level: C.IPPROTO_IP, type: C.IP_PKTINFO, data: encodeInPktinfo(info) };
}

/** `struct in6_pktinfo` (IPV6_PKTINFO). */
export interface In6Pktinfo {
  /** `ipi6_addr`: destination of a received packet; on send, the source address (`::` for any). */
  address: string;
  /** `ipi6_ifindex`: the interface (0: any). */
  ifindex: number;
}

/**
 * Lays out a `struct in6_pktinfo`; a missing address is `::`.
 *
 * @throws {@link SocketError} `EINVAL` for a bad ifindex or IPv6 text.
 */
export function encodeIn6Pktinfo(info: Partial<In6Pktinfo>): Uint8Array {
  const ifindex = info.ifindex ?? 0;
  if (!isUint32(ifindex)) throw invalidArgument(`ifindex must be a uint32, got ${String(ifindex)}`, 'sendmsg');
  const data = new Uint8Array(20);
  if (info.address) data.set(inetPton('inet6', info.address), 0);
  viewOf(data).setUint32(16, ifindex, hostIsLittleEndian);
  return data;
}

/**
 * Reads a `struct in6_pktinfo` from an IPV6_PKTINFO message (or its bytes).
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when shorter than 20 bytes or not IPV6_PKTINFO.
 */
export function decodeIn6Pktinfo(message: ControlPayload): In6Pktinfo {
  const data = payloadOf(message, C.IPPROTO_IPV6, C.IPV6_PKTINFO, 'IPV6_PKTINFO');
  const view = need(data, 20, 'struct in6_pktinfo');
  return { address: inetNtop('inet6', data.subarray(0, 16)), ifindex: view.getUint32(16, hostIsLittleEndian) };
}

/** An IPV6_PKTINFO message, to choose the source address or interface of an outgoing datagram. */
export function ipv6Pktinfo(info: Partial<In6Pktinfo>): ControlMessage {
  return { level: C.IPPROTO_IPV6, type: C.IPV6_PKTINFO, data: encodeIn6Pktinfo(info) };
}

/** A `struct timespec`, as in SO_TIMESTAMPNS / SCM_TIMESTAMPNS messages. */
export interface Timespec {
  /** `tv_sec`; exact while below 2^53, which covers every realistic clock. */
  seconds: number;
  /** `tv_nsec`, 0..999999999 for a valid timestamp. */
  nanoseconds: number;
  /** The whole value in nanoseconds, exact. */
  totalNanoseconds: bigint;
}

/**
 * Reads a `struct timespec`: 16 bytes (64-bit `time_t` and `long`, every ABI rxsock runs on)
 * or 8 (32-bit fields).
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` for any other size.
 */
export function decodeTimespec(message: ControlPayload): Timespec {
  // No level/type check: SCM_TIMESTAMPNS, SO_TIMESTAMPING and family-specific stamps share it.
  const data = payloadOf(message, undefined, undefined, 'struct timespec');
  const view = need(data, 8, 'struct timespec');
  let sec: bigint;
  let nsec: bigint;
  if (data.length === 16) {
    sec = view.getBigInt64(0, hostIsLittleEndian);
    nsec = view.getBigInt64(8, hostIsLittleEndian);
  } else if (data.length === 8) {
    sec = BigInt(view.getInt32(0, hostIsLittleEndian));
    nsec = BigInt(view.getInt32(4, hostIsLittleEndian));
  } else {
    throw decodeError(`struct timespec is 8 or 16 bytes, got ${data.length}`);
  }
  return { seconds: Number(sec), nanoseconds: Number(nsec), totalNanoseconds: sec * 1_000_000_000n + nsec };
}

/**
 * Lays out a 16-byte `struct timespec` (64-bit fields), e.g. for SO_TXTIME-style messages or tests.
 *
 * @throws {@link SocketError} `EINVAL` when seconds or nanoseconds is not an integer.
 */
export function encodeTimespec(t: Pick<Timespec, 'seconds' | 'nanoseconds'>): Uint8Array {
  if (!Number.isSafeInteger(t.seconds) || !Number.isSafeInteger(t.nanoseconds)) {
    throw invalidArgument('timespec needs integer seconds and nanoseconds');
  }
  const data = new Uint8Array(16);
  const view = viewOf(data);
  view.setBigInt64(0, BigInt(t.seconds), hostIsLittleEndian);
  view.setBigInt64(8, BigInt(t.nanoseconds), hostIsLittleEndian);
  return data;
}

/**
 * Reads a host-endian `uint32` payload, such as SO_RXQ_OVFL's cumulative drop counter.
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when shorter than 4 bytes.
 */
export function decodeUint32(message: ControlPayload): number {
  const data = payloadOf(message, undefined, undefined, 'uint32 payload');
  return need(data, 4, 'uint32 payload').getUint32(0, hostIsLittleEndian);
}

/**
 * Lays out a host-endian `uint32` payload.
 *
 * @throws {@link SocketError} `EINVAL` outside 0..2^32-1.
 */
export function encodeUint32(value: number): Uint8Array {
  if (!isUint32(value)) throw invalidArgument(`expected a uint32, got ${String(value)}`);
  const data = new Uint8Array(4);
  viewOf(data).setUint32(0, value, hostIsLittleEndian);
  return data;
}
