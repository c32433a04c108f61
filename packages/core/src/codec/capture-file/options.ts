import { pad4, put16, put32, put64, u16, u32, u64, utf8, view, NO_OPTIONS, text } from './bytes.js';
import { badCapture, badRecord } from './errors.js';
import { PcapngOption, type CaptureOption } from './records.js';

/**
 * Reads the options of a block body from `start` to `end`. Stops at `opt_endofopt` or at the end;
 * an option whose value runs past the end is a decode error (padding that does is tolerated,
 * as Wireshark does).
 */
export function readOptions(b: Uint8Array, start: number, end: number, le: boolean, offset: number): readonly CaptureOption[] {
  if (end - start < 4) {
    if (end > start) throw badCapture(`${end - start} stray bytes where options should start`, offset);
    return NO_OPTIONS;
  }
  const options: CaptureOption[] = [];
  let off = start;
  while (end - off >= 4) {
    const code = u16(b, off, le);
    const length = u16(b, off + 2, le);
    if (code === PcapngOption.END_OF_OPT) break;
    off += 4;
    if (length > end - off) {
      throw badCapture(`option ${code} of ${length} bytes runs past the end of its block`, offset);
    }
    options.push({ code, value: view(b, off, off + length) });
    off += Math.min(pad4(length), end - off);
  }
  return options;
}

/** Typed-field helpers over a decoded option list. */
export class OptionReader {
  constructor(
    private readonly options: readonly CaptureOption[],
    private readonly le: boolean,
    private readonly offset: number,
  ) {}

  /** The first value with this code. */
  first(code: number): Uint8Array | undefined {
    for (const o of this.options) if (o.code === code) return o.value;
    return undefined;
  }

  /** A UTF-8 option. */
  text(code: number): string | undefined {
    const v = this.first(code);
    return v === undefined ? undefined : text(v);
  }

  /** Every value of a repeatable UTF-8 option (comments). */
  texts(code: number): readonly string[] {
    let out: string[] | undefined;
    for (const o of this.options) if (o.code === code) (out ??= []).push(text(o.value));
    return out ?? (NO_OPTIONS as readonly string[]);
  }

  /** A fixed-size numeric option; a value of the wrong size is a decode error. */
  private sized(code: number, size: number): Uint8Array | undefined {
    const v = this.first(code);
    if (v !== undefined && v.length !== size) {
      throw badCapture(`option ${code} has ${v.length} bytes, expected ${size}`, this.offset);
    }
    return v;
  }

  /** An 8-bit option. */
  u8(code: number): number | undefined {
    return this.sized(code, 1)?.[0];
  }

  /** A 32-bit option. */
  u32(code: number): number | undefined {
    const v = this.sized(code, 4);
    return v === undefined ? undefined : u32(v, 0, this.le);
  }

  /** A 64-bit option. */
  u64(code: number): bigint | undefined {
    const v = this.sized(code, 8);
    return v === undefined ? undefined : u64(v, 0, this.le);
  }

  /** A 64-bit timestamp stored as high and low 32-bit words (ISB start/end times). */
  ticks(code: number): bigint | undefined {
    const v = this.sized(code, 8);
    return v === undefined ? undefined : (BigInt(u32(v, 0, this.le)) << 32n) | BigInt(u32(v, 4, this.le));
  }
}

/** Collects the options a block will be written with: the given list, then typed fields whose code it lacks. */
export class OptionWriter {
  private readonly list: CaptureOption[];
  private readonly given: ReadonlySet<number>;

  constructor(
    given: readonly CaptureOption[] | undefined,
    private readonly le: boolean,
  ) {
    this.list = given ? [...given] : [];
    this.given = new Set(this.list.map((o) => o.code));
    for (const o of this.list) {
      if (!Number.isInteger(o.code) || o.code < 0 || o.code > 0xffff || !(o.value instanceof Uint8Array)) {
        throw badRecord(`an option needs a code 0..65535 and a Uint8Array value, got code ${String(o.code)}`);
      }
      if (o.value.length > 0xffff) throw badRecord(`option ${o.code} has ${o.value.length} bytes; 65535 is the most an option holds`);
    }
  }

  /** Adds raw bytes unless the given list has the code. */
  bytes(code: number, value: Uint8Array | undefined): this {
    if (value === undefined || this.given.has(code)) return this;
    if (value.length > 0xffff) throw badRecord(`option ${code} has ${value.length} bytes; 65535 is the most an option holds`);
    this.list.push({ code, value });
    return this;
  }

  /** Adds UTF-8 text. */
  text(code: number, value: string | undefined): this {
    return value === undefined ? this : this.bytes(code, utf8(value));
  }

  /** Adds each string as its own option (comments). */
  texts(code: number, values: readonly string[] | undefined): this {
    if (values === undefined || this.given.has(code)) return this;
    for (const v of values) this.bytes(code, utf8(v));
    return this;
  }

  /** Adds an 8-bit value. */
  u8(code: number, value: number | undefined, name: string): this {
    if (value === undefined) return this;
    checkInt(value, 0xff, name);
    return this.bytes(code, Uint8Array.of(value));
  }

  /** Adds a 32-bit value. */
  u32(code: number, value: number | undefined, name: string): this {
    if (value === undefined) return this;
    checkInt(value, 0xffffffff, name);
    const b = new Uint8Array(4);
    put32(b, 0, value, this.le);
    return this.bytes(code, b);
  }

  /** Adds a 64-bit value; `signed` allows negatives (two's complement). */
  u64(code: number, value: bigint | undefined, name: string, signed = false): this {
    if (value === undefined) return this;
    checkBig(value, name, signed);
    const b = new Uint8Array(8);
    put64(b, 0, value, this.le);
    return this.bytes(code, b);
  }

  /** Adds a 64-bit timestamp as high then low words. */
  ticks(code: number, value: bigint | undefined): this {
    if (value === undefined) return this;
    const b = new Uint8Array(8);
    put32(b, 0, Number((value >> 32n) & 0xffffffffn), this.le);
    put32(b, 4, Number(value & 0xffffffffn), this.le);
    return this.bytes(code, b);
  }

  /** Bytes the options take in a block, `opt_endofopt` included (0 when there are none). */
  get size(): number {
    if (this.list.length === 0) return 0;
    let n = 4;
    for (const o of this.list) n += 4 + pad4(o.value.length);
    return n;
  }

  /** Writes the options at `off` (the buffer is zero-filled, so padding is zero). */
  write(b: Uint8Array, off: number): void {
    if (this.list.length === 0) return;
    for (const o of this.list) {
      put16(b, off, o.code, this.le);
      put16(b, off + 2, o.value.length, this.le);
      b.set(o.value, off + 4);
      off += 4 + pad4(o.value.length);
    }
    // opt_endofopt: code 0, length 0, already zero.
  }
}

/** Refuses a number that is not an integer in [0, max]. */
export function checkInt(value: unknown, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRecord(`${name} must be an integer 0..${max}, got ${String(value)}`);
  }
  return value;
}

/** Refuses a bigint outside 64 bits. */
export function checkBig(value: unknown, name: string, signed = false): bigint {
  const ok =
    typeof value === 'bigint' &&
    (signed ? value >= -(1n << 63n) && value < 1n << 63n : value >= 0n && value < 1n << 64n);
  if (!ok) throw badRecord(`${name} must be a ${signed ? 'signed' : 'unsigned'} 64-bit bigint, got ${String(value)}`);
  return value as bigint;
}
