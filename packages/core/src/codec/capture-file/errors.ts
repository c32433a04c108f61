import { SocketError } from '../../errors.js';

/** The `code`s of {@link CaptureFileError}. */
export const CaptureFileErrorCode = {
  /** Bytes that are not a valid pcap or pcapng structure: a bad magic, version, length or option. */
  DECODE: 'ERR_RXSOCK_DECODE',
  /** A record or block longer than the decoder's `maxRecordSize`; nothing of it was buffered. */
  TOO_LARGE: 'ERR_RXSOCK_FRAME_TOO_LARGE',
  /** The file (or stream) ended inside a header, record or block. */
  TRUNCATED: 'ERR_RXSOCK_FRAME_TRUNCATED',
  /** A record the chosen format cannot carry, refused when encoding. */
  INVALID: 'ERR_RXSOCK_FRAME_INVALID',
} as const;

/** One of the {@link CaptureFileErrorCode} values. */
export type CaptureFileErrorCode = (typeof CaptureFileErrorCode)[keyof typeof CaptureFileErrorCode];

/**
 * A pcap or pcapng file that cannot be read, or a record that cannot be written. It is a
 * {@link SocketError} with the decode and framing codes the rest of rxsock uses, plus where in
 * the byte stream it happened. A decoder that throws it is poisoned (it rethrows it until
 * `reset()`), because after a bad length the position of the next record is unknown.
 */
export class CaptureFileError extends SocketError {
  /** What kind of failure this is. */
  declare readonly code: CaptureFileErrorCode;
  /** Byte offset, from the start of the stream, of the header, record or block at fault (decoding only). */
  readonly offset: number | undefined;

  /**
   * @param message - Human-readable description.
   * @param code - One of {@link CaptureFileErrorCode}.
   * @param offset - See {@link CaptureFileError.offset}.
   */
  constructor(message: string, code: CaptureFileErrorCode, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`, { code });
    this.name = 'CaptureFileError';
    this.offset = offset;
  }
}

/** @internal A structure that is not valid pcap/pcapng. */
export function badCapture(message: string, offset?: number): CaptureFileError {
  return new CaptureFileError(message, CaptureFileErrorCode.DECODE, offset);
}

/** @internal A record the encoder refuses. */
export function badRecord(message: string): CaptureFileError {
  return new CaptureFileError(message, CaptureFileErrorCode.INVALID);
}
