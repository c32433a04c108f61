import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedSizeDecoder, FrameErrorCode, checkFixedSize } from '../../src/stream/framing/index.js';
import { applySplit, expectFrames, run, splitArb } from './chunks.js';

describe('FixedSizeDecoder', () => {
  it('cuts any stream under any chunking into records, and reports a partial last record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.uint8Array({ maxLength: 300 }), splitArb, fc.boolean(), (size, bytes, split, usePush) => {
        const whole = Math.floor(bytes.length / size);
        const expected = Array.from({ length: whole }, (_, i) => bytes.slice(i * size, (i + 1) * size));
        const outcome = run(new FixedSizeDecoder({ size }), applySplit(bytes, split), usePush, size - 1);
        expect(outcome.code).toBe(bytes.length % size === 0 ? undefined : FrameErrorCode.TRUNCATED);
        expectFrames(outcome.frames, expected);
      }),
      { numRuns: 500 },
    );
  });

  it('returns records inside one chunk as views and reports the bytes of a partial record', () => {
    const decoder = new FixedSizeDecoder({ size: 2 });
    const chunk = Uint8Array.of(1, 2, 3, 4, 5);
    const frames = decoder.push(chunk);
    expect(frames).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3, 4)]);
    for (const f of frames) expect(f.buffer).toBe(chunk.buffer);
    expect(decoder.buffered).toBe(1);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: FrameErrorCode.TRUNCATED, message: expect.stringContaining('1 of 2 bytes') }));
  });

  it('checks the size of records to send', () => {
    const record = new Uint8Array(16);
    expect(checkFixedSize(record, 16)).toBe(record);
    expect(() => checkFixedSize(record, 72)).toThrow(expect.objectContaining({ code: FrameErrorCode.INVALID }));
    expect(() => new FixedSizeDecoder({ size: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
