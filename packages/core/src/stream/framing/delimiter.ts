import { Buffer } from 'node:buffer';
import { invalidArgument } from '../../errors.js';
import { EMPTY, Pending, checkLimit, copyInto, view } from './bytes.js';
import { collectFrames, type FrameDecoder, type FrameSink } from './decoder.js';
import { FrameError, FrameErrorCode, frameTooLarge, frameTruncated } from './errors.js';

/** Options of {@link DelimiterDecoder}. */
export interface DelimiterOptions {
  /** The byte sequence that ends each frame; a string is encoded as UTF-8. Must not be empty. */
  delimiter: Uint8Array | string;
  /**
   * Largest frame accepted, in bytes, not counting the delimiter. Buffered bytes that cannot end
   * within this limit fail at once, without waiting for a delimiter.
   */
  maxFrame: number;
  /** Whether emitted frames keep their delimiter at the end. Default false. */
  includeDelimiter?: boolean;
  /**
   * What {@link DelimiterDecoder.end} does with bytes after the last delimiter: `'error'`
   * (default) throws `ERR_RXSOCK_FRAME_TRUNCATED`, `'emit'` returns them as a last frame.
   */
  unterminated?: 'error' | 'emit';
}

const utf8 = new TextEncoder();

/** The delimiter as bytes, copied so that later changes by the caller cannot reach the decoder. */
export function delimiterBytes(delimiter: Uint8Array | string): Uint8Array {
  const bytes = typeof delimiter === 'string' ? utf8.encode(delimiter) : new Uint8Array(delimiter);
  if (bytes.length === 0) throw invalidArgument('the delimiter must not be empty');
  return bytes;
}

/**
 * Decodes frames that each end with a delimiter (one or more bytes), splitting at its first
 * occurrence: `\n`, `\r\n`, `\0`, `\r\n\r\n`.
 *
 * Every byte is searched once (a delimiter split across chunks is found by looking at the last
 * `delimiter.length - 1` bytes kept from earlier chunks, never by rescanning the frame), so
 * decoding is linear in the input. Bytes are held only while they can still end a frame within
 * `maxFrame`: at most `maxFrame + delimiter.length - 1` of them.
 */
export class DelimiterDecoder implements FrameDecoder {
  private readonly delim: Uint8Array;
  /** The delimiter as a Buffer, for Node's native (memchr, Boyer-Moore-Horspool) search. */
  private readonly needle: Buffer;
  private readonly first: number;
  private readonly d: number;
  private readonly maxFrame: number;
  private readonly include: boolean;
  private readonly emitUnterminated: boolean;
  private readonly pending = new Pending();
  /** The last `min(d - 1, pending.bytes)` pending bytes: where a straddling delimiter starts. */
  private readonly tail: Uint8Array;
  private tailLen = 0;
  /** Scratch for tail + head of the next chunk. */
  private readonly probe: Uint8Array;
  private failure: FrameError | undefined;

  /** @param options - Delimiter and limit; invalid values throw an `EINVAL` SocketError. */
  constructor(options: DelimiterOptions) {
    this.delim = delimiterBytes(options.delimiter);
    this.needle = Buffer.from(this.delim);
    this.first = this.delim[0]!;
    this.d = this.delim.length;
    this.maxFrame = checkLimit(options.maxFrame, 'maxFrame');
    this.include = options.includeDelimiter ?? false;
    const unterminated = options.unterminated ?? 'error';
    if (unterminated !== 'error' && unterminated !== 'emit') {
      throw invalidArgument(`unterminated must be 'error' or 'emit', got ${String(unterminated)}`);
    }
    this.emitUnterminated = unterminated === 'emit';
    this.tail = new Uint8Array(this.d - 1);
    this.probe = new Uint8Array(2 * (this.d - 1));
  }

  /** {@inheritDoc FrameDecoder.buffered} */
  get buffered(): number {
    return this.pending.bytes;
  }

  /** {@inheritDoc FrameDecoder.decode} */
  decode(chunk: Uint8Array, emit: FrameSink): void {
    if (this.failure !== undefined) throw this.failure;
    const n = chunk.length;
    if (n === 0) return;
    const d = this.d;
    const pending = this.pending;
    // `start` is where the current frame's bytes in this chunk begin.
    let start = d > 1 && pending.bytes > 0 ? this.straddle(chunk, emit) : 0;
    const hay = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, n);
    for (;;) {
      const at = d === 1 ? hay.indexOf(this.first, start) : hay.indexOf(this.needle, start);
      if (at < 0) break;
      const size = pending.bytes + at - start;
      if (size > this.maxFrame) throw this.fail(frameTooLarge(size, this.maxFrame));
      const stop = this.include ? at + d : at;
      let frame: Uint8Array;
      if (pending.bytes === 0) {
        frame = stop === start ? EMPTY : view(chunk, start, stop);
      } else {
        // Only the first frame of a chunk can have pending bytes, so `start` is 0 here.
        frame = pending.gather(pending.bytes + stop, chunk);
        this.clearPending();
      }
      start = at + d;
      emit(frame);
    }
    if (start < n) this.keep(chunk, start, n);
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Uint8Array): Uint8Array[] {
    return collectFrames(this, chunk);
  }

  /**
   * Declares the end of the stream. With `unterminated: 'emit'` the bytes after the last
   * delimiter, if any, are returned as a last frame (subject to `maxFrame`); otherwise the result
   * is undefined. The decoder is empty afterwards.
   * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TRUNCATED` if bytes remain and `unterminated` is
   * `'error'`.
   */
  end(): Uint8Array | undefined {
    if (this.failure !== undefined) throw this.failure;
    const got = this.pending.bytes;
    if (got === 0) return undefined;
    if (!this.emitUnterminated) throw this.fail(frameTruncated(`${got} bytes without a delimiter`, got));
    if (got > this.maxFrame) throw this.fail(frameTooLarge(got, this.maxFrame));
    const frame = this.pending.gather(got, EMPTY);
    this.clearPending();
    return frame;
  }

  /** {@inheritDoc FrameDecoder.reset} */
  reset(): void {
    this.clearPending();
    this.failure = undefined;
  }

  /**
   * Looks for a delimiter that begins in the pending bytes and ends in `chunk`. The pending bytes
   * hold no whole delimiter, so such a match can only start in the kept tail. Emits the frame it
   * ends and returns how many bytes of `chunk` it used, or 0.
   */
  private straddle(chunk: Uint8Array, emit: FrameSink): number {
    const d = this.d;
    const delim = this.delim;
    const probe = this.probe;
    const tl = this.tailLen;
    const m = Math.min(d - 1, chunk.length);
    copyInto(probe, 0, this.tail, 0, tl);
    copyInto(probe, tl, chunk, 0, m);
    const limit = tl + m - d;
    next: for (let i = 0; i < tl && i <= limit; i++) {
      for (let k = 0; k < d; k++) if (probe[i + k] !== delim[k]) continue next;
      const size = this.pending.bytes - tl + i;
      if (size > this.maxFrame) throw this.fail(frameTooLarge(size, this.maxFrame));
      const frame = this.pending.gather(this.include ? size + d : size, chunk);
      this.clearPending();
      emit(frame);
      return i + d - tl;
    }
    return 0;
  }

  /** Keeps `chunk[start, end)` as the start of a frame, and fails if it can no longer fit. */
  private keep(chunk: Uint8Array, start: number, end: number): void {
    this.pending.add(chunk, start, end);
    let partial = 0;
    if (this.d > 1) {
      this.updateTail(chunk, start, end);
      partial = this.partialDelimiter();
    }
    // The earliest a delimiter can still begin is before the longest suffix that is a prefix of it.
    const least = this.pending.bytes - partial;
    if (least > this.maxFrame) throw this.fail(frameTooLarge(least, this.maxFrame, true));
  }

  private updateTail(chunk: Uint8Array, start: number, end: number): void {
    const keep = this.d - 1;
    const tail = this.tail;
    const length = end - start;
    if (length >= keep) {
      copyInto(tail, 0, chunk, end - keep, end);
      this.tailLen = keep;
      return;
    }
    const over = this.tailLen + length - keep;
    if (over > 0) {
      tail.copyWithin(0, over, this.tailLen);
      this.tailLen -= over;
    }
    copyInto(tail, this.tailLen, chunk, start, end);
    this.tailLen += length;
  }

  /** Length of the longest suffix of the pending bytes that is a proper prefix of the delimiter. */
  private partialDelimiter(): number {
    const tail = this.tail;
    const tl = this.tailLen;
    const delim = this.delim;
    next: for (let k = tl; k > 0; k--) {
      const base = tl - k;
      for (let x = 0; x < k; x++) if (tail[base + x] !== delim[x]) continue next;
      return k;
    }
    return 0;
  }

  private clearPending(): void {
    this.pending.clear();
    this.tailLen = 0;
  }

  private fail(err: FrameError): FrameError {
    this.clearPending();
    this.failure = err;
    return err;
  }
}

/** Options of {@link LineDecoder}. */
export interface LineOptions {
  /** Longest line accepted, in bytes, not counting its `\n` or stripped `\r`. */
  maxLength: number;
  /** Whether a `\r` before the `\n` (or at the very end) is removed, so CRLF text works. Default true. */
  stripCR?: boolean;
  /**
   * What {@link LineDecoder.end} does with a last line that has no `\n`: `'emit'` (default, like
   * Python's `splitlines`) returns it, `'error'` throws `ERR_RXSOCK_FRAME_TRUNCATED`.
   */
  unterminated?: 'error' | 'emit';
}

const CR = 0x0d;

/** Nothing to deliver to between calls. */
const discard: FrameSink = () => {};

/**
 * Splits a byte stream into lines at `\n`, emitting each line's bytes without its terminator.
 * A {@link DelimiterDecoder} that also removes a trailing `\r` and counts `maxLength` after it.
 */
export class LineDecoder implements FrameDecoder {
  private readonly inner: DelimiterDecoder;
  private readonly maxLength: number;
  private readonly stripCR: boolean;
  private sink: FrameSink = discard;
  private readonly relay: FrameSink = (frame) => {
    this.sink(this.line(frame));
  };
  private failure: FrameError | undefined;

  /** @param options - Limit and line-ending rules; invalid values throw an `EINVAL` SocketError. */
  constructor(options: LineOptions) {
    this.maxLength = checkLimit(options.maxLength, 'maxLength');
    this.stripCR = options.stripCR ?? true;
    // One more byte may be a `\r` that does not count.
    this.inner = new DelimiterDecoder({
      delimiter: '\n',
      maxFrame: this.maxLength + (this.stripCR ? 1 : 0),
      unterminated: options.unterminated ?? 'emit',
    });
  }

  /** {@inheritDoc FrameDecoder.buffered} */
  get buffered(): number {
    return this.inner.buffered;
  }

  /** {@inheritDoc FrameDecoder.decode} */
  decode(chunk: Uint8Array, emit: FrameSink): void {
    if (this.failure !== undefined) throw this.failure;
    this.sink = emit;
    try {
      this.inner.decode(chunk, this.relay);
    } catch (err) {
      throw this.translate(err);
    } finally {
      this.sink = discard;
    }
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Uint8Array): Uint8Array[] {
    return collectFrames(this, chunk);
  }

  /**
   * Declares the end of the stream. A last line without `\n` is returned (stripped like the
   * others), unless `unterminated` is `'error'`; undefined if there is none.
   * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TRUNCATED` for a last line without `\n` when
   * `unterminated` is `'error'`, `ERR_RXSOCK_FRAME_TOO_LARGE` if it is over `maxLength`.
   */
  end(): Uint8Array | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      const last = this.inner.end();
      return last === undefined ? undefined : this.line(last);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** {@inheritDoc FrameDecoder.reset} */
  reset(): void {
    this.inner.reset();
    this.failure = undefined;
  }

  private line(frame: Uint8Array): Uint8Array {
    let length = frame.length;
    if (this.stripCR && length > 0 && frame[length - 1] === CR) {
      length -= 1;
      frame = view(frame, 0, length);
    }
    if (length > this.maxLength) throw this.fail(frameTooLarge(length, this.maxLength, false, 'maxLength'));
    return frame;
  }

  /** Restates the inner decoder's limit (which allows for a `\r`) in terms of `maxLength`. */
  private translate(err: unknown): unknown {
    if (err === this.failure || !(err instanceof FrameError)) return err;
    if (err.code === FrameErrorCode.TOO_LARGE && err.frameSize !== undefined) {
      const least = err.frameSize - (this.stripCR ? 1 : 0);
      return this.fail(frameTooLarge(Math.max(least, this.maxLength + 1), this.maxLength, true, 'maxLength'));
    }
    return this.fail(err);
  }

  private fail(err: FrameError): FrameError {
    this.failure = err;
    return err;
  }
}
