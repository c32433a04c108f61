import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FrameErrorCode,
  LineDecoder,
  encodeDelimited,
} from '../../src/stream/framing/index.js';
import { type Outcome, applySplit, concat, expectFrames, largestChunk, run, splitArb } from './chunks.js';

// A small alphabet makes delimiters, partial delimiters and self-overlapping ones ("aa", "aba",
// "\r\n\r\n") common in random input.
const byteArb = fc.constantFrom(0x0a, 0x0d, 0x61, 0x62, 0x00);
const streamArb = fc.array(byteArb, { maxLength: 200 }).map((a) => Uint8Array.from(a));
const delimiterArb = fc.oneof(
  fc.array(byteArb, { minLength: 1, maxLength: 4 }).map((a) => Uint8Array.from(a)),
  fc.constantFrom('\n', '\r\n', '\r\n\r\n', 'aba').map((s) => Uint8Array.from(Buffer.from(s, 'latin1'))),
);

function indexOf(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= bytes.length; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Longest suffix of `bytes` that is a proper prefix of `needle`. */
function partial(bytes: Uint8Array, needle: Uint8Array): number {
  for (let k = Math.min(needle.length - 1, bytes.length); k > 0; k--) {
    if (indexOf(bytes.subarray(bytes.length - k), needle.subarray(0, k), 0) === 0) return k;
  }
  return 0;
}

/** A whole-stream reading by naive search, to compare the incremental decoder with. */
function reference(
  bytes: Uint8Array,
  delimiter: Uint8Array,
  maxFrame: number,
  include: boolean,
  unterminated: 'error' | 'emit',
): Outcome {
  const d = delimiter.length;
  const frames: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const at = indexOf(bytes, delimiter, start);
    if (at < 0) break;
    if (at - start > maxFrame) return { frames, code: FrameErrorCode.TOO_LARGE };
    frames.push(bytes.slice(start, include ? at + d : at));
    start = at + d;
  }
  const rest = bytes.subarray(start);
  if (rest.length === 0) return { frames, code: undefined };
  // The decoder fails as soon as no delimiter could end the frame within maxFrame.
  if (rest.length - partial(rest, delimiter) > maxFrame) return { frames, code: FrameErrorCode.TOO_LARGE };
  if (unterminated === 'error') return { frames, code: FrameErrorCode.TRUNCATED };
  if (rest.length > maxFrame) return { frames, code: FrameErrorCode.TOO_LARGE };
  frames.push(rest.slice());
  return { frames, code: undefined };
}

function isEncodable(frame: Uint8Array, delimiter: Uint8Array): boolean {
  return indexOf(concat([frame, delimiter]), delimiter, 0) === frame.length;
}

describe('DelimiterDecoder', () => {
  it('decodes any encodable frames under any chunking, including delimiters split across chunks', () => {
    fc.assert(
      fc.property(
        delimiterArb,
        fc.array(streamArb, { maxLength: 10 }),
        fc.nat({ max: 20 }),
        fc.boolean(),
        splitArb,
        fc.boolean(),
        (delimiter, raw, slack, include, split, usePush) => {
          const frames = raw.filter((f) => isEncodable(f, delimiter));
          const maxFrame = Math.max(0, ...frames.map((f) => f.length)) + slack;
          const encoder = new DelimiterEncoder(delimiter, { maxFrame });
          const parts = frames.map((f) => encoder.encode(f));
          const chunks = applySplit(concat(parts), split);
          const d = delimiter.length;
          const bound = maxFrame + d - 1;
          expect(bound).toBeLessThanOrEqual(maxFrame + Math.max(largestChunk(chunks), d - 1));
          const decoder = new DelimiterDecoder({ delimiter, maxFrame, includeDelimiter: include });
          const outcome = run(decoder, chunks, usePush, bound);
          expect(outcome.code).toBeUndefined();
          expectFrames(outcome.frames, include ? parts : frames);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('matches a whole-stream reading on arbitrary bytes, throwing only typed errors, within its memory bound', () => {
    fc.assert(
      fc.property(
        delimiterArb,
        fc.oneof(streamArb, fc.uint8Array({ maxLength: 100 })),
        fc.nat({ max: 30 }),
        fc.boolean(),
        fc.constantFrom('error' as const, 'emit' as const),
        splitArb,
        fc.boolean(),
        (delimiter, bytes, maxFrame, include, unterminated, split, usePush) => {
          const chunks = applySplit(bytes, split);
          const decoder = new DelimiterDecoder({ delimiter, maxFrame, includeDelimiter: include, unterminated });
          const outcome = run(decoder, chunks, usePush, maxFrame + delimiter.length - 1);
          const expected = reference(bytes, delimiter, maxFrame, include, unterminated);
          expect(outcome.code).toBe(expected.code);
          expectFrames(outcome.frames, expected.frames);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('fails as soon as buffered bytes without a delimiter exceed maxFrame', () => {
    const decoder = new DelimiterDecoder({ delimiter: '\r\n', maxFrame: 4 });
    expect(decoder.push(Buffer.from('ab\r\nabcd'))).toEqual([Uint8Array.from(Buffer.from('ab'))]);
    // "abcd\r" may still become "abcd" + "\r\n".
    expect(decoder.push(Buffer.from('\r'))).toEqual([]);
    expect(decoder.buffered).toBe(5);
    expect(() => decoder.push(Buffer.from('x'))).toThrow(
      expect.objectContaining({ code: FrameErrorCode.TOO_LARGE, frameSize: 6, maxFrame: 4, message: expect.stringMatching(/at least 6 bytes exceeds maxFrame 4/) }),
    );
    expect(decoder.buffered).toBe(0);
  });

  it('does not wait for the delimiter of a long frame inside one chunk', () => {
    const decoder = new DelimiterDecoder({ delimiter: '\n', maxFrame: 3 });
    expect(() => decoder.push(Buffer.from('abcdefgh'))).toThrow(expect.objectContaining({ code: FrameErrorCode.TOO_LARGE }));
  });

  it('finds a multi-byte delimiter spread over single-byte chunks', () => {
    const decoder = new DelimiterDecoder({ delimiter: '\r\n\r\n', maxFrame: 100 });
    const frames = [...Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nrest')].flatMap((b) => decoder.push(Uint8Array.of(b)));
    expect(frames.map((f) => Buffer.from(f).toString())).toEqual(['GET / HTTP/1.1\r\nHost: x']);
    expect(decoder.buffered).toBe(4);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: FrameErrorCode.TRUNCATED }));
  });

  it('returns frames inside one chunk as zero-copy views', () => {
    const decoder = new DelimiterDecoder({ delimiter: Uint8Array.of(0), maxFrame: 100 });
    const chunk = Uint8Array.of(1, 2, 0, 3, 0);
    const frames = decoder.push(chunk);
    expect(frames).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    for (const f of frames) expect(f.buffer).toBe(chunk.buffer);
  });

  it('encodes, refusing frames the peer would split differently', () => {
    expect(encodeDelimited(Uint8Array.of(1, 2), '\n')).toEqual(Uint8Array.of(1, 2, 10));
    expect(() => encodeDelimited(Uint8Array.of(1, 10, 2), '\n')).toThrow(expect.objectContaining({ code: FrameErrorCode.INVALID }));
    // "ab" + "aba" reads back as "" then garbage.
    expect(() => encodeDelimited(Buffer.from('ab'), 'aba')).toThrow(expect.objectContaining({ code: FrameErrorCode.INVALID }));
    expect(encodeDelimited(Buffer.from('a\n'), '\n', { check: false })).toEqual(Uint8Array.from(Buffer.from('a\n\n')));
    expect(() => encodeDelimited(Buffer.from('abc'), '\n', { maxFrame: 2 })).toThrow(expect.objectContaining({ code: FrameErrorCode.TOO_LARGE }));
    expect(() => new DelimiterDecoder({ delimiter: '', maxFrame: 1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

/** Whole-stream reading of lines, as Python's `splitlines` would for `\n` and `\r\n` endings. */
function referenceLines(bytes: Uint8Array, maxLength: number, stripCR: boolean, unterminated: 'error' | 'emit'): Outcome {
  const frames: Uint8Array[] = [];
  const strip = (line: Uint8Array): Uint8Array => (stripCR && line.at(-1) === 0x0d ? line.subarray(0, -1) : line);
  let start = 0;
  for (;;) {
    const at = bytes.indexOf(0x0a, start);
    if (at < 0) break;
    const line = strip(bytes.slice(start, at));
    if (line.length > maxLength) return { frames, code: FrameErrorCode.TOO_LARGE };
    frames.push(line);
    start = at + 1;
  }
  const rest = bytes.slice(start);
  if (rest.length === 0) return { frames, code: undefined };
  if (rest.length > maxLength + (stripCR ? 1 : 0)) return { frames, code: FrameErrorCode.TOO_LARGE };
  if (unterminated === 'error') return { frames, code: FrameErrorCode.TRUNCATED };
  const line = strip(rest);
  if (line.length > maxLength) return { frames, code: FrameErrorCode.TOO_LARGE };
  frames.push(line);
  return { frames, code: undefined };
}

describe('LineDecoder', () => {
  it('matches a whole-stream reading under any chunking', () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.nat({ max: 20 }),
        fc.boolean(),
        fc.constantFrom('error' as const, 'emit' as const),
        splitArb,
        fc.boolean(),
        (bytes, maxLength, stripCR, unterminated, split, usePush) => {
          const decoder = new LineDecoder({ maxLength, stripCR, unterminated });
          const outcome = run(decoder, applySplit(bytes, split), usePush, maxLength + 1);
          const expected = referenceLines(bytes, maxLength, stripCR, unterminated);
          expect(outcome.code).toBe(expected.code);
          expectFrames(outcome.frames, expected.frames);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('states its limit as maxLength, not counting a stripped \\r', () => {
    const decoder = new LineDecoder({ maxLength: 3 });
    expect(decoder.push(Buffer.from('abc\r\n')).map((f) => Buffer.from(f).toString())).toEqual(['abc']);
    expect(() => decoder.push(Buffer.from('abcde'))).toThrow(
      expect.objectContaining({ code: FrameErrorCode.TOO_LARGE, maxFrame: 3, message: expect.stringContaining('maxLength 3') }),
    );
  });

  it('emits the last unterminated line by default', () => {
    const decoder = new LineDecoder({ maxLength: 10 });
    expect(decoder.push(Buffer.from('a\nb\r'))).toEqual([Uint8Array.of(0x61)]);
    expect(decoder.end()).toEqual(Uint8Array.of(0x62));
    expect(decoder.end()).toBeUndefined();
  });
});
