import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../src/capture/ring/copy-bytes.js';

describe('copyBytes (the ring-to-pcap frame copy)', () => {
  it('copies any run between any two offsets exactly, touching nothing outside the destination run', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.nat(), fc.nat(), fc.nat(), (source, a, b, c) => {
        const from = a % source.length;
        const length = b % (source.length - from + 1);
        const dstSize = length + (c % 64) + 8;
        const to = c % (dstSize - length + 1);
        const src8 = new Uint8Array(new ArrayBuffer((source.length + 3) & ~3));
        src8.set(source);
        const dst8 = new Uint8Array(new ArrayBuffer((dstSize + 3) & ~3)).fill(0xa5);
        const before = dst8.slice();
        copyBytes(src8, new Uint32Array(src8.buffer), from, dst8, new Uint32Array(dst8.buffer), to, length);
        expect(Array.from(dst8.subarray(to, to + length))).toEqual(Array.from(source.subarray(from, from + length)));
        expect(Array.from(dst8.subarray(0, to))).toEqual(Array.from(before.subarray(0, to)));
        expect(Array.from(dst8.subarray(to + length))).toEqual(Array.from(before.subarray(to + length)));
      }),
      { numRuns: 2000 },
    );
  });

  it('copies a run that ends at the very end of the source memory (the last word read past it is 0)', () => {
    const src8 = new Uint8Array(64).map((_, i) => i + 1);
    const dst8 = new Uint8Array(64);
    copyBytes(src8, new Uint32Array(src8.buffer), 61, dst8, new Uint32Array(dst8.buffer), 0, 3);
    copyBytes(src8, new Uint32Array(src8.buffer), 49, dst8, new Uint32Array(dst8.buffer), 4, 15);
    expect(Array.from(dst8.subarray(0, 3))).toEqual([62, 63, 64]);
    expect(Array.from(dst8.subarray(4, 19))).toEqual(Array.from(src8.subarray(49)));
  });
});
