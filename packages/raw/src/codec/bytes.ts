/**
 * Big-endian field access over plain byte arrays, and the text forms of link and IP addresses.
 * Views read fields straight from the packet bytes with these, so decoding allocates nothing
 * until a caller asks for text.
 */
import { inetNtop, inetPton, invalidArgument } from '@rxsock/core';

/** @internal */
export function u16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

/** @internal */
export function u32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

/** @internal */
export function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** @internal */
export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Formats `length` bytes at `at` as colon-separated lowercase hex, the way `ip link` prints a MAC. */
export function formatMac(bytes: Uint8Array, at = 0, length = 6): string {
  let out = '';
  for (let i = 0; i < length; i++) out += (i ? ':' : '') + HEX[bytes[at + i] as number];
  return out;
}

/**
 * Parses a link-layer address written as hex bytes separated by `:` or `-` (`'02:00:5e:10:00:01'`).
 *
 * @throws `SocketError` (from `@rxsock/core`) `EINVAL` for anything else.
 */
export function parseMac(text: string, length = 6): Uint8Array {
  const parts = typeof text === 'string' ? text.split(/[:-]/) : [];
  if (parts.length !== length || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw invalidArgument(`not a ${length}-byte link-layer address: ${String(text)}`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** @internal Dotted quad of the 4 bytes at `at`. */
export function ipv4Text(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** @internal RFC 5952 text of the 16 bytes at `at`. */
export function ipv6Text(b: Uint8Array, at: number): string {
  return inetNtop('inet6', b.subarray(at, at + 16));
}

/** @internal Writes an address given as text or bytes; `EINVAL` names the field. */
export function putAddress(b: Uint8Array, at: number, family: 4 | 6, value: string | Uint8Array, field: string): void {
  const size = family === 4 ? 4 : 16;
  let bytes: Uint8Array;
  if (typeof value === 'string') {
    try {
      bytes = inetPton(family === 4 ? 'inet' : 'inet6', value);
    } catch {
      throw invalidArgument(`${field}: not an IPv${family} address: ${value}`);
    }
  } else if (value instanceof Uint8Array && value.length === size) bytes = value;
  else throw invalidArgument(`${field}: expected IPv${family} text or ${size} bytes`);
  b.set(bytes, at);
}

/** @internal Checks an integer field before it is written. */
export function checkField(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw invalidArgument(`${field} must be an integer in 0..${max}, got ${String(value)}`);
  }
  return value;
}
