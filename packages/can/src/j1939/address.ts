/**
 * J1939 addresses: a node is a NAME and/or an 8-bit address; a message is further named by its
 * PGN. These helpers fill `sockaddr_can`'s j1939 member with the kernel's "none" values and check
 * what the kernel would refuse with a bare EINVAL, so the error can say why.
 */
import { invalidArgument } from '@rxsock/core';
import { canAddress, type CanAddress, type CanJ1939Address } from '../codec/address.js';
import { hostIsLittleEndian } from '@rxsock/core';
import { J1939_NO_ADDR, J1939_NO_NAME, J1939_NO_PGN, J1939_PGN_MAX } from './constants.js';

/** A J1939 node or destination: any of NAME, address and PGN (missing ones are "none"). */
export interface J1939Endpoint {
  /** 64-bit NAME (0n / missing: none). */
  readonly name?: bigint;
  /** 8-bit address (J1939_NO_ADDR 0xFF / missing: none; as a destination, broadcast). */
  readonly addr?: number;
  /** Parameter group number (J1939_NO_PGN 0x40000 / missing: none). */
  readonly pgn?: number;
}

/**
 * Checks a PGN: 0..0x3ffff, or J1939_NO_PGN when `allowNone`.
 * @throws `SocketError` `EINVAL`.
 */
export function checkPgn(pgn: number, allowNone: boolean, syscall?: string): number {
  if (Number.isInteger(pgn) && ((pgn >= 0 && pgn <= J1939_PGN_MAX) || (allowNone && pgn === J1939_NO_PGN))) return pgn;
  throw invalidArgument(`J1939 PGN ${String(pgn)} out of range 0..0x3ffff${allowNone ? ' (or J1939_NO_PGN 0x40000)' : ''}`, syscall);
}

/** True for a PDU1 PGN (PDU format below 0xF0): its low byte is the destination, not part of the PGN. */
export function isPdu1(pgn: number): boolean {
  return ((pgn >> 8) & 0xff) < 0xf0;
}

/**
 * The `sockaddr_can` of a J1939 endpoint on `ifindex`, missing fields as the kernel's "none".
 * @throws `SocketError` `EINVAL` for a NAME, address or PGN out of range.
 */
export function j1939Address(ifindex: number, endpoint: J1939Endpoint = {}, syscall?: string): CanAddress {
  const name = endpoint.name ?? J1939_NO_NAME;
  if (typeof name !== 'bigint' || name < 0n || name > 0xffffffffffffffffn) throw invalidArgument(`J1939 NAME ${String(name)} is not a 64-bit value`, syscall);
  const addr = endpoint.addr ?? J1939_NO_ADDR;
  if (!Number.isInteger(addr) || addr < 0 || addr > 0xff) throw invalidArgument(`J1939 address ${String(addr)} is not a byte (0..0xFF)`, syscall);
  const pgn = checkPgn(endpoint.pgn ?? J1939_NO_PGN, true, syscall);
  return canAddress(ifindex, { j1939: { name, pgn, addr } });
}

/**
 * The j1939 member of an address decoded by core's registry, which guesses the union member
 * from the bytes: an address with pgn 0 and addr 0 decodes without it (then the NAME was 0) or
 * as ISO-TP ids (then those ids are the NAME's two halves). Lossless for every case.
 */
export function j1939Part(address: CanAddress | null): CanJ1939Address {
  if (!address) return { name: 0n, pgn: J1939_NO_PGN, addr: J1939_NO_ADDR };
  if (address.j1939) return address.j1939;
  if (address.tp) {
    const lo = BigInt(address.tp.rxId >>> 0);
    const hi = BigInt(address.tp.txId >>> 0);
    // The NAME is one host-order u64 over the bytes the ids were read from (two host-order u32s).
    return { name: hostIsLittleEndian ? (hi << 32n) | lo : (lo << 32n) | hi, pgn: 0, addr: 0 };
  }
  return { name: 0n, pgn: 0, addr: 0 };
}
