/**
 * A socket's error queue (`recvmsg` with `MSG_ERRQUEUE`), read for as long as the socket lives:
 * ICMP errors with IP_RECVERR, transmit status with SO_TIMESTAMPING or SO_J1939_ERRQUEUE,
 * zero-copy completions.
 *
 * The queue is read through a duplicate of the socket's fd: both fds are the same socket, but
 * each has its own registration in the poller and its own waiter, so this reader can wait while
 * the socket's own reader waits for messages. (The kernel reports EPOLLERR to both; the message
 * side may then see the socket's pending error once, as ECONNREFUSED on a UDP socket, whatever
 * reads the queue.) Unread entries count against the socket's receive buffer, which is why the
 * reader keeps reading until it is closed.
 */
import { C } from '../sys/index.js';
import type { MessageBatch } from './message-batch.js';
import { Socket } from './socket.js';

/** What an {@link ErrorQueueReader} calls. */
export interface ErrorQueueHandlers {
  /**
   * Entries `0..count-1` of `batch` arrived (read them with `batch.data(i)` and
   * `batch.ancillary(i)` before returning: the next read reuses the batch).
   */
  entries(batch: MessageBatch, count: number): void;
  /** The read failed, or `entries` threw; the reader has stopped (its fd is closed). */
  error?(error: unknown): void;
}

/**
 * Reads the error queue of `socket` into `batch`, one `recvmmsg` per wake-up, until
 * {@link ErrorQueueReader.close} (closing `socket` ends it too: the read fails with EBADF on the
 * duplicate's next use, or the queue stays empty). Holds its own fd; keeps the process alive
 * unless {@link ErrorQueueReader.unref}'d, like any socket.
 *
 * @example
 * ```ts
 * socket.setOption('IP_RECVERR', true);
 * const errors = new ErrorQueueReader(socket, new MessageBatch(8, 1280, { controlSize: 256 }), {
 *   entries: (batch, n) => { for (let i = 0; i < n; i++) console.log(batch.ancillary(i)); },
 * });
 * // later
 * errors.close();
 * ```
 */
export class ErrorQueueReader {
  private readonly duplicate: Socket;

  constructor(
    socket: Socket,
    private readonly batch: MessageBatch,
    private readonly handlers: ErrorQueueHandlers,
  ) {
    this.duplicate = Socket.fromFd(socket.fileno(), { dup: true });
    void this.read();
  }

  /** Whether the reader has stopped. */
  get closed(): boolean {
    return this.duplicate.closed;
  }

  /** Lets the process exit while this reader waits (the reader's own fd only). */
  unref(): void {
    if (!this.duplicate.closed) this.duplicate.unref();
  }

  /** Undoes {@link ErrorQueueReader.unref}. */
  ref(): void {
    if (!this.duplicate.closed) this.duplicate.ref();
  }

  /** Stops reading and closes the duplicate fd; the socket itself stays open. */
  close(): void {
    this.duplicate.close();
  }

  private async read(): Promise<void> {
    const queue = this.duplicate;
    while (!queue.closed) {
      try {
        const count = await queue.recvBatch(this.batch, C.MSG_ERRQUEUE);
        this.handlers.entries(this.batch, count);
      } catch (error) {
        if (queue.closed) return; // closed under the read: not a failure
        queue.close();
        this.handlers.error?.(error);
        return;
      }
    }
  }
}
