/**
 * The separation time byte (STmin) of ISO 15765-2 flow control frames: 0x00..0x7F are 0..127
 * milliseconds, 0xF1..0xF9 are 100..900 microseconds; every other value is reserved (a sender
 * reading one uses 127 ms).
 */
import { decodeError, invalidArgument } from '@rxsock/core';

/**
 * The STmin byte for a separation time in microseconds.
 * @throws `SocketError` `EINVAL` for a time STmin cannot express (not 0..127 whole
 * milliseconds nor 100..900 in steps of 100 microseconds).
 */
export function encodeStMin(microseconds: number, what = 'separationTimeUs'): number {
  if (Number.isInteger(microseconds) && microseconds >= 100 && microseconds <= 900 && microseconds % 100 === 0) return 0xf0 + microseconds / 100;
  if (Number.isInteger(microseconds) && microseconds >= 0 && microseconds <= 127_000 && microseconds % 1000 === 0) return microseconds / 1000;
  throw invalidArgument(`${what} ${String(microseconds)}: STmin takes 0..127000 us in whole milliseconds, or 100..900 us in steps of 100`, 'setsockopt');
}

/**
 * The separation time in microseconds of an STmin byte.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for a reserved value (0x80..0xF0, 0xFA..0xFF).
 */
export function decodeStMin(byte: number): number {
  if (Number.isInteger(byte) && byte >= 0 && byte <= 0x7f) return byte * 1000;
  if (Number.isInteger(byte) && byte >= 0xf1 && byte <= 0xf9) return (byte - 0xf0) * 100;
  throw decodeError(`STmin 0x${Number(byte).toString(16)} is reserved (0x00-0x7F: ms, 0xF1-0xF9: 100-900 us)`);
}
