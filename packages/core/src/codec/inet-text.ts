/**
 * IP address text <-> bytes, in TypeScript rather than through libc: a koffi call costs more than
 * parsing a few characters, and these run on every address the user hands us.
 *
 * The grammar follows glibc exactly (its `inet_pton`, `inet_ntop` and `inet_aton`), because that
 * is what Python's socket module exposes on Linux and what users compare our output with.
 */
import { type SocketError, invalidArgument } from '../errors.js';
import { C } from '../sys/index.js';

/** An address family given by name or by its platform number (`C.AF_INET`, `C.AF_INET6`). */
export type IpFamily = 'inet' | 'inet6' | number;

function familyName(family: IpFamily, fn: string): 'inet' | 'inet6' {
  if (family === 'inet' || family === C.AF_INET) return 'inet';
  if (family === 'inet6' || family === C.AF_INET6) return 'inet6';
  // Python raises OSError(EAFNOSUPPORT) here; EINVAL keeps every bad argument under one code.
  throw invalidArgument(`${fn}: unsupported address family ${String(family)}`, fn);
}

function illegal(fn: string): never {
  // Python's wording, so messages read the same to people porting code.
  throw invalidArgument(`illegal IP address string passed to ${fn}`, fn);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** glibc's inet_pton4: four decimal octets, no leading zeros (they would read as octal elsewhere). */
function parseIPv4Strict(text: string, start: number, out: Uint8Array, at: number): boolean {
  let octets = 0;
  let sawDigit = false;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (sawDigit && value === 0) return false;
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      if (!sawDigit) {
        if (++octets > 4) return false;
        sawDigit = true;
      }
      out[at + octets - 1] = value;
    } else if (c === 0x2e && sawDigit) {
      if (octets === 4) return false;
      sawDigit = false;
      value = 0;
    } else {
      return false;
    }
  }
  return octets === 4 && sawDigit;
}

/** glibc's inet_pton6, transcribed so that edge cases ('1::', '::1.2.3.4', 5-digit groups) agree. */
function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const n = text.length;
  if (n === 0) return undefined;
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (n < 2 || text.charCodeAt(1) !== 0x3a) return undefined;
    i = 1;
  }
  let tp = 0;
  let colonAt = -1;
  let token = i;
  let digits = 0;
  let value = 0;
  while (i < n) {
    const c = text.charCodeAt(i++);
    const d = hexValue(c);
    if (d >= 0) {
      if (digits === 4) return undefined;
      value = (value << 4) | d;
      digits++;
      continue;
    }
    if (c === 0x3a) {
      token = i;
      if (digits === 0) {
        if (colonAt >= 0) return undefined;
        colonAt = tp;
        continue;
      }
      if (i === n) return undefined;
      if (tp + 2 > 16) return undefined;
      out[tp++] = value >>> 8;
      out[tp++] = value & 0xff;
      digits = 0;
      value = 0;
      continue;
    }
    if (c === 0x2e && tp + 4 <= 16 && parseIPv4Strict(text, token, out, tp)) {
      tp += 4;
      digits = 0;
      break;
    }
    return undefined;
  }
  if (digits > 0) {
    if (tp + 2 > 16) return undefined;
    out[tp++] = value >>> 8;
    out[tp++] = value & 0xff;
  }
  if (colonAt >= 0) {
    if (tp === 16) return undefined;
    const tail = tp - colonAt;
    out.copyWithin(16 - tail, colonAt, tp);
    out.fill(0, colonAt, 16 - tail);
    tp = 16;
  }
  return tp === 16 ? out : undefined;
}

function parseIPv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIPv4Strict(text, 0, out, 0) ? out : undefined;
}

/**
 * Parses an IP address in its standard text form, like `inet_pton(3)`: IPv4 as a dotted quad
 * only (use {@link inetAton} for '127.1' and friends); IPv6 with '::' compression and an
 * optional embedded IPv4 tail, without a zone ('%eth0').
 *
 * @returns 4 bytes for IPv4, 16 for IPv6, in network order.
 * @throws {@link SocketError} `EINVAL` for text that is not an address of that family.
 */
export function inetPton(family: IpFamily, text: string): Uint8Array {
  const name = familyName(family, 'inet_pton');
  if (typeof text !== 'string') illegal('inet_pton');
  const bytes = name === 'inet' ? parseIPv4(text) : parseIPv6(text);
  return bytes ?? illegal('inet_pton');
}

/** @internal The dotted quad of the 4 bytes at `at`, unchecked (callers know the length). */
export function formatIPv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * @internal RFC 5952 text of the 16 bytes at `at`, with glibc's choice of when to print an IPv4
 * tail; unchecked (callers know the length).
 */
export function formatIPv6(bytes: Uint8Array, at = 0): string {
  const words: number[] = [];
  for (let w = 0; w < 8; w++) words.push(((bytes[at + 2 * w] ?? 0) << 8) | (bytes[at + 2 * w + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let w = 0; w <= 8; w++) {
    if (w < 8 && words[w] === 0) {
      if (curBase < 0) (curBase = w), (curLen = 1);
      else curLen++;
    } else if (curBase >= 0) {
      // Strictly longer: on ties the leftmost run wins (RFC 5952 section 4.2.3).
      if (curLen > bestLen) (bestBase = curBase), (bestLen = curLen);
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let w = 0; w < 8; w++) {
    if (bestBase >= 0 && w >= bestBase && w < bestBase + bestLen) {
      if (w === bestBase) out += ':';
      continue;
    }
    if (w !== 0) out += ':';
    // glibc prints the IPv4 tail for v4-mapped (::ffff:a.b.c.d) and v4-compatible (::a.b.c.d)
    // addresses; '::' and '::1' have longer zero runs and so never reach this test.
    if (w === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIPv4(bytes, at + 12);
    }
    out += (words[w] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/**
 * Formats a packed IP address, like `inet_ntop(3)`: dotted quad for IPv4, RFC 5952 canonical
 * text for IPv6 (lowercase, the longest run of two or more zero groups compressed, leftmost on
 * ties, `::ffff:a.b.c.d` for v4-mapped addresses as glibc prints them).
 *
 * @throws {@link SocketError} `EINVAL` when `bytes` is not 4 (IPv4) or 16 (IPv6) bytes long.
 */
export function inetNtop(family: IpFamily, bytes: Uint8Array): string {
  const name = familyName(family, 'inet_ntop');
  const want = name === 'inet' ? 4 : 16;
  if (!(bytes instanceof Uint8Array) || bytes.length !== want) {
    throw invalidArgument(`inet_ntop: packed ${name === 'inet' ? 'IPv4' : 'IPv6'} address must be ${want} bytes`, 'inet_ntop');
  }
  return name === 'inet' ? formatIPv4(bytes, 0) : formatIPv6(bytes);
}

/** The characters C's `isspace` accepts in the "C" locale; glibc stops parsing at any of them. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * One number as `strtoul(s, &end, 0)` reads it: 0x-prefixed hex, 0-prefixed octal, else
 * decimal. Returns the value (Infinity past 32 bits) and where it stopped.
 */
function readCNumber(text: string, start: number): { value: number; end: number } {
  let i = start;
  let base = 10;
  if (text.charCodeAt(i) === 0x30) {
    const x = text.charCodeAt(i + 1);
    // strtoul only takes "0x" as a prefix when a hex digit follows; "0x" alone reads as 0.
    if ((x === 0x78 || x === 0x58) && hexValue(text.charCodeAt(i + 2)) >= 0) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  let value = 0;
  for (; i < text.length; i++) {
    const d = hexValue(text.charCodeAt(i));
    if (d < 0 || d >= base) break;
    value = value * base + d;
    if (value > 0xffffffff) value = Infinity;
  }
  return { value, end: i };
}

/**
 * Parses an IPv4 address in any form `inet_aton(3)` accepts, as Python's `socket.inet_aton`
 * does: 1 to 4 parts separated by dots, each decimal, octal (leading 0) or hex (0x), the last
 * part filling the remaining bytes ('127.1', '0x7f.1', '0177.0.0.1', '2130706433'). Like glibc,
 * anything after a whitespace character is ignored.
 *
 * @returns 4 bytes in network order.
 * @throws {@link SocketError} `EINVAL` for anything else.
 */
export function inetAton(text: string): Uint8Array {
  // A C string ends at NUL; Python refuses embedded NULs rather than silently truncating.
  if (typeof text !== 'string' || text.includes('\0')) illegal('inet_aton');
  const parts: number[] = [];
  let i = 0;
  let last: number;
  for (;;) {
    if (!isDigit(text.charCodeAt(i))) illegal('inet_aton');
    const { value, end } = readCNumber(text, i);
    if (value > 0xffffffff) illegal('inet_aton');
    i = end;
    if (text.charCodeAt(i) === 0x2e) {
      if (parts.length > 2 || value > 0xff) illegal('inet_aton');
      parts.push(value);
      i++;
      continue;
    }
    last = value;
    break;
  }
  if (i < text.length && !isAsciiSpace(text.charCodeAt(i))) illegal('inet_aton');
  const maxLast = [0xffffffff, 0xffffff, 0xffff, 0xff][parts.length] ?? 0;
  if (last > maxLast) illegal('inet_aton');
  // The leading parts are whole bytes from the top; the last one fills whatever is left.
  const word = parts.reduce((acc, p, k) => acc + p * 2 ** (24 - 8 * k), 0) + last;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, word);
  return out;
}

/**
 * Formats 4 bytes as a dotted quad, like Python's `socket.inet_ntoa`.
 *
 * @throws {@link SocketError} `EINVAL` when `bytes` is not exactly 4 bytes long.
 */
export function inetNtoa(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 4) {
    throw invalidArgument('inet_ntoa: packed IP wrong length', 'inet_ntoa');
  }
  return formatIPv4(bytes, 0);
}

/** Whether `text` is an IPv4 dotted quad that {@link inetPton} accepts. */
export function isIPv4(text: string): boolean {
  return typeof text === 'string' && parseIPv4(text) !== undefined;
}

/**
 * Whether `text` is IPv6 text that {@link inetPton} accepts. Unlike Node's `net.isIPv6`, a zone
 * suffix ('fe80::1%eth0') is refused: the zone belongs in `scopeId`, as in `inet_pton(3)`.
 */
export function isIPv6(text: string): boolean {
  return typeof text === 'string' && parseIPv6(text) !== undefined;
}

/** The family of an IP literal, or undefined when `text` is neither IPv4 nor IPv6 text. */
export function ipFamily(text: string): 'inet' | 'inet6' | undefined {
  if (isIPv4(text)) return 'inet';
  if (isIPv6(text)) return 'inet6';
  return undefined;
}
