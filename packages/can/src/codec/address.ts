/**
 * `struct sockaddr_can` (24 bytes on Linux: family u16 @0, ifindex i32 @4, then a union: ISO-TP
 * `rx_id` u32 @8 and `tx_id` u32 @12, or J1939 `name` u64 @8, `pgn` u32 @16, `addr` u8 @20),
 * registered with core's address registry so that every core call (bind, recvfrom, sendto,
 * getsockname, recvmmsg batches) speaks CAN addresses.
 *
 * The kernel does not say which union member it filled; the socket's protocol does. The
 * registered decoder guesses from the bytes (see {@link decodeCanAddress}); a socket that knows
 * its protocol decodes exactly with `decodeCanAddress(bytes, length, 'isotp' | 'j1939')`.
 */
import { allocSockaddr, decodeError, hostIsLittleEndian, invalidArgument, registerAddressCodec, sockaddrLayouts, type AddressCodec, type SockaddrLayout } from '@rxsock/core';

/** ISO-TP's part of a CAN address: the ids it receives on and sends with (flags included). */
export interface CanTpAddress {
  rxId: number;
  txId: number;
}

/** J1939's part of a CAN address. */
export interface CanJ1939Address {
  /** 64-bit NAME (0: none). */
  name: bigint;
  /** Parameter group number (J1939_NO_PGN 0x40000: none). */
  pgn: number;
  /** Source/destination address (J1939_NO_ADDR 0xFF: none). */
  addr: number;
}

/**
 * A CAN socket address: an interface index (0: every CAN interface), and for ISO-TP or J1939
 * sockets their part of the union.
 */
export interface CanAddress {
  family: 'can';
  /** Interface index; 0 binds to all CAN interfaces. */
  ifindex: number;
  /** ISO-TP transport ids. */
  tp?: CanTpAddress;
  /** J1939 name, PGN and address. */
  j1939?: CanJ1939Address;
}

declare module '@rxsock/core' {
  interface SocketAddressMap {
    /** `AF_CAN` (`struct sockaddr_can`). */
    can: CanAddress;
  }
}

/** The Linux value of AF_CAN. */
export const AF_CAN = 29;
/** Bytes of `struct sockaddr_can`; always passed whole. */
export const SOCKADDR_CAN_SIZE = 24;

/** Which union member to read when decoding. */
export type CanAddressKind = 'raw' | 'isotp' | 'j1939';

/** A CAN address for `ifindex` (0: all interfaces). */
export function canAddress(ifindex = 0, extra: { tp?: CanTpAddress; j1939?: CanJ1939Address } = {}): CanAddress {
  const a: CanAddress = { family: 'can', ifindex };
  if (extra.tp) a.tp = extra.tp;
  if (extra.j1939) a.j1939 = extra.j1939;
  return a;
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw invalidArgument(`sockaddr_can: ${what} ${String(value)} is not a 32-bit value`);
  return value >>> 0;
}

/**
 * The 24 bytes of `address`.
 * @throws `SocketError` `EINVAL` for fields out of range or both `tp` and `j1939` given.
 */
export function encodeCanAddress(address: CanAddress, layout: SockaddrLayout = sockaddrLayouts.linux, littleEndian = hostIsLittleEndian): Uint8Array {
  const { ifindex, tp, j1939 } = address;
  if (!Number.isInteger(ifindex) || ifindex < 0 || ifindex > 0x7fffffff) throw invalidArgument(`sockaddr_can: ifindex ${String(ifindex)} out of range`);
  if (tp && j1939) throw invalidArgument('sockaddr_can: an address has ISO-TP ids or J1939 fields, not both');
  const bytes = allocSockaddr(AF_CAN, SOCKADDR_CAN_SIZE, layout);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // allocSockaddr writes the family in the running host's order; another byte order is asked for here.
  if (!layout.sockaddrHasLength) view.setUint16(0, AF_CAN, littleEndian);
  view.setInt32(4, ifindex, littleEndian);
  if (tp) {
    view.setUint32(8, checkU32(tp.rxId, 'rx_id'), littleEndian);
    view.setUint32(12, checkU32(tp.txId, 'tx_id'), littleEndian);
  } else if (j1939) {
    if (typeof j1939.name !== 'bigint' || j1939.name < 0n || j1939.name > 0xffffffffffffffffn) throw invalidArgument(`sockaddr_can: J1939 name ${String(j1939.name)} is not a 64-bit value`);
    view.setBigUint64(8, j1939.name, littleEndian);
    view.setUint32(16, checkU32(j1939.pgn, 'pgn'), littleEndian);
    if (!Number.isInteger(j1939.addr) || j1939.addr < 0 || j1939.addr > 0xff) throw invalidArgument(`sockaddr_can: J1939 addr ${String(j1939.addr)} is not a byte`);
    bytes[20] = j1939.addr;
  }
  return bytes;
}

/**
 * Reads a `sockaddr_can` of `length` bytes (at least 8: family and ifindex). With `kind`, the
 * named union member is read (`'raw'`: none). Without it, the member is guessed: none when the
 * union is all zero, J1939 when any of its bytes 16..23 (pgn, addr) is set, else ISO-TP. The
 * guess is wrong for a J1939 address with pgn 0 and addr 0; pass `kind` where it matters.
 *
 * @throws `SocketError` `ERR_RXSOCK_DECODE` when shorter than 8 bytes or not AF_CAN.
 */
export function decodeCanAddress(bytes: Uint8Array, length = bytes.length, kind?: CanAddressKind, layout: SockaddrLayout = sockaddrLayouts.linux, littleEndian = hostIsLittleEndian): CanAddress {
  if (length < 8 || length > bytes.length) throw decodeError(`sockaddr_can: ${length} bytes is too short (at least 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const family = layout.sockaddrHasLength ? bytes[1]! : view.getUint16(0, littleEndian);
  if (family !== AF_CAN) throw decodeError(`sockaddr_can: family ${family} is not AF_CAN (${AF_CAN})`);
  const ifindex = view.getInt32(4, littleEndian);
  const address: CanAddress = { family: 'can', ifindex };
  const at = (i: number): number => (i < length ? bytes[i]! : 0);
  let k = kind;
  if (k === undefined) {
    let low = 0;
    let high = 0;
    for (let i = 8; i < 16; i++) low |= at(i);
    for (let i = 16; i < 24; i++) high |= at(i);
    k = high !== 0 ? 'j1939' : low !== 0 ? 'isotp' : 'raw';
  }
  // Fields past the reported length read as zero (the kernel reports 24; captures may cut it).
  const u32 = (i: number): number => (i + 4 <= length ? view.getUint32(i, littleEndian) : 0);
  if (k === 'isotp') address.tp = { rxId: u32(8), txId: u32(12) };
  else if (k === 'j1939') address.j1939 = { name: length >= 16 ? view.getBigUint64(8, littleEndian) : 0n, pgn: u32(16), addr: at(20) };
  return address;
}

/** Text for messages: `can:ifindex=3`, `can:ifindex=3,rx=0x7e8,tx=0x7e0`, `can:ifindex=3,name=0x..,pgn=0x..,addr=0x..`. */
export function formatCanAddress(address: CanAddress): string {
  let s = address.ifindex === 0 ? 'can:any' : `can:ifindex=${address.ifindex}`;
  if (address.tp) s += `,rx=0x${address.tp.rxId.toString(16)},tx=0x${address.tp.txId.toString(16)}`;
  if (address.j1939) s += `,name=0x${address.j1939.name.toString(16)},pgn=0x${address.j1939.pgn.toString(16)},addr=0x${address.j1939.addr.toString(16)}`;
  return s;
}

/** The codec core's registry holds for AF_CAN. */
export const canAddressCodec: AddressCodec<CanAddress> = {
  familyNumber: AF_CAN,
  familyName: 'can',
  encode: (address, layout) => encodeCanAddress(address, layout),
  decode: (bytes, length, layout) => decodeCanAddress(bytes, length, undefined, layout),
  format: formatCanAddress,
};

registerAddressCodec(canAddressCodec);
