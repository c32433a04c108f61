import { badCapture, badRecord } from './errors.js';
import type { TimestampResolution } from './records.js';

/** Nanoseconds per second. */
const NS = 1_000_000_000n;

/** Microseconds, pcapng's resolution when `if_tsresol` is absent. */
export const MICROSECONDS: TimestampResolution = Object.freeze({ base: 10, exponent: 6 });
/** Nanoseconds. */
export const NANOSECONDS: TimestampResolution = Object.freeze({ base: 10, exponent: 9 });

/**
 * Converts between an interface's ticks and nanoseconds with bigint arithmetic only (a float
 * cannot hold a nanosecond timestamp of this century: 2^53 ns is 104 days).
 */
export class TickClock {
  /** Ticks per second. */
  readonly unitsPerSecond: bigint;
  /** `tsOffset` in nanoseconds. */
  private readonly offsetNs: bigint;
  /** Nanosecond ticks without an offset: the common case, converted by doing nothing. */
  private readonly identity: boolean;
  /** Nanoseconds per tick when that is a whole number (resolutions of 1 ns or coarser in base 10), else 0n. */
  private readonly nsPerTick: bigint;

  /**
   * @param resolution - Ticks per second as `base ** exponent`.
   * @param tsOffset - Seconds added to every timestamp.
   */
  constructor(
    readonly resolution: TimestampResolution,
    readonly tsOffset = 0n,
  ) {
    this.unitsPerSecond = BigInt(resolution.base) ** BigInt(resolution.exponent);
    this.offsetNs = tsOffset * NS;
    this.nsPerTick = NS % this.unitsPerSecond === 0n ? NS / this.unitsPerSecond : 0n;
    this.identity = this.nsPerTick === 1n && this.offsetNs === 0n;
  }

  /** Nanoseconds since the epoch of a stored tick count (rounded down when a tick is not a whole number of ns). */
  toNanoseconds(ticks: bigint): bigint {
    if (this.identity) return ticks;
    const ns = this.nsPerTick !== 0n ? ticks * this.nsPerTick : (ticks * NS) / this.unitsPerSecond;
    return ns + this.offsetNs;
  }

  /** The tick count that stores a time in nanoseconds (rounded down to a whole tick). */
  toTicks(timestamp: bigint): bigint {
    const ns = timestamp - this.offsetNs;
    if (this.nsPerTick !== 0n) {
      // Floor division for negative values too, so that ticks never exceed the time.
      const q = ns / this.nsPerTick;
      return ns < 0n && q * this.nsPerTick !== ns ? q - 1n : q;
    }
    const scaled = ns * this.unitsPerSecond;
    const q = scaled / NS;
    return scaled < 0n && q * NS !== scaled ? q - 1n : q;
  }
}

/** Decodes `if_tsresol`'s byte: top bit clear is a power of 10, set a power of 2. */
export function decodeResolution(byte: number): TimestampResolution {
  return (byte & 0x80) !== 0 ? { base: 2, exponent: byte & 0x7f } : { base: 10, exponent: byte };
}

/** Encodes a resolution as `if_tsresol`'s byte, refusing one it cannot express. */
export function encodeResolution(resolution: TimestampResolution): number {
  const { base, exponent } = resolution;
  if ((base !== 10 && base !== 2) || !Number.isInteger(exponent) || exponent < 0 || exponent > 127) {
    throw badRecord(`tsResolution must be { base: 10 | 2, exponent: 0..127 }, got ${JSON.stringify(resolution)}`);
  }
  return base === 2 ? 0x80 | exponent : exponent;
}

/** Refuses an `if_tsresol` whose ticks a 64-bit counter could not hold for even a second's range. */
export function checkResolution(resolution: TimestampResolution, offset: number): TimestampResolution {
  // 10^19 and 2^64 overflow a u64 within one second; libpcap refuses them too.
  if ((resolution.base === 10 && resolution.exponent > 19) || (resolution.base === 2 && resolution.exponent > 63)) {
    throw badCapture(`if_tsresol ${resolution.base}^-${resolution.exponent} is finer than a 64-bit timestamp can hold`, offset);
  }
  return resolution;
}
