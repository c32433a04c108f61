// Field access for both byte orders without a DataView per record: captures are read at rates
// where a DataView (or a Buffer) per packet is most of the cost.

/** Unsigned 16-bit field. */
export function u16(b: Uint8Array, off: number, le: boolean): number {
  return le ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
}

/** Unsigned 32-bit field; the multiply keeps values >= 2^31 positive. */
export function u32(b: Uint8Array, off: number, le: boolean): number {
  return le
    ? b[off + 3]! * 0x1000000 + ((b[off + 2]! << 16) | (b[off + 1]! << 8) | b[off]!)
    : b[off]! * 0x1000000 + ((b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!);
}

/** Unsigned 64-bit field. */
export function u64(b: Uint8Array, off: number, le: boolean): bigint {
  const first = u32(b, off, le);
  const second = u32(b, off + 4, le);
  return le ? (BigInt(second) << 32n) | BigInt(first) : (BigInt(first) << 32n) | BigInt(second);
}

/** Writes an unsigned 16-bit field. */
export function put16(b: Uint8Array, off: number, v: number, le: boolean): void {
  if (le) {
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
  } else {
    b[off] = (v >>> 8) & 0xff;
    b[off + 1] = v & 0xff;
  }
}

/** Writes an unsigned 32-bit field. */
export function put32(b: Uint8Array, off: number, v: number, le: boolean): void {
  if (le) {
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
    b[off + 2] = (v >>> 16) & 0xff;
    b[off + 3] = (v >>> 24) & 0xff;
  } else {
    b[off] = (v >>> 24) & 0xff;
    b[off + 1] = (v >>> 16) & 0xff;
    b[off + 2] = (v >>> 8) & 0xff;
    b[off + 3] = v & 0xff;
  }
}

/** Writes an unsigned 64-bit field (taken modulo 2^64). */
export function put64(b: Uint8Array, off: number, v: bigint, le: boolean): void {
  const hi = Number((v >> 32n) & 0xffffffffn);
  const lo = Number(v & 0xffffffffn);
  put32(b, off, le ? lo : hi, le);
  put32(b, off + 4, le ? hi : lo, le);
}

/** Rounds a length up to the 32-bit boundary pcapng pads to. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** Option text: UTF-8, not NUL-terminated per the spec, though some writers add one; it is dropped. */
export function text(b: Uint8Array): string {
  const end = b.length > 0 && b[b.length - 1] === 0 ? b.length - 1 : b.length;
  return utf8Decoder.decode(end === b.length ? b : b.subarray(0, end));
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** A plain Uint8Array view (never a Buffer, whose subarray costs more). */
export function view(b: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
}

/** Shared empty lists for records without comments or options. */
export const NO_STRINGS: readonly string[] = Object.freeze([]);
/** See {@link NO_STRINGS}. */
export const NO_OPTIONS: readonly never[] = Object.freeze([]);

/** Whether this machine is little-endian (the byte order libpcap writes in). */
export const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
