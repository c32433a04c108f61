import { SocketError } from '../../errors.js';

/** The `code`s of {@link FrameError}, in the style of the stream layer's `StreamErrorCode`. */
export const FrameErrorCode = {
  /** A frame longer than its configured maximum (or than its length field can express). */
  TOO_LARGE: 'ERR_RXSOCK_FRAME_TOO_LARGE',
  /** The stream ended inside a frame. */
  TRUNCATED: 'ERR_RXSOCK_FRAME_TRUNCATED',
  /**
   * Bytes that cannot be a frame of the format: a length field smaller than the header it claims
   * to include, or, when encoding, a frame that its delimiter would split or of the wrong fixed size.
   */
  INVALID: 'ERR_RXSOCK_FRAME_INVALID',
} as const;

/** One of the {@link FrameErrorCode} values. */
export type FrameErrorCode = (typeof FrameErrorCode)[keyof typeof FrameErrorCode];

/**
 * A framing failure. It is a {@link SocketError} so that code handling a connection's errors sees
 * one type; a decoder that throws it is poisoned (every later call rethrows it), because after a
 * bad frame the position of the next frame in the byte stream is unknown.
 */
export class FrameError extends SocketError {
  /** Which framing rule failed. */
  declare readonly code: FrameErrorCode;
  /**
   * The frame's length in bytes (excluding any length header or delimiter). For a frame rejected
   * before its end was seen this is the least length it can have.
   */
  readonly frameSize: number | undefined;
  /** The configured maximum that was exceeded, for `ERR_RXSOCK_FRAME_TOO_LARGE`. */
  readonly maxFrame: number | undefined;

  /**
   * @param message - Human-readable description, including the sizes involved.
   * @param code - One of the framing codes.
   * @param frameSize - See {@link FrameError.frameSize}.
   * @param maxFrame - See {@link FrameError.maxFrame}.
   * @param options - The underlying error, if any.
   */
  constructor(
    message: string,
    code: FrameErrorCode,
    frameSize?: number,
    maxFrame?: number,
    options?: { cause?: unknown },
  ) {
    super(message, { code }, options);
    this.name = 'FrameError';
    this.frameSize = frameSize;
    this.maxFrame = maxFrame;
  }
}

/**
 * The error for a frame over its maximum. `atLeast` marks a size inferred from bytes buffered
 * without a terminating delimiter, where the real frame may be longer still.
 */
export function frameTooLarge(size: number, max: number, atLeast = false, what = 'maxFrame'): FrameError {
  return new FrameError(
    `frame of ${atLeast ? 'at least ' : ''}${size} bytes exceeds ${what} ${max}`,
    FrameErrorCode.TOO_LARGE,
    size,
    max,
  );
}

/** The error for a stream that ended with `buffered` bytes of an unfinished frame. */
export function frameTruncated(detail: string, buffered: number): FrameError {
  return new FrameError(`stream ended inside a frame: ${detail}`, FrameErrorCode.TRUNCATED, buffered);
}

/** The error for bytes that do not form a valid frame. */
export function frameInvalid(message: string, size?: number): FrameError {
  return new FrameError(message, FrameErrorCode.INVALID, size);
}
