import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { type Observable, Subject, finalize, from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  FrameError,
  FrameErrorCode,
  decodeFrames,
  delimit,
  delimited,
  fixedSize,
  lengthPrefix,
  lengthPrefixed,
  lines,
  type LengthPrefixFormat,
  LengthPrefixedDecoder,
} from '../../src/stream/framing/index.js';
import { applySplit, concat, expectFrames, splitArb } from './chunks.js';

interface Collected<T> {
  values: T[];
  error: unknown;
  completed: boolean;
  /** Values delivered after the error or completion: must stay empty. */
  late: T[];
}

/** Subscribes and records everything; with synchronous sources it is complete on return. */
function collect<T>(source: Observable<T>): Collected<T> {
  const out: Collected<T> = { values: [], error: undefined, completed: false, late: [] };
  let closed = false;
  source.subscribe({
    next: (v) => (closed ? out.late : out.values).push(v),
    error: (e: unknown) => {
      closed = true;
      out.error = e;
    },
    complete: () => {
      closed = true;
      out.completed = true;
    },
  });
  return out;
}

const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s));

describe('framing operators', () => {
  it('round-trips frames through lengthPrefix and lengthPrefixed with any re-chunking', () => {
    fc.assert(
      fc.property(
        fc.record({
          header: fc.constantFrom(2 as const, 4 as const),
          endian: fc.constantFrom('be' as const, 'le' as const),
          lengthIncludesHeader: fc.boolean(),
        }),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
        fc.integer({ min: 0, max: 100 }),
        splitArb,
        (format: LengthPrefixFormat, frames, coalesceBelow, split) => {
          const encoded = collect(from(frames).pipe(lengthPrefix({ ...format, coalesceBelow })));
          expect(encoded.completed).toBe(true);
          const chunks = applySplit(concat(encoded.values), split);
          const decoded = collect(from(chunks).pipe(lengthPrefixed({ ...format, maxFrame: 200 })));
          expect(decoded.error).toBeUndefined();
          expect(decoded.completed).toBe(true);
          expectFrames(decoded.values, frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips frames through delimit and delimited with any re-chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50 }).map((f) => f.map((b) => (b === 0x0d || b === 0x0a ? 0x20 : b))), {
          maxLength: 10,
        }),
        splitArb,
        (frames, split) => {
          const encoded = collect(from(frames).pipe(delimit('\r\n')));
          const chunks = applySplit(concat(encoded.values), split);
          const decoded = collect(from(chunks).pipe(delimited({ delimiter: '\r\n', maxFrame: 50 })));
          expect(decoded.error).toBeUndefined();
          expectFrames(decoded.values, frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('errors on an oversize frame, emits nothing after, and unsubscribes only its own source', () => {
    const source = new Subject<Uint8Array>();
    const other = new Subject<Uint8Array>();
    let finalized = false;
    const result = collect(
      source.pipe(
        finalize(() => {
          finalized = true;
        }),
        lengthPrefixed({ header: 2, maxFrame: 8 }),
      ),
    );
    const bystander = collect(other.pipe(lengthPrefixed({ header: 2, maxFrame: 8 })));
    source.next(Uint8Array.of(0, 1, 42, 0));
    source.next(Uint8Array.of(9, 1, 2, 3));
    expect(result.values).toEqual([Uint8Array.of(42)]);
    expect(result.error).toBeInstanceOf(FrameError);
    expect(result.error).toMatchObject({ code: FrameErrorCode.TOO_LARGE, frameSize: 9, maxFrame: 8 });
    expect(finalized).toBe(true);
    expect(source.observed).toBe(false);
    source.next(Uint8Array.of(0, 1, 7));
    expect(result.late).toEqual([]);
    // Another connection's stream is unaffected.
    expect(other.observed).toBe(true);
    other.next(Uint8Array.of(0, 1, 5));
    expect(bystander.values).toEqual([Uint8Array.of(5)]);
  });

  it('stops at the error of a synchronous source', () => {
    const chunks = [text('ok\n'), text('much too long\nlater\n'), text('never\n')];
    const result = collect(from(chunks).pipe(delimited({ delimiter: '\n', maxFrame: 4 })));
    expectFrames(result.values, [text('ok')]);
    expect(result.error).toMatchObject({ code: FrameErrorCode.TOO_LARGE });
    expect(result.late).toEqual([]);
  });

  it('errors with the truncated code when the source completes inside a frame', () => {
    for (const op of [
      lengthPrefixed({ header: 4, maxFrame: 100 }),
      delimited({ delimiter: '\n', maxFrame: 100 }),
      fixedSize(4),
    ]) {
      const result = collect(from([Uint8Array.of(0, 0, 0)]).pipe(op));
      expect(result.error).toMatchObject({ code: FrameErrorCode.TRUNCATED });
      expect(result.completed).toBe(false);
    }
    const emitted = collect(from([text('a\nb')]).pipe(delimited({ delimiter: '\n', maxFrame: 5, unterminated: 'emit' })));
    expectFrames(emitted.values, [text('a'), text('b')]);
    expect(emitted.completed).toBe(true);
  });

  it('passes a source error through untouched', () => {
    const boom = new Error('connection reset');
    const source = new Subject<Uint8Array>();
    const result = collect(source.pipe(fixedSize(2)));
    source.next(Uint8Array.of(1, 2, 3));
    source.error(boom);
    expect(result.values).toEqual([Uint8Array.of(1, 2)]);
    expect(result.error).toBe(boom);
  });

  it('splits text into lines like splitlines, with maxLength', () => {
    const chunks = [text('héllo\r\nwor'), text('ld\n\nla'), text('st\r')];
    expect(collect(from(chunks).pipe(lines({ maxLength: 10 }))).values).toEqual(['héllo', 'world', '', 'last']);
    const strict = collect(from(chunks).pipe(lines({ maxLength: 10, unterminated: 'error' })));
    expect(strict.values).toEqual(['héllo', 'world', '']);
    expect(strict.error).toMatchObject({ code: FrameErrorCode.TRUNCATED });
    const tooLong = collect(from([text('short\nway too long\n')]).pipe(lines({ maxLength: 5 })));
    expect(tooLong.values).toEqual(['short']);
    expect(tooLong.error).toMatchObject({ code: FrameErrorCode.TOO_LARGE, maxFrame: 5 });
    // A multi-byte character split between chunks is reassembled before decoding.
    const euro = Buffer.from('€\n');
    expect(collect(from([euro.subarray(0, 1), euro.subarray(1)]).pipe(lines({ maxLength: 3 }))).values).toEqual(['€']);
  });

  it('errors when encoding a frame its format cannot carry', () => {
    const big = collect(from([new Uint8Array(3), new Uint8Array(256), new Uint8Array(1)]).pipe(lengthPrefix({ header: 1 })));
    expect(big.values).toEqual([Uint8Array.of(3, 0, 0, 0)]);
    expect(big.error).toMatchObject({ code: FrameErrorCode.TOO_LARGE });
    const split = collect(from([text('a'), text('b\nc')]).pipe(delimit('\n')));
    expect(split.values).toEqual([text('a\n')]);
    expect(split.error).toMatchObject({ code: FrameErrorCode.INVALID });
  });

  it('emits large frames as header and frame without copying the frame', () => {
    const frame = new Uint8Array(5000);
    const out = collect(from([frame]).pipe(lengthPrefix({ header: 4 }))).values;
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual(Uint8Array.of(0, 0, 0x13, 0x88));
    expect(out[1]).toBe(frame);
  });

  it('gives each subscription its own decoder', () => {
    const source = new Subject<Uint8Array>();
    const decoded = source.pipe(decodeFrames(() => new LengthPrefixedDecoder({ header: 2, maxFrame: 9 })));
    const a = collect(decoded);
    const b = collect(decoded);
    // A shared decoder would read the second delivery of each chunk as more of the first frame.
    source.next(Uint8Array.of(0, 2, 1));
    source.next(Uint8Array.of(2));
    source.complete();
    for (const r of [a, b]) {
      expect(r.values).toEqual([Uint8Array.of(1, 2)]);
      expect(r.completed).toBe(true);
    }
  });

  it('fails on invalid UTF-8 only when asked to', () => {
    const bad = [Uint8Array.of(0x61, 0xff, 0x0a)];
    expect(collect(from(bad).pipe(lines({ maxLength: 9 }))).values).toEqual(['a\ufffd']);
    const fatal = collect(from(bad).pipe(lines({ maxLength: 9, fatal: true }))).error;
    expect(fatal).toMatchObject({ code: FrameErrorCode.INVALID });
    expect((fatal as Error).cause).toBeInstanceOf(TypeError);
  });

  it('rejects bad options when the operator is created', () => {
    expect(() => lengthPrefixed({ header: 4, maxFrame: Number.NaN })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => fixedSize(-1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => delimit('')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
