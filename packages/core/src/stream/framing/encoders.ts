import { Buffer } from 'node:buffer';
import { checkLimit } from './bytes.js';
import { delimiterBytes } from './delimiter.js';
import { FrameError, FrameErrorCode, frameInvalid, frameTooLarge } from './errors.js';
import { type LengthPrefixFormat, type ResolvedLengthPrefix, resolveLengthPrefix } from './length-prefixed.js';

/** Options of the length-prefix encoders. */
export interface LengthPrefixEncodeOptions extends LengthPrefixFormat {
  /** Largest payload to send; larger frames fail instead of being sent to a peer that would reject them. */
  maxFrame?: number;
}

/** The length field value for a payload, or a typed error if it cannot be expressed. */
function fieldValue(length: number, format: ResolvedLengthPrefix, maxFrame: number | undefined): number {
  if (maxFrame !== undefined && length > maxFrame) throw frameTooLarge(length, maxFrame);
  const value = length - format.bias;
  if (value > format.fieldMax) {
    const max = format.fieldMax + format.bias;
    throw new FrameError(
      `frame of ${length} bytes does not fit a ${format.header}-byte length field (max ${max})`,
      FrameErrorCode.TOO_LARGE,
      length,
      max,
    );
  }
  if (value < 0) throw frameInvalid(`a ${length}-byte payload gives a negative length field (${value})`, length);
  return value;
}

/** Writes a length field at `off`. */
function writeField(out: Uint8Array, off: number, value: number, format: ResolvedLengthPrefix): void {
  const header = format.header;
  for (let i = 0; i < header; i++) {
    const shift = format.little ? i : header - 1 - i;
    // Division rather than `>>` keeps 32-bit values unsigned.
    out[off + i] = Math.floor(value / 2 ** (8 * shift)) & 0xff;
  }
}

/**
 * A prepared length-prefix encoder: validates the format once, for encoding many frames.
 * The functions below create one per call.
 */
export class LengthPrefixEncoder {
  private readonly format: ResolvedLengthPrefix;
  private readonly maxFrame: number | undefined;

  /** @param options - Wire format (as for the decoder) and an optional limit. */
  constructor(options: LengthPrefixEncodeOptions) {
    this.format = resolveLengthPrefix(options);
    this.maxFrame = options.maxFrame === undefined ? undefined : checkLimit(options.maxFrame, 'maxFrame');
  }

  /** Size of the header in bytes. */
  get headerSize(): number {
    return this.format.header;
  }

  /**
   * The header for a payload of `length` bytes, to send before the payload as a separate chunk
   * (with writev the payload is not copied).
   * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TOO_LARGE` if the length exceeds `maxFrame` or
   * the length field.
   */
  header(length: number): Uint8Array {
    const out = new Uint8Array(this.format.header);
    writeField(out, 0, fieldValue(length, this.format, this.maxFrame), this.format);
    return out;
  }

  /**
   * Header and payload copied into one array: best for small frames, where one chunk costs less
   * than two.
   * @throws {@link FrameError} as {@link LengthPrefixEncoder.header}.
   */
  encode(frame: Uint8Array): Uint8Array {
    const header = this.format.header;
    const out = new Uint8Array(header + frame.length);
    writeField(out, 0, fieldValue(frame.length, this.format, this.maxFrame), this.format);
    out.set(frame, header);
    return out;
  }
}

/**
 * The length header for a payload of `length` bytes in the given format.
 * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TOO_LARGE` if it does not fit.
 */
export function lengthPrefixHeader(length: number, options: LengthPrefixEncodeOptions): Uint8Array {
  return new LengthPrefixEncoder(options).header(length);
}

/**
 * One array holding the length header followed by `frame`. To avoid copying a large frame, send
 * {@link lengthPrefixHeader} and the frame as two chunks instead.
 * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TOO_LARGE` if it does not fit.
 */
export function encodeLengthPrefixed(frame: Uint8Array, options: LengthPrefixEncodeOptions): Uint8Array {
  return new LengthPrefixEncoder(options).encode(frame);
}

/** Options of {@link DelimiterEncoder}. */
export interface DelimitEncodeOptions {
  /**
   * Whether to refuse frames that contain the delimiter (which the peer would split in two).
   * Costs one search of each frame. Default true.
   */
  check?: boolean;
  /** Largest frame to send, not counting the delimiter. */
  maxFrame?: number;
}

/** A prepared delimiter encoder: encodes the delimiter once, for encoding many frames. */
export class DelimiterEncoder {
  /** The delimiter's bytes (a copy). */
  readonly delimiter: Uint8Array;
  private readonly needle: Buffer;
  private readonly check: boolean;
  private readonly maxFrame: number | undefined;

  /**
   * @param delimiter - Bytes, or a string encoded as UTF-8; must not be empty.
   * @param options - Checks to apply.
   */
  constructor(delimiter: Uint8Array | string, options: DelimitEncodeOptions = {}) {
    this.delimiter = delimiterBytes(delimiter);
    this.needle = Buffer.from(this.delimiter);
    this.check = options.check ?? true;
    this.maxFrame = options.maxFrame === undefined ? undefined : checkLimit(options.maxFrame, 'maxFrame');
  }

  /**
   * Throws if `frame` followed by the delimiter would not decode as `frame`: if it contains the
   * delimiter, or ends with bytes that form the delimiter together with the start of the
   * delimiter itself (`"ab"` before `"aba"` reads as `"ababa"`, whose first `"aba"` is at 0).
   * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TOO_LARGE` over `maxFrame`, or
   * `ERR_RXSOCK_FRAME_INVALID` as above.
   */
  validate(frame: Uint8Array): void {
    if (this.maxFrame !== undefined && frame.length > this.maxFrame) {
      throw frameTooLarge(frame.length, this.maxFrame);
    }
    if (!this.check || frame.length === 0) return;
    const at = Buffer.from(frame.buffer, frame.byteOffset, frame.length).indexOf(this.needle);
    if (at >= 0) throw this.containsDelimiter(frame, at);
    const d = this.delimiter.length;
    if (d > 1) {
      const keep = Math.min(d - 1, frame.length);
      const probe = Buffer.allocUnsafe(keep + d);
      probe.set(frame.subarray(frame.length - keep), 0);
      probe.set(this.delimiter, keep);
      const first = probe.indexOf(this.needle);
      if (first < keep) throw this.containsDelimiter(frame, frame.length - keep + first);
    }
  }

  private containsDelimiter(frame: Uint8Array, at: number): FrameError {
    return frameInvalid(
      `frame of ${frame.length} bytes would be split by the delimiter found at offset ${at}`,
      frame.length,
    );
  }

  /**
   * `frame` followed by the delimiter, in one new array.
   * @throws {@link FrameError} as {@link DelimiterEncoder.validate}.
   */
  encode(frame: Uint8Array): Uint8Array {
    this.validate(frame);
    const out = new Uint8Array(frame.length + this.delimiter.length);
    out.set(frame, 0);
    out.set(this.delimiter, frame.length);
    return out;
  }
}

/**
 * `frame` followed by `delimiter`, in one new array.
 * @throws {@link FrameError} `ERR_RXSOCK_FRAME_INVALID` if the frame contains the delimiter
 * (unless `check` is false), `ERR_RXSOCK_FRAME_TOO_LARGE` over `maxFrame`.
 */
export function encodeDelimited(
  frame: Uint8Array,
  delimiter: Uint8Array | string,
  options?: DelimitEncodeOptions,
): Uint8Array {
  return new DelimiterEncoder(delimiter, options).encode(frame);
}

/**
 * Returns `frame` unchanged if it is exactly `size` bytes long: fixed-size records have no
 * framing bytes, so the only thing an encoder can do is refuse a record the peer would misread.
 * @throws {@link FrameError} `ERR_RXSOCK_FRAME_INVALID` for any other length.
 */
export function checkFixedSize(frame: Uint8Array, size: number): Uint8Array {
  if (frame.length !== size) {
    throw frameInvalid(`frame of ${frame.length} bytes is not the fixed size ${size}`, frame.length);
  }
  return frame;
}
