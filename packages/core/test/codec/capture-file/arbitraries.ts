// Arbitrary capture records for the property tests, and helpers that decode a byte stream cut
// into arbitrary chunks.
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  CaptureDecoder,
  CaptureFileError,
  TickClock,
  type CaptureDecoderOptions,
  type CaptureOption,
  type CaptureRecord,
  type TimestampResolution,
} from '../../../src/index.js';
import { applySplit, type Split } from '../../framing/chunks.js';

export { applySplit, splitArb, concat } from '../../framing/chunks.js';

/** Text without NULs at the end (a trailing NUL is dropped on read, as some writers add one). */
export const textArb = fc.string({ maxLength: 24 }).filter((s) => !s.endsWith('\0'));

export const dataArb = fc.uint8Array({ maxLength: 200 });

/** Custom options (code 2988: custom UTF-8, 19372 custom binary) and codes no typed field reads. */
export const genericOptionArb: fc.Arbitrary<CaptureOption> = fc.record({
  code: fc.constantFrom(2988, 2989, 19372, 19373, 0x7fff),
  value: fc.uint8Array({ maxLength: 40 }),
});

export const resolutionArb: fc.Arbitrary<TimestampResolution> = fc.oneof(
  fc.constantFrom<TimestampResolution>({ base: 10, exponent: 6 }, { base: 10, exponent: 9 }),
  fc.record({ base: fc.constant(10 as const), exponent: fc.integer({ min: 0, max: 19 }) }),
  fc.record({ base: fc.constant(2 as const), exponent: fc.integer({ min: 0, max: 63 }) }),
);

/** Ticks a u64 holds whose nanosecond value is not negative once the offset is added. */
export function ticksArb(resolution: TimestampResolution, tsOffset: bigint): fc.Arbitrary<bigint> {
  const clock = new TickClock(resolution, tsOffset);
  return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).filter((t) => clock.toNanoseconds(t) >= 0n);
}

/** Decodes `bytes` cut as `split` says; returns the records and the error code, if any. */
export function decodeSplit(
  bytes: Uint8Array,
  split: Split,
  options: CaptureDecoderOptions = {},
  usePush = false,
): { records: CaptureRecord[]; code: string | undefined; decoder: CaptureDecoder } {
  const decoder = new CaptureDecoder(options);
  const records: CaptureRecord[] = [];
  const limit = options.maxRecordSize ?? Infinity;
  const fail = (err: unknown) => {
    if (!(err instanceof CaptureFileError)) throw err;
    expect(err.code).toMatch(/^ERR_RXSOCK_(DECODE|FRAME_)/);
    return { records, code: err.code, decoder };
  };
  for (const chunk of applySplit(bytes, split)) {
    try {
      if (usePush) records.push(...decoder.push(chunk));
      else
        decoder.decode(chunk, (r) => {
          records.push(r);
        });
    } catch (err) {
      return fail(err);
    }
    // What is held never exceeds one record's worth.
    expect(decoder.buffered).toBeLessThan(Math.max(limit, 24));
  }
  try {
    decoder.end();
  } catch (err) {
    return fail(err);
  }
  return { records, code: undefined, decoder };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}
