/**
 * `struct j1939_filter` (32 bytes on every ABI: name u64 @0, name_mask u64 @8, pgn u32 @16,
 * pgn_mask u32 @20, addr u8 @24, addr_mask u8 @25, 6 bytes of padding to the u64 alignment),
 * the value of SO_J1939_FILTER. A message passes a socket's filters when it matches any one;
 * a field whose mask is 0 matches everything.
 */
import { decodeError, hostIsLittleEndian, invalidArgument } from '@rxsock/core';
import { J1939_FILTER_MAX, J1939_PGN_MAX } from './constants.js';

/** Bytes of one `struct j1939_filter`. */
export const J1939_FILTER_SIZE = 32;

/**
 * One receive filter. Only the fields given take part: `{ pgn: 0xfecA }` passes that PGN from
 * any sender. A `*Mask` selects which bits of its field are compared (default: all of them).
 */
export interface J1939Filter {
  /** The sender's 64-bit NAME. */
  readonly name?: bigint;
  /** Bits of {@link J1939Filter.name} compared; default all 64 when `name` is given. */
  readonly nameMask?: bigint;
  /** The parameter group number (18 bits). */
  readonly pgn?: number;
  /** Bits of {@link J1939Filter.pgn} compared; default 0x3ffff when `pgn` is given. */
  readonly pgnMask?: number;
  /** The sender's source address. */
  readonly addr?: number;
  /** Bits of {@link J1939Filter.addr} compared; default 0xff when `addr` is given. */
  readonly addrMask?: number;
}

/** A filter as the kernel holds it: every field and mask explicit. */
export interface RawJ1939Filter {
  readonly name: bigint;
  readonly nameMask: bigint;
  readonly pgn: number;
  readonly pgnMask: number;
  readonly addr: number;
  readonly addrMask: number;
}

const U64_MAX = 0xffffffffffffffffn;

function checkU64(value: bigint, what: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) throw invalidArgument(`j1939_filter: ${what} ${String(value)} is not a 64-bit value`, 'setsockopt');
  return value;
}

function checkRange(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalidArgument(`j1939_filter: ${what} ${String(value)} out of range 0..0x${max.toString(16)}`, 'setsockopt');
  return value;
}

/** The explicit form of a filter (defaults filled in, ranges checked). @throws `SocketError` `EINVAL`. */
export function rawJ1939Filter(filter: J1939Filter): RawJ1939Filter {
  if (filter === null || typeof filter !== 'object') throw invalidArgument('j1939_filter: a filter is an object', 'setsockopt');
  return {
    name: checkU64(filter.name ?? 0n, 'name'),
    nameMask: checkU64(filter.nameMask ?? (filter.name === undefined ? 0n : U64_MAX), 'nameMask'),
    pgn: checkRange(filter.pgn ?? 0, J1939_PGN_MAX, 'pgn'),
    pgnMask: checkRange(filter.pgnMask ?? (filter.pgn === undefined ? 0 : J1939_PGN_MAX), 0xffffffff, 'pgnMask'),
    addr: checkRange(filter.addr ?? 0, 0xff, 'addr'),
    addrMask: checkRange(filter.addrMask ?? (filter.addr === undefined ? 0 : 0xff), 0xff, 'addrMask'),
  };
}

/**
 * The SO_J1939_FILTER value for `filters` (an empty list: no bytes, which the kernel reads as
 * "no filter": everything passes).
 * @throws `SocketError` `EINVAL` for a field out of range or more than 512 filters.
 */
export function encodeJ1939Filters(filters: readonly J1939Filter[], littleEndian = hostIsLittleEndian): Uint8Array {
  if (!Array.isArray(filters)) throw invalidArgument('j1939 filters must be an array', 'setsockopt');
  if (filters.length > J1939_FILTER_MAX) throw invalidArgument(`${filters.length} J1939 filters, at most ${J1939_FILTER_MAX}`, 'setsockopt');
  const bytes = new Uint8Array(filters.length * J1939_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  filters.forEach((f, i) => {
    const r = rawJ1939Filter(f);
    const at = i * J1939_FILTER_SIZE;
    view.setBigUint64(at, r.name, littleEndian);
    view.setBigUint64(at + 8, r.nameMask, littleEndian);
    view.setUint32(at + 16, r.pgn, littleEndian);
    view.setUint32(at + 20, r.pgnMask >>> 0, littleEndian);
    bytes[at + 24] = r.addr;
    bytes[at + 25] = r.addrMask;
  });
  return bytes;
}

/**
 * Reads SO_J1939_FILTER bytes back (for tests and tools; the kernel has no getsockopt for it).
 * @throws `SocketError` `ERR_RXSOCK_DECODE` when the length is not a multiple of 32 or above 512 filters.
 */
export function decodeJ1939Filters(bytes: Uint8Array, littleEndian = hostIsLittleEndian): RawJ1939Filter[] {
  if (!(bytes instanceof Uint8Array)) throw decodeError('j1939_filter: expected bytes');
  if (bytes.length % J1939_FILTER_SIZE !== 0) throw decodeError(`j1939_filter: ${bytes.length} bytes is not a multiple of ${J1939_FILTER_SIZE}`);
  if (bytes.length / J1939_FILTER_SIZE > J1939_FILTER_MAX) throw decodeError(`j1939_filter: more than ${J1939_FILTER_MAX} filters`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RawJ1939Filter[] = [];
  for (let at = 0; at < bytes.length; at += J1939_FILTER_SIZE) {
    out.push({
      name: view.getBigUint64(at, littleEndian),
      nameMask: view.getBigUint64(at + 8, littleEndian),
      pgn: view.getUint32(at + 16, littleEndian),
      pgnMask: view.getUint32(at + 20, littleEndian),
      addr: bytes[at + 24]!,
      addrMask: bytes[at + 25]!,
    });
  }
  return out;
}
