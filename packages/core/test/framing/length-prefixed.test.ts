import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketError } from '../../src/errors.js';
import {
  FrameError,
  FrameErrorCode,
  LengthPrefixEncoder,
  LengthPrefixedDecoder,
  encodeLengthPrefixed,
  lengthPrefixHeader,
  type LengthPrefixFormat,
} from '../../src/stream/framing/index.js';
import { type Outcome, applySplit, concat, expectFrames, largestChunk, run, splitArb } from './chunks.js';

const formatArb: fc.Arbitrary<Required<LengthPrefixFormat>> = fc.record({
  header: fc.constantFrom(1 as const, 2 as const, 4 as const),
  endian: fc.constantFrom('be' as const, 'le' as const),
  lengthIncludesHeader: fc.boolean(),
  adjust: fc.oneof(fc.constant(0), fc.integer({ min: -6, max: 6 })),
});

/** The payload lengths a format can carry: field value = length - bias must lie in [0, fieldMax]. */
function lengthRange(format: Required<LengthPrefixFormat>): [number, number] {
  const bias = format.adjust - (format.lengthIncludesHeader ? format.header : 0);
  const fieldMax = 2 ** (8 * format.header) - 1;
  return [Math.max(0, bias), fieldMax + bias];
}

/** A straightforward reading of the whole stream at once, to compare the incremental decoder with. */
function reference(bytes: Uint8Array, format: Required<LengthPrefixFormat>, maxFrame: number): Outcome {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = format.endian === 'le';
  const bias = format.adjust - (format.lengthIncludesHeader ? format.header : 0);
  const frames: Uint8Array[] = [];
  let off = 0;
  for (;;) {
    if (off === bytes.length) return { frames, code: undefined };
    if (bytes.length - off < format.header) return { frames, code: FrameErrorCode.TRUNCATED };
    const field =
      format.header === 1 ? view.getUint8(off) : format.header === 2 ? view.getUint16(off, le) : view.getUint32(off, le);
    const length = field + bias;
    if (length > maxFrame) return { frames, code: FrameErrorCode.TOO_LARGE };
    if (length < 0) return { frames, code: FrameErrorCode.INVALID };
    off += format.header;
    if (bytes.length - off < length) return { frames, code: FrameErrorCode.TRUNCATED };
    frames.push(bytes.slice(off, off + length));
    off += length;
  }
}

describe('LengthPrefixedDecoder', () => {
  it('decodes any frames under any chunking, for every header size, byte order and length rule', () => {
    fc.assert(
      fc.property(
        formatArb,
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.nat({ max: 40 }),
        splitArb,
        fc.boolean(),
        fc.boolean(),
        (format, raw, slack, split, usePush, twoChunks) => {
          const [min, max] = lengthRange(format);
          const frames = raw.map((f) => {
            const cut = f.subarray(0, Math.min(f.length, max));
            return cut.length >= min ? cut : concat([cut, new Uint8Array(min - cut.length)]);
          });
          const maxFrame = Math.max(0, ...frames.map((f) => f.length)) + slack;
          const encoder = new LengthPrefixEncoder({ ...format, maxFrame });
          const parts = frames.flatMap((f) => {
            const whole = encodeLengthPrefixed(f, format);
            expect(whole).toEqual(concat([lengthPrefixHeader(f.length, format), f]));
            return twoChunks ? [encoder.header(f.length), f] : [encoder.encode(f)];
          });
          const chunks = applySplit(concat(parts), split);
          // Only the payload in progress is held (header bytes are parsed out), so this bound is
          // tighter than maxFrame + largest chunk whenever maxFrame >= header - 1.
          const bound = Math.max(maxFrame - 1, format.header - 1);
          expect(bound).toBeLessThanOrEqual(maxFrame + Math.max(largestChunk(chunks), format.header - 1));
          const outcome = run(new LengthPrefixedDecoder({ ...format, maxFrame }), chunks, usePush, bound);
          expect(outcome.code).toBeUndefined();
          expectFrames(outcome.frames, frames);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches a whole-stream reading on arbitrary bytes, throwing only typed errors, within its memory bound', () => {
    fc.assert(
      fc.property(
        formatArb,
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // Small length fields, so that valid frames are common.
          fc.array(fc.constantFrom(0, 1, 2, 3, 4, 5, 255), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
        ),
        fc.nat({ max: 300 }),
        splitArb,
        fc.boolean(),
        (format, bytes, maxFrame, split, usePush) => {
          const chunks = applySplit(bytes, split);
          const bound = Math.max(maxFrame - 1, format.header - 1);
          const outcome = run(new LengthPrefixedDecoder({ ...format, maxFrame }), chunks, usePush, bound);
          const expected = reference(bytes, format, maxFrame);
          expect(outcome.code).toBe(expected.code);
          expectFrames(outcome.frames, expected.frames);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('fails on an oversize header before its payload arrives, and stays failed', () => {
    const decoder = new LengthPrefixedDecoder({ header: 4, maxFrame: 1024 });
    const ok = encodeLengthPrefixed(Uint8Array.of(1, 2, 3), { header: 4 });
    let frames: Uint8Array[] = [];
    let error: unknown;
    try {
      decoder.decode(concat([ok, Uint8Array.of(0, 1, 0, 0)]), (f) => frames.push(f));
    } catch (err) {
      error = err;
    }
    expect(frames).toEqual([Uint8Array.of(1, 2, 3)]);
    expect(error).toBeInstanceOf(FrameError);
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ code: FrameErrorCode.TOO_LARGE, frameSize: 65536, maxFrame: 1024 });
    expect((error as Error).message).toContain('65536');
    expect((error as Error).message).toContain('1024');
    expect(decoder.buffered).toBe(0);
    expect(() => decoder.push(Uint8Array.of(0))).toThrow(error as Error);
    decoder.reset();
    frames = decoder.push(ok);
    expect(frames).toEqual([Uint8Array.of(1, 2, 3)]);
  });

  it('push() returns the frames before a failure and throws on the next call', () => {
    const decoder = new LengthPrefixedDecoder({ header: 1, maxFrame: 4 });
    expect(decoder.push(Uint8Array.of(1, 7, 9))).toEqual([Uint8Array.of(7)]);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: FrameErrorCode.TOO_LARGE }));
  });

  it('reports a truncated header or payload at end', () => {
    const header = new LengthPrefixedDecoder({ header: 4, endian: 'le', maxFrame: 100 });
    header.push(Uint8Array.of(5, 0));
    expect(header.buffered).toBe(2);
    expect(() => header.end()).toThrow(expect.objectContaining({ code: FrameErrorCode.TRUNCATED, frameSize: 2 }));
    const payload = new LengthPrefixedDecoder({ header: 2, maxFrame: 100 });
    payload.push(Uint8Array.of(0, 5, 1, 2, 3));
    expect(payload.buffered).toBe(3);
    expect(() => payload.end()).toThrow(/3 of 5 payload bytes/);
  });

  it('rejects a length field smaller than the header it includes', () => {
    const decoder = new LengthPrefixedDecoder({ header: 2, lengthIncludesHeader: true, maxFrame: 100 });
    expect(decoder.push(Uint8Array.of(0, 2))).toEqual([new Uint8Array(0)]);
    expect(() => decoder.push(Uint8Array.of(0, 1))).toThrow(expect.objectContaining({ code: FrameErrorCode.INVALID }));
  });

  it('returns frames inside one chunk as views of it, and copies only frames that span chunks', () => {
    const decoder = new LengthPrefixedDecoder({ header: 1, maxFrame: 100 });
    const chunk = Buffer.from([2, 10, 11, 3, 20, 21]);
    const [inside] = decoder.push(chunk);
    expect(inside!.buffer).toBe(chunk.buffer);
    expect(inside!.byteOffset).toBe(chunk.byteOffset + 1);
    expect(Buffer.isBuffer(inside)).toBe(false);
    const [spanning] = decoder.push(Uint8Array.of(22));
    expect(spanning).toEqual(Uint8Array.of(20, 21, 22));
    expect(spanning!.buffer).not.toBe(chunk.buffer);
  });

  it('does not pin a large buffer for a few pending bytes', () => {
    const decoder = new LengthPrefixedDecoder({ header: 1, maxFrame: 100 });
    const big = new Uint8Array(65536);
    big.set([10, 1, 2], 1000);
    decoder.push(big.subarray(1000, 1003));
    const held = (decoder as unknown as { pending: { chunks: Uint8Array[] } }).pending.chunks;
    expect(held).toHaveLength(1);
    expect(held[0]!.buffer.byteLength).toBe(2);
  });

  it('encodes headers in both byte orders and refuses lengths the field cannot hold', () => {
    expect(lengthPrefixHeader(0x0102, { header: 2 })).toEqual(Uint8Array.of(1, 2));
    expect(lengthPrefixHeader(0x0102, { header: 2, endian: 'le' })).toEqual(Uint8Array.of(2, 1));
    expect(lengthPrefixHeader(0xfffffffb, { header: 4, lengthIncludesHeader: true })).toEqual(Uint8Array.of(255, 255, 255, 255));
    expect(lengthPrefixHeader(3, { header: 1, adjust: -2 })).toEqual(Uint8Array.of(5));
    expect(() => lengthPrefixHeader(256, { header: 1 })).toThrow(expect.objectContaining({ code: FrameErrorCode.TOO_LARGE, maxFrame: 255 }));
    expect(() => lengthPrefixHeader(11, { header: 4, maxFrame: 10 })).toThrow(expect.objectContaining({ code: FrameErrorCode.TOO_LARGE }));
    expect(() => lengthPrefixHeader(1, { header: 1, adjust: 2 })).toThrow(expect.objectContaining({ code: FrameErrorCode.INVALID }));
  });

  it('rejects bad options with EINVAL', () => {
    expect(() => new LengthPrefixedDecoder({ header: 3 as 4, maxFrame: 1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new LengthPrefixedDecoder({ header: 4, maxFrame: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new LengthPrefixedDecoder({ header: 4, endian: 'x' as 'be', maxFrame: 1 })).toThrow(SocketError);
  });
});
