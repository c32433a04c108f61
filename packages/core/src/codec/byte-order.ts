/**
 * Host/network byte order conversions with Python's `socket.htons` family as the parity list.
 *
 * JS has no unsigned 16/32-bit integer type, so out-of-range values are refused instead of being
 * silently truncated the way a C cast would: Python raises OverflowError for the same inputs.
 */
import { endianness } from 'node:os';
import { type SocketError, invalidArgument } from '../errors.js';

/** Whether this host stores integers little-endian; network order is big-endian. */
export const hostIsLittleEndian: boolean = endianness() === 'LE';

function checkUnsigned(value: number, max: number, fn: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidArgument(`${fn}: expected an integer, got ${String(value)}`, fn, 'ERR_INVALID_ARG_TYPE');
  }
  if (value < 0 || value > max) {
    throw invalidArgument(`${fn}: ${value} is out of range 0..${max}`, fn, 'ERR_OUT_OF_RANGE');
  }
}

function swap16(value: number): number {
  return ((value & 0xff) << 8) | (value >>> 8);
}

function swap32(value: number): number {
  // `>>> 0` keeps the result unsigned: bitwise operators in JS produce signed 32-bit values.
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

/**
 * Converts a 16-bit value from host to network byte order.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` outside 0..65535, `ERR_INVALID_ARG_TYPE` for a non-integer.
 */
export function htons(value: number): number {
  checkUnsigned(value, 0xffff, 'htons');
  return hostIsLittleEndian ? swap16(value) : value;
}

/**
 * Converts a 16-bit value from network to host byte order.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` outside 0..65535, `ERR_INVALID_ARG_TYPE` for a non-integer.
 */
export function ntohs(value: number): number {
  checkUnsigned(value, 0xffff, 'ntohs');
  return hostIsLittleEndian ? swap16(value) : value;
}

/**
 * Converts a 32-bit value from host to network byte order.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` outside 0..2^32-1, `ERR_INVALID_ARG_TYPE` for a non-integer.
 */
export function htonl(value: number): number {
  checkUnsigned(value, 0xffffffff, 'htonl');
  return hostIsLittleEndian ? swap32(value) : value;
}

/**
 * Converts a 32-bit value from network to host byte order.
 *
 * @throws {@link SocketError} `ERR_OUT_OF_RANGE` outside 0..2^32-1, `ERR_INVALID_ARG_TYPE` for a non-integer.
 */
export function ntohl(value: number): number {
  checkUnsigned(value, 0xffffffff, 'ntohl');
  return hostIsLittleEndian ? swap32(value) : value;
}
