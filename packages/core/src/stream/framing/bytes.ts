import { invalidArgument } from '../../errors.js';

/** A zero-length frame; shared because it cannot be modified. */
export const EMPTY = new Uint8Array(0);

/** A plain Uint8Array view of `chunk[start, end)`: no copy, and never a Buffer. */
export function view(chunk: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset + start, end - start);
}

/**
 * Copies `src[start, end)` to `dst` at `at`. A loop for a few bytes, because making the view that
 * `set()` needs costs more than that (and `Buffer#subarray` more still).
 */
export function copyInto(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): void {
  if (end - start <= 32) {
    for (let i = start; i < end; i++) dst[at++] = src[i]!;
  } else if (start === 0 && end === src.length) {
    dst.set(src, at);
  } else {
    dst.set(view(src, start, end), at);
  }
}

/**
 * The chunks (or chunk tails) of a frame in progress, kept as a list so that nothing is copied
 * until the frame is complete, and then copied exactly once.
 */
export class Pending {
  /** The pending pieces, oldest first. */
  readonly chunks: Uint8Array[] = [];
  /** Total length of {@link chunks}. */
  bytes = 0;

  /**
   * Keeps `chunk[start, end)`. A view that pins a buffer more than twice its size (a few bytes of a
   * 64 KiB read buffer, a slice of Node's 8 KiB pool) is copied instead, so that what the decoder
   * holds in memory stays proportional to what it has buffered.
   */
  add(chunk: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let piece: Uint8Array;
    if (length * 2 < chunk.buffer.byteLength) {
      piece = new Uint8Array(length);
      copyInto(piece, 0, chunk, start, end);
    } else {
      piece = view(chunk, start, end);
    }
    this.chunks.push(piece);
    this.bytes += length;
  }

  /**
   * The first `total` bytes of the pending pieces followed by `next` (from `nextStart`). Zero-copy
   * when they all lie in the first piece, which happens when a delimiter straddles two chunks.
   */
  gather(total: number, next: Uint8Array, nextStart = 0): Uint8Array {
    const chunks = this.chunks;
    const first = chunks[0];
    if (first === undefined) return view(next, nextStart, nextStart + total);
    if (total <= first.length) return view(first, 0, total);
    const out = new Uint8Array(total);
    let pos = 0;
    for (let i = 0; i < chunks.length && pos < total; i++) {
      const piece = chunks[i]!;
      const n = Math.min(piece.length, total - pos);
      copyInto(out, pos, piece, 0, n);
      pos += n;
    }
    if (pos < total) copyInto(out, pos, next, nextStart, nextStart + total - pos);
    return out;
  }

  /** Drops every pending piece. */
  clear(): void {
    this.chunks.length = 0;
    this.bytes = 0;
  }
}

/** Rejects a limit that is not a non-negative safe integer, naming the option. */
export function checkLimit(value: unknown, name: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArgument(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}
