import { Pending, checkLimit, view } from './bytes.js';
import type { FrameDecoder, FrameSink } from './decoder.js';
import { FrameError, frameTruncated } from './errors.js';

/** Options of {@link FixedSizeDecoder}. */
export interface FixedSizeOptions {
  /** Length of every frame in bytes (at least 1). It is also the bound on what is buffered. */
  size: number;
}

/**
 * Decodes a stream of records that all have the same length, such as `can_frame` (16 bytes) or
 * fixed telemetry structs. At most `size - 1` bytes are ever held.
 */
export class FixedSizeDecoder implements FrameDecoder {
  /** The frame length. */
  readonly size: number;
  private readonly pending = new Pending();
  private failure: FrameError | undefined;

  /** @param options - The frame size; anything but a positive integer throws `EINVAL`. */
  constructor(options: FixedSizeOptions) {
    this.size = checkLimit(options.size, 'size', 1);
  }

  /** {@inheritDoc FrameDecoder.buffered} */
  get buffered(): number {
    return this.pending.bytes;
  }

  /** {@inheritDoc FrameDecoder.decode} */
  decode(chunk: Uint8Array, emit: FrameSink): void {
    if (this.failure !== undefined) throw this.failure;
    const size = this.size;
    const end = chunk.length;
    const pending = this.pending;
    let off = 0;
    if (pending.bytes > 0) {
      const want = size - pending.bytes;
      if (end < want) {
        if (end > 0) pending.add(chunk, 0, end);
        return;
      }
      const frame = pending.gather(size, chunk);
      pending.clear();
      off = want;
      emit(frame);
    }
    while (end - off >= size) {
      const start = off;
      off += size;
      emit(view(chunk, start, off));
    }
    if (off < end) pending.add(chunk, off, end);
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.decode(chunk, (frame) => {
      frames.push(frame);
    });
    return frames;
  }

  /** {@inheritDoc FrameDecoder.end} */
  end(): undefined {
    if (this.failure !== undefined) throw this.failure;
    const got = this.pending.bytes;
    if (got > 0) {
      this.pending.clear();
      this.failure = frameTruncated(`${got} of ${this.size} bytes received`, got);
      throw this.failure;
    }
    return undefined;
  }

  /** {@inheritDoc FrameDecoder.reset} */
  reset(): void {
    this.pending.clear();
    this.failure = undefined;
  }
}
