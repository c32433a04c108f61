import { invalidArgument } from '../../errors.js';
import { EMPTY, Pending, checkLimit, view } from './bytes.js';
import { collectFrames, type FrameDecoder, type FrameSink } from './decoder.js';
import { FrameError, frameInvalid, frameTooLarge, frameTruncated } from './errors.js';

/** The wire layout of a length prefix, shared by the decoder and the encoders. */
export interface LengthPrefixFormat {
  /** Size of the length field in bytes: an unsigned 8, 16 or 32-bit integer. */
  header: 1 | 2 | 4;
  /** Byte order of the length field; network order (`'be'`) unless told. */
  endian?: 'be' | 'le';
  /**
   * Whether the length field counts its own bytes too (frame length + header), as some protocols
   * do. Default false: it counts the payload only.
   */
  lengthIncludesHeader?: boolean;
  /**
   * A constant added to the length field to get the payload length (Netty's `lengthAdjustment`),
   * for protocols whose length counts bytes other than the payload. Applied together with
   * {@link lengthIncludesHeader}. Default 0.
   */
  adjust?: number;
}

/** Options of {@link LengthPrefixedDecoder}. */
export interface LengthPrefixedOptions extends LengthPrefixFormat {
  /**
   * Largest payload accepted, in bytes. A header announcing more fails at once, before any of
   * the payload is buffered.
   */
  maxFrame: number;
}

/** The validated form of a {@link LengthPrefixFormat}, computed once. */
export interface ResolvedLengthPrefix {
  /** Header size in bytes. */
  readonly header: 1 | 2 | 4;
  /** Whether the length field is little-endian. */
  readonly little: boolean;
  /** Payload length minus the length field's value. */
  readonly bias: number;
  /** Largest value the length field can hold. */
  readonly fieldMax: number;
}

/** Validates a format and precomputes what the hot paths need. */
export function resolveLengthPrefix(format: LengthPrefixFormat): ResolvedLengthPrefix {
  const { header, endian = 'be', lengthIncludesHeader = false, adjust = 0 } = format;
  if (header !== 1 && header !== 2 && header !== 4) {
    throw invalidArgument(`header must be 1, 2 or 4 bytes, got ${String(header)}`);
  }
  if (endian !== 'be' && endian !== 'le') {
    throw invalidArgument(`endian must be 'be' or 'le', got ${String(endian)}`);
  }
  if (!Number.isSafeInteger(adjust)) throw invalidArgument(`adjust must be an integer, got ${String(adjust)}`);
  return {
    header,
    little: endian === 'le',
    bias: adjust - (lengthIncludesHeader ? header : 0),
    fieldMax: header === 4 ? 0xffffffff : header === 2 ? 0xffff : 0xff,
  };
}

/** Reads an unsigned length field; `>>> 0`-free arithmetic keeps 32-bit values positive. */
function readField(buf: Uint8Array, off: number, header: number, little: boolean): number {
  if (header === 1) return buf[off]!;
  if (header === 2) return little ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
  return little
    ? buf[off + 3]! * 0x1000000 + ((buf[off + 2]! << 16) | (buf[off + 1]! << 8) | buf[off]!)
    : buf[off]! * 0x1000000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/**
 * Decodes frames that each start with an unsigned length field (1, 2 or 4 bytes, either byte
 * order). Emits the payloads, without their headers.
 *
 * The length is checked against `maxFrame` as soon as the header is complete, so an oversize
 * frame fails before its payload is buffered; while a frame is in progress only its payload (at
 * most `maxFrame` bytes) is held.
 */
export class LengthPrefixedDecoder implements FrameDecoder {
  private readonly header: number;
  private readonly little: boolean;
  private readonly bias: number;
  private readonly maxFrame: number;
  private readonly pending = new Pending();
  /** Header bytes of a header that spans chunks. */
  private readonly head = new Uint8Array(4);
  private headFill = 0;
  /** Payload length of the frame in progress, or -1 while its header is incomplete or absent. */
  private need = -1;
  private failure: FrameError | undefined;

  /** @param options - Wire format and limit; invalid values throw an `EINVAL` SocketError. */
  constructor(options: LengthPrefixedOptions) {
    const format = resolveLengthPrefix(options);
    this.header = format.header;
    this.little = format.little;
    this.bias = format.bias;
    this.maxFrame = checkLimit(options.maxFrame, 'maxFrame');
  }

  /** {@inheritDoc FrameDecoder.buffered} */
  get buffered(): number {
    return this.headFill + this.pending.bytes;
  }

  /** {@inheritDoc FrameDecoder.decode} */
  decode(chunk: Uint8Array, emit: FrameSink): void {
    if (this.failure !== undefined) throw this.failure;
    const end = chunk.length;
    const header = this.header;
    let off = 0;

    // Finish the frame that earlier chunks started; this is the only place that copies.
    if (this.headFill > 0) {
      const take = Math.min(header - this.headFill, end);
      for (let i = 0; i < take; i++) this.head[this.headFill + i] = chunk[i]!;
      this.headFill += take;
      off = take;
      if (this.headFill < header) return;
      this.headFill = 0;
      this.need = this.payloadLength(this.head, 0);
    }
    if (this.need >= 0) {
      const pending = this.pending;
      const want = this.need - pending.bytes;
      if (end - off < want) {
        if (end > off) pending.add(chunk, off, end);
        return;
      }
      let frame: Uint8Array;
      if (pending.bytes === 0) {
        frame = want === 0 ? EMPTY : view(chunk, off, off + want);
      } else {
        frame = pending.gather(this.need, chunk, off);
        pending.clear();
      }
      off += want;
      this.need = -1;
      emit(frame);
    }

    // Frames that lie inside this chunk: views, no copy.
    while (end - off >= header) {
      const length = this.payloadLength(chunk, off);
      off += header;
      if (end - off < length) {
        this.need = length;
        if (end > off) this.pending.add(chunk, off, end);
        return;
      }
      const start = off;
      off += length;
      emit(length === 0 ? EMPTY : view(chunk, start, off));
    }
    for (let i = off; i < end; i++) this.head[this.headFill++] = chunk[i]!;
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Uint8Array): Uint8Array[] {
    return collectFrames(this, chunk);
  }

  /** {@inheritDoc FrameDecoder.end} */
  end(): undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.headFill > 0) {
      throw this.fail(frameTruncated(`${this.headFill} of ${this.header} header bytes received`, this.headFill));
    }
    if (this.need >= 0) {
      const got = this.pending.bytes;
      throw this.fail(frameTruncated(`${got} of ${this.need} payload bytes received`, got));
    }
    return undefined;
  }

  /** {@inheritDoc FrameDecoder.reset} */
  reset(): void {
    this.pending.clear();
    this.headFill = 0;
    this.need = -1;
    this.failure = undefined;
  }

  /** Reads a header and applies the length rules; throws (and poisons) on a bad length. */
  private payloadLength(buf: Uint8Array, off: number): number {
    const field = readField(buf, off, this.header, this.little);
    const length = field + this.bias;
    if (length > this.maxFrame) throw this.fail(frameTooLarge(length, this.maxFrame));
    if (length < 0) {
      throw this.fail(frameInvalid(`length field ${field} gives a negative payload length (${length})`, length));
    }
    return length;
  }

  private fail(err: FrameError): FrameError {
    this.pending.clear();
    this.headFill = 0;
    this.need = -1;
    this.failure = err;
    return err;
  }
}
