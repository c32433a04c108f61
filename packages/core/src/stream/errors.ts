/**
 * The typed errors the stream layer raises itself (socket errors pass through unchanged).
 */
import { SocketError } from '../errors.js';

/** The `code`s of the errors the stream layer raises, beside the system errors it passes on. */
export const StreamErrorCode = {
  /** A datagram arrived while the queue was full under the `'error'` overflow policy. */
  QUEUE_OVERFLOW: 'ERR_RXSOCK_QUEUE_OVERFLOW',
  /** A write would have taken a writer's buffer over its hard cap. */
  WRITE_OVERFLOW: 'ERR_RXSOCK_WRITE_OVERFLOW',
  /** A write after `end()` was called. */
  WRITE_AFTER_END: 'ERR_RXSOCK_WRITE_AFTER_END',
  /** The writer was destroyed: pending and later operations fail with this. */
  WRITER_DESTROYED: 'ERR_RXSOCK_WRITER_DESTROYED',
  /** A second subscriber tried to consume a source that already has one. */
  SOURCE_BUSY: 'ERR_RXSOCK_SOURCE_BUSY',
  /** The source was closed by its owner. */
  SOURCE_CLOSED: 'ERR_RXSOCK_SOURCE_CLOSED',
} as const;

/** One of the {@link StreamErrorCode} values. */
export type StreamErrorCode = (typeof StreamErrorCode)[keyof typeof StreamErrorCode];

/** @internal */
export function streamError(code: StreamErrorCode, message: string, syscall?: string): SocketError {
  return new SocketError(message, { code, ...(syscall !== undefined ? { syscall } : {}) });
}
