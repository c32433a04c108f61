// Shared arbitraries and helpers for the framing tests: byte streams cut anywhere, into chunks of
// every representation a decoder may meet.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { expect } from 'vitest';
import { FrameError, type FrameDecoder } from '../../src/stream/framing/index.js';

/** How to cut a stream: at arbitrary positions (repeats give empty chunks), or into single bytes. */
export interface Split {
  cuts: number[];
  ones: boolean;
  /** Per chunk: 0 fresh Uint8Array, 1 Buffer (maybe from Node's pool), 2 view into a padded buffer. */
  kinds: number[];
}

export const splitArb: fc.Arbitrary<Split> = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 24 }),
  ones: fc.oneof({ arbitrary: fc.constant(true), weight: 1 }, { arbitrary: fc.constant(false), weight: 3 }),
  kinds: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }),
});

function materialize(bytes: Uint8Array, kind: number): Uint8Array {
  if (kind === 1) return Buffer.from(bytes);
  if (kind === 2) {
    const big = new Uint8Array(bytes.length * 4 + 64);
    big.set(bytes, 17);
    return big.subarray(17, 17 + bytes.length);
  }
  return Uint8Array.from(bytes);
}

/** Cuts `bytes` as `split` says; concatenating the result gives `bytes` back. */
export function applySplit(bytes: Uint8Array, split: Split): Uint8Array[] {
  const n = bytes.length;
  const positions = split.cuts.map((c) => c % (n + 1));
  if (split.ones) for (let i = 1; i < n; i++) positions.push(i);
  positions.sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...positions, n]) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  return chunks.map((chunk, i) => materialize(chunk, split.kinds[i % split.kinds.length]!));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** What decoding a whole stream produced: the frames, then the error code if it failed. */
export interface Outcome {
  frames: Uint8Array[];
  code: string | undefined;
}

/**
 * Feeds `chunks` to `decoder` (through `decode` or `push`), then ends it. Any throw other than a
 * FrameError fails the test; `maxBuffered` is checked after every chunk.
 */
export function run(decoder: FrameDecoder, chunks: readonly Uint8Array[], usePush: boolean, maxBuffered: number): Outcome {
  const frames: Uint8Array[] = [];
  const sink = (frame: Uint8Array): void => {
    frames.push(frame);
  };
  const failed = (err: unknown): Outcome => {
    if (!(err instanceof FrameError)) throw err;
    expect(err.code).toMatch(/^ERR_RXSOCK_FRAME_/);
    return { frames, code: err.code };
  };
  for (const chunk of chunks) {
    try {
      if (usePush) frames.push(...decoder.push(chunk));
      else decoder.decode(chunk, sink);
    } catch (err) {
      return failed(err);
    }
    expect(decoder.buffered).toBeLessThanOrEqual(maxBuffered);
  }
  try {
    const last = decoder.end();
    if (last !== undefined) frames.push(last);
  } catch (err) {
    return failed(err);
  }
  expect(decoder.buffered).toBe(0);
  return { frames, code: undefined };
}

/** Compares frames by content, and checks each is a plain Uint8Array (never a Buffer). */
export function expectFrames(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  for (const frame of actual) expect(Object.getPrototypeOf(frame)).toBe(Uint8Array.prototype);
  expect(actual.map((f) => Buffer.from(f).toString('hex'))).toEqual(expected.map((f) => Buffer.from(f).toString('hex')));
}

export function largestChunk(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((max, c) => Math.max(max, c.length), 0);
}
